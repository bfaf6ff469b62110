/**
 * Scenario 4: bytes on the wire. Not timed, and the same in every runtime.
 * - the Set-Cookie each contender sends after the first `/inc` (counter 1 + payload), and its cookie
 *   (name + value) beside the floor's for the same data;
 * - edge-session's overhead over the floor's base64url(iv | ciphertext | tag), split in two: the JWE
 *   framing (header with `kid`, dots, IV and tag encodings) for the same plaintext, and the total, which
 *   adds the sealed metadata (id, created, lastUsed, lifetime);
 * - the largest JSON payload each contender keeps in one cookie of at most 4096 bytes (name + value): the
 *   app answers 200, sets the cookie within the limit, and the next request reads the counter back.
 */
import { Client } from "./client.js";
import { CONTENDERS, SECRET, type Contender } from "./contenders.js";
import { seal } from "../src/crypto/seal.js";
import { newSessionId } from "../src/core/envelope.js";
import { createKeyring, sealSession } from "../src/index.js";
import { floorKey, floorSeal } from "./floor.js";
import { payload, ROUND_TRIP_PAYLOADS } from "./payloads.js";

export interface CookieSize {
  contender: string;
  payload: string;
  /** The whole Set-Cookie header value, attributes included. */
  setCookie: number;
  /** Cookie name + value, what the 4096-byte limit counts. */
  cookie: number;
  /** Value bytes above the floor's value for the same data. */
  overFloor: number;
}

export interface EdgeOverhead {
  payload: string;
  /** Same plaintext sealed by edge-session's JWE vs the floor: header, dots, IV and tag framing. */
  framing: number;
  /** Same session data: framing plus the sealed metadata. */
  total: number;
}

export interface BytesResult {
  sizes: CookieSize[];
  edgeOverhead: EdgeOverhead[];
  /** Largest JSON (bytes of `JSON.stringify(data)`) kept in one cookie, per contender. */
  maxJson: { contender: string; cookieName: string; bytes: number }[];
}

const COOKIE_LIMIT = 4096;
const encoder = new TextEncoder();
const sessions = CONTENDERS.filter((c) => c.role !== "baseline");

export async function runBytes(): Promise<BytesResult> {
  const key = await floorKey();
  const sizes: CookieSize[] = [];
  for (const p of ROUND_TRIP_PAYLOADS) {
    const stored = { blob: p.data.blob, count: 1 }; // what the first /inc leaves in the session
    const floorValue = (await floorSeal(stored, key)).length;
    for (const contender of sessions) {
      const client = new Client(await contender.app(p.data), contender.cookieName);
      await client.count("/inc");
      const line = client.lastSetCookie ?? "";
      const cookie = client.cookie ?? "";
      const valueLength = cookie.length - contender.cookieName.length - 1;
      sizes.push({
        contender: contender.name,
        payload: p.label,
        setCookie: line.length,
        cookie: cookie.length - 1,
        overFloor: valueLength - floorValue,
      });
    }
  }

  const keys = await createKeyring(SECRET, { purpose: "__Host-session" });
  const edgeOverhead: EdgeOverhead[] = [];
  for (const p of ROUND_TRIP_PAYLOADS) {
    const now = Date.now();
    const envelope = { data: p.data, meta: { id: newSessionId(), created: now, lastUsed: now, lifetime: 0 } };
    const floorValue = (await floorSeal(p.data, key)).length;
    const framed = (await seal(encoder.encode(JSON.stringify(p.data)), keys)).length;
    const total = (await sealSession(envelope, keys)).length;
    edgeOverhead.push({ payload: p.label, framing: framed - floorValue, total: total - floorValue });
  }

  const maxJson = [];
  for (const contender of sessions)
    maxJson.push({ contender: contender.name, cookieName: contender.cookieName, bytes: await largestFit(contender) });
  return { sizes, edgeOverhead, maxJson };
}

/** Binary search over the payload size for the largest JSON the contender keeps in one cookie. */
async function largestFit(contender: Contender): Promise<number> {
  let fits = 0;
  let fails = COOKIE_LIMIT;
  while (fails - fits > 1) {
    const size = (fits + fails) >> 1;
    if (await keepsInOneCookie(contender, size)) fits = size;
    else fails = size;
  }
  return fits;
}

async function keepsInOneCookie(contender: Contender, bytes: number): Promise<boolean> {
  const p = payload(`${bytes} B`, bytes);
  const app = await contender.app(p.data);
  app.onError((_, c) => c.text("refused", 500)); // a refusal (e.g. a too-large error) is an answer here, not noise
  const client = new Client(app, contender.cookieName);
  try {
    if ((await client.count("/inc")) !== 1 || !client.cookie) return false;
    // The limit counts name + value: the stored "name=value" without the "=".
    if (client.cookie.length - 1 > COOKIE_LIMIT) return false;
    return (await client.count("/inc")) === 2;
  } catch {
    return false; // answered 500: the contender refused, so it does not fit
  }
}
