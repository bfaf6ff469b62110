/**
 * Scenario 5: sessions too large for one cookie, both ways edge-session keeps them without a server-side
 * store. A full Hono round trip per request (read the counter, increment it, write it back), as in the
 * round-trip scenario, with 6 KB and 12 KB of session data:
 * - split over cookies (`cookie: { chunks: 5 }`: the fewest chunks that hold it), every chunk sent with the
 *   request and every chunk sent back re-sealed;
 * - overflow (`overflow:`): one small pointer cookie, and per request a store read, a write under a fresh
 *   key and the delete of the entry it replaces. Inside workerd the store is the bench Worker's KV binding
 *   (Miniflare's local KV, no network); in Node, where there is no KV, a `MemoryStore` stands in.
 * The notes record what each case puts on the wire per request: cookies, Cookie header, Set-Cookie lines.
 */
import { Hono } from "hono";
import { MemoryStore, session, type SessionOptions, type SessionVariables } from "../src/index.js";
import { check } from "./client.js";
import { SECRET } from "./contenders.js";
import type { Case } from "./harness.js";
import { payload, type BenchData } from "./payloads.js";

const NAME = "__Host-session";
export const CHUNKED = "edge-session, cookie.chunks";
/** Enough for 12 KB of data (5 cookies); a 6 KB session takes 3, and each write expires the 2 names above. */
const MAX_CHUNKS = 5;
export const CHUNK_PAYLOADS = [payload("6 KB", 6 * 1024), payload("12 KB", 12 * 1024)];

/** What one request and its response carry for the session, once the session is in place. */
export interface WireSize {
  contender: string;
  variant: string;
  /** Session cookies the request carries. */
  cookies: number;
  /** Bytes of the Cookie header those cookies make (`name=value; ...`). */
  cookieHeader: number;
  /** Set-Cookie lines of the response, and their bytes (attributes included). */
  setCookies: number;
  setCookieBytes: number;
}

/** A browser over `app.request()` that keeps every cookie it is given, by name, and sends them all back. */
class JarClient {
  readonly cookies = new Map<string, string>();
  /** The last response's Set-Cookie lines. */
  lastSetCookies: string[] = [];
  constructor(readonly app: Hono) {}

  get header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  async count(path: string): Promise<number> {
    const res = await this.app.request(path, this.cookies.size ? { headers: { Cookie: this.header } } : undefined);
    this.lastSetCookies = res.headers.getSetCookie();
    for (const line of this.lastSetCookies) {
      const name = line.slice(0, line.indexOf("="));
      if (/; Max-Age=0(;|$)/.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, line.slice(name.length + 1, line.indexOf(";")));
    }
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { count: number }).count;
  }
}

function app(data: BenchData, options: Partial<SessionOptions>): Hono {
  const app = new Hono<{ Variables: SessionVariables<BenchData> }>();
  app.use(session<BenchData>({ secret: SECRET, idleTimeout: 3600, absoluteTimeout: 24 * 3600, ...options }));
  app.get("/inc", async (c) => {
    const s = c.var.session;
    const previous = await s.get("count");
    if (previous === undefined) s.set("blob", data.blob);
    const count = (previous ?? 0) + 1;
    s.set("count", count);
    return c.json({ count });
  });
  return app as unknown as Hono;
}

/** The scenario's cases; `kv` is the bench Worker's KV binding inside workerd, absent in Node. */
export function chunkedRoundTrip(kv?: KVNamespace): { cases: Case[]; notes: () => WireSize[] } {
  const overflow = kv ? "edge-session, overflow to KV (local)" : "edge-session, overflow to MemoryStore";
  const wire: WireSize[] = [];
  const cases = CHUNK_PAYLOADS.flatMap((size) =>
    [
      { contender: CHUNKED, options: { cookie: { chunks: MAX_CHUNKS } } },
      { contender: overflow, options: { overflow: kv ?? new MemoryStore() } },
    ].map(({ contender, options }): Case => ({
      contender,
      variant: size.label,
      async prepare() {
        const client = new JarClient(app(size.data, options));
        check((await client.count("/inc")) === 1, contender, "the first /inc did not start a session at 1");
        const cookies = client.cookies.size;
        const cookieHeader = client.header.length;
        check((await client.count("/inc")) === 2, contender, "the counter did not reach 2");
        const written = client.lastSetCookies.filter((line) => !line.includes("Max-Age=0"));
        check(written.length === cookies, contender, `wrote ${written.length} cookies, carried ${cookies}`);
        check(
          contender === CHUNKED ? cookies > 1 : cookies === 1 && client.cookies.get(NAME)!.length < 200,
          contender,
          `${cookies} cookies`,
        );
        wire.push({
          contender,
          variant: size.label,
          cookies,
          cookieHeader,
          setCookies: client.lastSetCookies.length,
          setCookieBytes: client.lastSetCookies.reduce((sum, line) => sum + line.length, 0),
        });
        return () => client.count("/inc");
      },
    })),
  );
  return { cases, notes: () => wire };
}
