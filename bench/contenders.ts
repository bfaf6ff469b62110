/**
 * The same tiny app written against each contender, as its README shows it. Routes:
 * - `/inc`: read the counter, increment it, write it back (the first request also stores the payload);
 * - `/read`: read the counter only;
 * - `/untouched`: never looks at the session.
 * Every route answers `{ count }` as JSON. Each contender uses its own defaults for cookie names and
 * attributes, plus the expiry settings a real deployment would set (1 h idle, 24 h absolute) where it has them.
 */
import { useSession, type SessionEnv } from "@hono/session";
import { Hono } from "hono";
import { CookieStore, sessionMiddleware, type Session as HonoSessionsSession } from "hono-sessions";
import { getIronSession, webCookies } from "iron-session";
import { CompactEncrypt, compactDecrypt, EncryptJWT, jwtDecrypt } from "jose";
import { newSessionId } from "../src/core/envelope.js";
import { createKeyring, sealSession, session, type SessionVariables } from "../src/index.js";
import { floorCodec, floorKey, minimalSession, type Codec, type MinimalSession } from "./floor.js";
import type { BenchData } from "./payloads.js";

/** At least 32 characters, as every contender requires. */
export const SECRET = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
/**
 * The Worker environment every bench request carries (bench/client.ts): edge-session reads its secret from it
 * through a function, as the README's app does (a constant secret skips the per-request secret look-up users pay).
 */
export const BENCH_ENV = { SESSION_SECRET: SECRET };
const IDLE = 3600;
const ABSOLUTE = 24 * 3600;

export type Role =
  /** No session at all. */
  | "baseline"
  /** The yardsticks written in the bench: raw AES-GCM, and jose used directly. */
  | "reference"
  | "edge-session"
  /** Published libraries. */
  | "peer";

export interface Contender {
  name: string;
  role: Role;
  /** The cookie the contender sets, carried to the next request like a browser would. */
  cookieName: string;
  /** Builds the app; `data` is what the first `/inc` stores. */
  app(data: BenchData): Promise<Hono>;
  /**
   * The cookie value to send when the app never sets one: the baseline carries edge-session's cookie for
   * the same data, so that "untouched route vs baseline" compares the same request with and without the
   * middleware (a larger cookie costs more to receive in every runtime; bench/bytes.ts counts that).
   */
  carried?(data: BenchData): Promise<string>;
}

type Counter = (count: number | undefined) => number;
/** What `/inc` does to the counter; the first request (no session yet) starts at 1. */
const next: Counter = (count) => (count ?? 0) + 1;

export const baseline: Contender = {
  name: "no session (baseline)",
  role: "baseline",
  cookieName: "__Host-session",
  async carried(data) {
    const keys = await createKeyring(SECRET, { purpose: "__Host-session" });
    const now = Date.now();
    return sealSession({ data: { ...data, count: 1 }, meta: { id: newSessionId(), created: now, lastUsed: now, lifetime: 0 } }, keys);
  },
  async app() {
    let count = 0; // not per user: just enough for the handler to do the same work
    return new Hono()
      .get("/inc", (c) => c.json({ count: ++count }))
      .get("/read", (c) => c.json({ count }))
      .get("/untouched", (c) => c.json({ count }));
  },
};

/** The baseline behind one middleware that only awaits next(): what Hono charges for any middleware. */
export const emptyMiddleware: Contender = {
  ...baseline,
  name: "empty middleware",
  async app(data) {
    const app = new Hono();
    app.use(async (_, next) => {
      await next();
    });
    return app.route("/", await baseline.app(data));
  },
};

function minimalApp(codec: Codec, data: BenchData): Hono {
  const app = new Hono<{ Variables: { session: MinimalSession } }>();
  app.use(minimalSession(codec));
  app.get("/inc", (c) => {
    const s = c.var.session;
    const previous = s.get("count") as number | undefined;
    if (previous === undefined) s.set("blob", data.blob);
    const count = next(previous);
    s.set("count", count);
    return c.json({ count });
  });
  app.get("/read", (c) => c.json({ count: c.var.session.get("count") }));
  app.get("/untouched", (c) => c.json({ count: 0 }));
  return app as unknown as Hono;
}

/** A reference contender: the floor's minimal middleware (bench/floor.ts) over the codec `codecOf` makes of a fresh key. */
function minimalContender(name: string, codecOf: (key: CryptoKey) => Codec): Contender {
  return {
    name,
    role: "reference",
    cookieName: "__Host-session",
    async app(data) {
      return minimalApp(codecOf(await floorKey()), data);
    },
  };
}

/** `open`, answering undefined for a value that does not open (the minimal middleware then starts afresh). */
function orUndefined(open: (token: string) => Promise<Record<string, unknown>>): Codec["unseal"] {
  return async (token) => {
    try {
      return await open(token);
    } catch {
      return undefined;
    }
  };
}

export const floor = minimalContender("floor (raw AES-GCM)", floorCodec);

