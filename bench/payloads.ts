/** Session data used by every scenario: a counter and a filler string. */
export interface BenchData {
  [key: string]: unknown;
  count: number;
  blob: string;
}

export interface Payload {
  /** "100 B", "1 KB", "3 KB". */
  label: string;
  /** Length of `JSON.stringify(data)` with count 0. */
  bytes: number;
  data: BenchData;
}

/** Session data whose JSON is `bytes` long (with `count: 0`); the filler is text, not compressible zeros. */
export function payload(label: string, bytes: number): Payload {
  const empty = JSON.stringify({ count: 0, blob: "" }).length;
  return { label, bytes, data: { count: 0, blob: filler(bytes - empty) } };
}

/** The sizes of scenario 1 (seal/unseal). */
export const SEAL_PAYLOADS = [payload("100 B", 100), payload("1 KB", 1024), payload("3 KB", 3072)];

/**
 * The sizes of the round trips. 3 KB is measured in seal/unseal only: with any contender's framing it no
 * longer fits in one 4096-byte cookie, so a round trip would measure an error path, not a session.
 */
export const ROUND_TRIP_PAYLOADS = SEAL_PAYLOADS.slice(0, 2);

function filler(length: number): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789";
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[(i * 7919) % alphabet.length];
  return out;
}
