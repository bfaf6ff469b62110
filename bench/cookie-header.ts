/**
 * Scenario 4: finding the session cookie in a Cookie header, as the middleware does before anything else.
 * - a normal header: a few ordinary cookies around a sealed session of about 400 characters;
 * - 128 KB pathological headers: the session cookie behind (and before) runs of `=`-less segments (`;;;`,
 *   `a;a;`), which a parser that searches for each segment's "=" afresh rescans to the end of the header
 *   (quadratic: ~120 ms per request at 128 KB before the fix); and the cookie's name stuffed where it is not
 *   a name (`x__Host-session=;`), the worst case for findCookie, which examines each occurrence of the name.
 * Hono's own parser (`hono/utils/cookie`, what `getCookie` uses) is timed on the same headers as a reference.
 */
import { parse } from "hono/utils/cookie";
import { findCookie } from "../src/core/cookie.js";
import type { Case } from "./harness.js";

const NAME = "__Host-session";
/** Stands in for a sealed session: the parser only looks for its bounds. */
const VALUE = `${"eyJhbGciOiJkaXIi".repeat(4)}..${"A".repeat(16)}.${"x".repeat(300)}.${"B".repeat(22)}`;
const SIZE = 128 * 1024;

/** `junk` repeated to fill 128 KB around the session cookie: half before it, half after. */
function pathological(junk: string): string {
  const session = `${NAME}=${VALUE};`;
  const half = junk.repeat(Math.floor((SIZE - session.length) / 2 / junk.length));
  return half + session + half;
}

export const COOKIE_HEADERS: { variant: string; header: string }[] = [
  { variant: "normal header", header: `theme=dark; lang=en-GB; _ga=GA1.2.1234567890.1700000000; ${NAME}=${VALUE}; consent=1` },
  { variant: "128 KB of ';'", header: pathological(";") },
  { variant: "128 KB of 'a;'", header: pathological("a;") },
  // The worst case for a parser that searches for the name: the name everywhere, never as a cookie's name.
  { variant: `128 KB of 'x${NAME}=;'`, header: pathological(`x${NAME}=;`) },
];

const PARSERS: { contender: string; find(header: string): string | undefined }[] = [
  {
    contender: "edge-session (findCookie)",
    find(header) {
      const lookup = findCookie(header, NAME);
      return lookup.found === 1 ? lookup.value : undefined;
    },
  },
  { contender: "hono/utils/cookie parse", find: (header) => parse(header, NAME)[NAME] },
];

export function cookieHeader(): { cases: Case[] } {
  const cases = COOKIE_HEADERS.flatMap(({ variant, header }) =>
    PARSERS.map(({ contender, find }): Case => ({
      contender,
      variant,
      async prepare() {
        const op = async () => {
          if (find(header) !== VALUE) throw new Error(`${contender} did not find the session cookie in the ${variant}`);
        };
        await op();
        return op;
      },
    })),
  );
  return { cases };
}
