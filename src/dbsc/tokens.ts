import type { BindingFailure } from "../core/errors.js";
import { mac, randomValue, sameMac, type BindingRecord } from "./record.js";

/** A challenge the binding issued and that is still answerable, by its issue time. */
export type ChallengeCheck = { ok: true; issued: number } | { ok: false; reason: BindingFailure };

/**
 * A challenge: `nonce.issued.mac`, the MAC under the binding's key over its DBSC id (empty before
 * registration), the nonce and the issue time. No state is kept per challenge: the MAC proves this
 * binding issued it, the time bounds its life, and the record's `last` refuses one answered before.
 */
export async function issueChallenge(record: BindingRecord, now: number): Promise<string> {
  const nonce = randomValue(12);
  // Later than the last answered one, even within its millisecond: a challenge issued with an answer is answerable.
  const issued = Math.max(now, (record.last ?? 0) + 1).toString(36);
  return `${nonce}.${issued}.${await mac(record.k, `challenge|${record.id ?? ""}|${nonce}|${issued}`)}`;
}

export async function checkChallenge(record: BindingRecord, challenge: unknown, now: number, ttl: number): Promise<ChallengeCheck> {
  if (typeof challenge !== "string" || challenge.length > 200) return { ok: false, reason: "challenge" };
  const [nonce, issued, tag, extra] = challenge.split(".");
  if (nonce === undefined || issued === undefined || tag === undefined || extra !== undefined || !/^[0-9a-z]{1,12}$/.test(issued))
    return { ok: false, reason: "challenge" };
  if (!sameMac(tag, await mac(record.k, `challenge|${record.id ?? ""}|${nonce}|${issued}`))) return { ok: false, reason: "challenge" };
  const at = parseInt(issued, 36);
  if (at > now + 60_000) return { ok: false, reason: "challenge" }; // issued in the future: not by this clock
  if (now - at > ttl * 1000) return { ok: false, reason: "stale" };
  if (record.last !== undefined && at <= record.last) return { ok: false, reason: "replayed" };
  return { ok: true, issued: at };
}

/** A bound cookie's value: `expires.mac` (seconds since epoch), the MAC over the DBSC id and the expiry. */
export async function boundValue(record: BindingRecord, expires: number): Promise<string> {
  const at = expires.toString(36);
  return `${at}.${await mac(record.k, `cookie|${record.id}|${at}`)}`;
}

/** Why a request's bound cookie does not hold for this binding, or undefined when it does. */
export async function boundFailure(record: BindingRecord, value: string | undefined, now: number): Promise<BindingFailure | undefined> {
  if (value === undefined) return "missing";
  const [at, tag, extra] = value.split(".");
  if (at === undefined || tag === undefined || extra !== undefined || !/^[0-9a-z]{1,10}$/.test(at)) return "invalid";
  if (!sameMac(tag, await mac(record.k, `cookie|${record.id}|${at}`))) return "invalid";
  return parseInt(at, 36) * 1000 <= now ? "expired" : undefined;
}
