import { Hono } from "hono";
import { session, type SessionOptions, type SessionVariables } from "../src/index.js";

export const SECRET = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
export const OLD_SECRET = "old-secret-9876543210-zyxwvutsrqponmlkjihgfedcba";

/** A controllable clock: tests move time, never sleep. */
export function testClock(start = Date.UTC(2026, 10, 24, 9, 0, 0)) {
  let t = start;
  return {
    now: () => t,
    advance(seconds: number) {
      t += seconds * 1000;
    },
  };
}

/** A browser-like cookie jar for one cookie name over app.request(). */
export function jar(name = "__Host-session") {
  let value: string | undefined;
  return {
    get value() {
      return value;
    },
    set value(v: string | undefined) {
      value = v;
    },
    header(): Record<string, string> {
      return value === undefined ? {} : { Cookie: `${name}=${value}` };
    },
    /** Applies the response's Set-Cookie for our name; returns the raw Set-Cookie, if any. */
    take(res: Response): string | undefined {
      const raw = res.headers.getSetCookie().find((h) => h.startsWith(`${name}=`));
      if (raw === undefined) return undefined;
      const v = raw.slice(name.length + 1, raw.indexOf(";"));
      value = /Max-Age=0/.test(raw) ? undefined : v;
      return raw;
    },
  };
}

/**
 * A browser-like jar for every cookie a response sets (a session split over chunks: `<name>`, `<name>.1`...):
 * Set-Cookie lines are applied in order, by name; `Max-Age=0` removes the cookie.
 */
export function cookieJar() {
  const cookies = new Map<string, string>();
  return {
    cookies,
    /** Names held, sorted. */
    names(): string[] {
      return [...cookies.keys()].sort();
    },
    header(): Record<string, string> {
      return cookies.size ? { Cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join("; ") } : {};
    },
    /** Applies every Set-Cookie of the response; returns them as sent. */
    take(res: Response): string[] {
      const lines = res.headers.getSetCookie();
      for (const line of lines) {
        const pair = line.slice(0, line.indexOf(";"));
        const name = pair.slice(0, pair.indexOf("="));
        if (/; Max-Age=0(;|$)/.test(line)) cookies.delete(name);
        else cookies.set(name, pair.slice(name.length + 1));
      }
      return lines;
    },
  };
}

export type Data = { count?: number; user?: string; big?: string; [k: string]: unknown };

/** A small app exercising the session: read, increment, expose metadata. */
export function counterApp(options: Partial<SessionOptions> = {}) {
  const app = new Hono<{ Variables: SessionVariables<Data> }>();
  app.use(session<Data>({ secret: SECRET, ...options }));
  app.get("/inc", async (c) => {
    const s = c.var.session;
    const count = ((await s.get("count")) ?? 0) + 1;
    s.set("count", count);
    return c.json({ count, id: s.id, isNew: s.isNew, expired: s.expired ?? null, invalid: s.invalid ?? null });
  });
  app.get("/read", async (c) => {
    const s = await c.var.session.load();
    return c.json({
      count: (await s.get("count")) ?? null,
      id: s.id,
      isNew: s.isNew,
      expired: s.expired ?? null,
      invalid: s.invalid ?? null,
      meta: s.meta,
      idleLeft: s.idleSecondsLeft() ?? null,
    });
  });
  app.get("/poll", async (c) => {
    c.var.session.skipRoll();
    const s = await c.var.session.load();
    return c.json({ idleLeft: s.idleSecondsLeft() ?? null, isNew: s.isNew });
  });
  app.get("/untouched", (c) => c.text("ok"));
  return app;
}

/** A Worker's execution context that records what it was asked to keep alive. */
export function executionContext() {
  const pending: Promise<unknown>[] = [];
  return {
    pending,
    ctx: {
      waitUntil: (p: Promise<unknown>) => void pending.push(p),
      passThroughOnException() {},
      props: {},
    } as unknown as ExecutionContext,
    settled: () => Promise.all(pending),
  };
}