/** The floor middleware with jose's JWT API as the codec: what a plain `EncryptJWT` middleware costs. */
export const joseDirect = minimalContender("jose EncryptJWT middleware", (key) => {
  const options = { keyManagementAlgorithms: ["dir"], contentEncryptionAlgorithms: ["A256GCM"] };
  return {
    seal: (payload) =>
      new EncryptJWT(payload).setProtectedHeader({ alg: "dir", enc: "A256GCM" }).setIssuedAt().setExpirationTime(`${IDLE}s`).encrypt(key),
    unseal: orUndefined(async (token) => (await jwtDecrypt(token, key, options)).payload),
  };
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The floor middleware sealing with jose's compact JWE (`dir`, A256GCM, one cached CryptoKey) and nothing else:
 * no `kid`, no metadata, no expiry, no checks of its own. Between the floor and edge-session, it tells jose's
 * share of the distance (edge-session seals with jose: its reviewed parser stays) from edge-session's own.
 */
export const joseFloor = minimalContender("jose floor (compact JWE)", (key) => {
  const header = { alg: "dir", enc: "A256GCM" };
  return {
    seal: (payload) => new CompactEncrypt(encoder.encode(JSON.stringify(payload))).setProtectedHeader(header).encrypt(key),
    unseal: orUndefined(
      async (token) => JSON.parse(decoder.decode((await compactDecrypt(token, key)).plaintext)) as Record<string, unknown>,
    ),
  };
});

/**
 * The README's app (`secret` read from `c.env` through a function) on a given build's `session()`: this
 * checkout's source here, the shipped builds of this checkout and of 0.1 in bench/isolated.ts.
 *
 * @example
 * ```ts
 * const contender = readmeApp("edge-session", session);
 * ```
 */
export function readmeApp(name: string, use: typeof session): Contender {
  return {
    name,
    role: "edge-session",
    cookieName: "__Host-session",
    async app(data) {
      const app = new Hono<{ Bindings: typeof BENCH_ENV; Variables: SessionVariables<BenchData> }>();
      app.use(use<BenchData>({ secret: (c) => c.env.SESSION_SECRET, idleTimeout: IDLE, absoluteTimeout: ABSOLUTE }));
      app.get("/inc", async (c) => {
        const s = c.var.session;
        const previous = await s.get("count");
        if (previous === undefined) s.set("blob", data.blob);
        const count = next(previous);
        s.set("count", count);
        return c.json({ count });
      });
      app.get("/read", async (c) => c.json({ count: await c.var.session.get("count") }));
      app.get("/untouched", (c) => c.json({ count: 0 }));
      return app as unknown as Hono;
    },
  };
}

export const edgeSession: Contender = readmeApp("edge-session", session);

export const honoSession: Contender = {
  name: "@hono/session",
  role: "peer",
  cookieName: "sid",
  async app(data) {
    const app = new Hono<SessionEnv<BenchData>>();
    app.use(useSession<BenchData>({ secret: SECRET, duration: { absolute: ABSOLUTE, inactivity: IDLE } }));
    app.get("/inc", async (c) => {
      const current = await c.var.session.get();
      const count = next(current?.count);
      await c.var.session.update({ ...(current ?? { blob: data.blob }), count });
      return c.json({ count });
    });
    app.get("/read", async (c) => c.json({ count: (await c.var.session.get())?.count }));
    app.get("/untouched", (c) => c.json({ count: 0 }));
    return app as unknown as Hono;
  },
};

export const honoSessions: Contender = {
  name: "hono-sessions",
  role: "peer",
  cookieName: "session",
  async app(data) {
    const app = new Hono<{ Variables: { session: HonoSessionsSession<BenchData>; session_key_rotation: boolean } }>();
    app.use(
      sessionMiddleware({
        store: new CookieStore(),
        encryptionKey: SECRET,
        expireAfterSeconds: IDLE,
        cookieOptions: { sameSite: "Lax", path: "/", httpOnly: true, secure: true },
      }),
    );
    app.get("/inc", (c) => {
      const s = c.get("session");
      const previous = s.get("count") ?? undefined;
      if (previous === undefined) s.set("blob", data.blob);
      const count = next(previous);
      s.set("count", count);
      return c.json({ count });
    });
    app.get("/read", (c) => c.json({ count: c.get("session").get("count") }));
    app.get("/untouched", (c) => c.json({ count: 0 }));
    return app as unknown as Hono;
  },
};

/** iron-session has no Hono middleware: its README's web-standard adapter, used in each handler. */
export const ironSession: Contender = {
  name: "iron-session",
  role: "peer",
  cookieName: "iron",
  async app(data) {
    const options = { password: SECRET, cookieName: "iron", ttl: IDLE };
    const app = new Hono();
    app.get("/inc", async (c) => {
      const s = await getIronSession<BenchData>(webCookies(c.req.raw, c.res), options);
      if (s.count === undefined) s.blob = data.blob;
      s.count = next(s.count);
      await s.save();
      return c.json({ count: s.count });
    });
    app.get("/read", async (c) => {
      const s = await getIronSession<BenchData>(webCookies(c.req.raw, c.res), options);
      return c.json({ count: s.count });
    });
    app.get("/untouched", (c) => c.json({ count: 0 }));
    return app;
  },
};

/** Every contender of the round trips, in table order. */
export const CONTENDERS: readonly Contender[] = [baseline, floor, joseDirect, edgeSession, honoSession, honoSessions, ironSession];
