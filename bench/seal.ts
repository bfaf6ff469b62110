/**
 * Scenario 1: seal and unseal alone (no HTTP), JSON data in and out, about 100 B, 1 KB and 3 KB.
 * - floor: raw AES-256-GCM, cached CryptoKey, base64url;
 * - jose: compact JWE (`dir`, A256GCM) with the same cached key and algorithm allow-lists on decrypt;
 * - edge-session: `sealSession`/`unsealSession` (the envelope with its metadata, `kid`, header allow-list);
 * - iron-webcrypto: `seal`/`unseal` with a password (what iron-session and hono-sessions build on).
 */
import * as Iron from "iron-webcrypto";
import { CompactEncrypt, compactDecrypt } from "jose";
import { newSessionId } from "../src/core/envelope.js";
import { createKeyring, sealSession, unsealSession } from "../src/index.js";
import { SECRET } from "./contenders.js";
import { floorKey, floorSeal, floorUnseal } from "./floor.js";
import type { Case } from "./harness.js";
import { SEAL_PAYLOADS, type BenchData } from "./payloads.js";

/** One contender's pair of operations over JSON data. */
interface Sealer {
  name: string;
  make(): Promise<{ seal(data: BenchData): Promise<string>; unseal(token: string): Promise<unknown> }>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The seal/unseal floor's row name. */
export const SEAL_FLOOR = "floor (raw AES-GCM)";

const SEALERS: Sealer[] = [
  {
    name: SEAL_FLOOR,
    async make() {
      const key = await floorKey();
      return { seal: (data) => floorSeal(data, key), unseal: (token) => floorUnseal(token, key) };
    },
  },
  {
    name: "jose (compact JWE)",
    async make() {
      const key = await floorKey();
      const options = { keyManagementAlgorithms: ["dir"], contentEncryptionAlgorithms: ["A256GCM"] };
      return {
        seal: (data) =>
          new CompactEncrypt(encoder.encode(JSON.stringify(data))).setProtectedHeader({ alg: "dir", enc: "A256GCM" }).encrypt(key),
        unseal: async (token) => JSON.parse(decoder.decode((await compactDecrypt(token, key, options)).plaintext)),
      };
    },
  },
  {
    name: "edge-session",
    async make() {
      const keys = await createKeyring(SECRET, { purpose: "__Host-session" });
      const now = Date.now();
      const meta = { id: newSessionId(), created: now, lastUsed: now, lifetime: 0 };
      // 3 KB of JSON seals to more than a cookie holds: allow longer tokens, as a store-backed mode would.
      const limits = { maxLength: 8192 };
      return {
        seal: (data) => sealSession({ data, meta }, keys),
        unseal: async (token) => {
          const opened = await unsealSession<BenchData>(token, keys, limits);
          return opened.ok ? opened.data : undefined;
        },
      };
    },
  },
  {
    name: "iron-webcrypto",
    async make() {
      return {
        seal: (data) => Iron.seal(data, SECRET, Iron.defaults),
        unseal: (token) => Iron.unseal(token, SECRET, Iron.defaults),
      };
    },
  },
];

type Made = Awaited<ReturnType<Sealer["make"]>>;

export function sealUnseal(): { cases: Case[] } {
  const cases = SEAL_PAYLOADS.flatMap(({ label, data }) =>
    SEALERS.flatMap((sealer): Case[] => {
      // Both operations of a contender share one instance and one token, checked to open to the same data.
      let ready: Promise<{ made: Made; token: string }> | undefined;
      const prepared = () =>
        (ready ??= (async () => {
          const made = await sealer.make();
          const token = await made.seal(data);
          const opened = (await made.unseal(token)) as BenchData | undefined;
          if (opened?.blob !== data.blob) throw new Error(`${sealer.name}: unseal(seal(data)) is not data`);
          return { made, token };
        })());
      const seal: Case = {
        contender: sealer.name,
        variant: `seal ${label}`,
        prepare: async () => {
          const { made } = await prepared();
          return () => made.seal(data);
        },
      };
      const unseal: Case = {
        contender: sealer.name,
        variant: `unseal ${label}`,
        prepare: async () => {
          const { made, token } = await prepared();
          return () => made.unseal(token);
        },
      };
      return [seal, unseal];
    }),
  );
  return { cases };
}
