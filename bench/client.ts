import type { Hono } from "hono";
import type { BenchData } from "./payloads.js";
import { BENCH_ENV, type Contender } from "./contenders.js";

/** A one-cookie browser over `app.request()`: sends the cookie it holds, keeps the one it is given. */
export class Client {
  /** `name=value` as the next request sends it. */
  cookie: string | undefined;
  /** The last response's Set-Cookie line for our cookie, if it had one. */
  lastSetCookie: string | undefined;
  readonly #app: Hono;
  readonly #prefix: string;

  constructor(app: Hono, cookieName: string) {
    this.#app = app;
    this.#prefix = `${cookieName}=`;
  }

  async get(path: string): Promise<Response> {
    const res = await this.#app.request(path, this.cookie ? { headers: { Cookie: this.cookie } } : undefined, BENCH_ENV);
    // Browsers apply Set-Cookie lines in order: the last one for our name wins.
    this.lastSetCookie = res.headers.getSetCookie().findLast((line) => line.startsWith(this.#prefix));
    if (this.lastSetCookie !== undefined) this.cookie = this.lastSetCookie.split(";", 1)[0];
    return res;
  }

  /** The counter a route answered; throws on anything but a 200 with `{ count }`. */
  async count(path: string): Promise<number | undefined> {
    const res = await this.get(path);
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { count?: number }).count;
  }
}

/**
 * A client of the contender's app with a session: `/inc` stored `data` (counter 1), or, for the baseline,
 * a session-sized cookie it carries anyway.
 */
export async function clientWithSession(contender: Contender, data: BenchData): Promise<Client> {
  const client = new Client(await contender.app(data), contender.cookieName);
  if (contender.carried) client.cookie = `${contender.cookieName}=${await contender.carried(data)}`;
  else check((await client.count("/inc")) === 1 && client.cookie, contender.name, "the first /inc did not start a session at 1");
  return client;
}

/** Throws with a message naming the contender when a check fails: a broken case must not be timed. */
export function check(condition: unknown, contender: string, what: string): asserts condition {
  if (!condition) throw new Error(`${contender}: ${what}`);
}
