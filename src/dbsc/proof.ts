import { base64url, compactVerify, decodeProtectedHeader, importJWK, type JWK } from "jose";
import type { BindingFailure } from "../core/errors.js";
import type { BindingAlgorithm } from "./options.js";

/** What a verified DBSC proof says. */
export interface Proof {
  alg: BindingAlgorithm;
  /** The public key: the one registered (refresh) or the one the proof carries (registration). */
  jwk: JWK;
  /** The challenge answered (the `jti` claim). */
  jti: unknown;
}

export type ProofResult = { ok: true; proof: Proof } | { ok: false; reason: BindingFailure };

/** What the proof must be checked against. */
export interface ProofExpectation {
  algorithms: readonly BindingAlgorithm[];
  /** Refresh: the registered key. Registration: none, the proof carries its own. */
  key?: { alg: BindingAlgorithm; jwk: JWK } | undefined;
  /** The endpoint's URL: a proof naming another audience (`aud`, sent by earlier Chromium versions) is refused. */
  audience: string;
}

const MAX_PROOF = 8192;

/** A string value of a structured header (an sf-string, parameters ignored), or a bare token for lenience. */
export function sfString(header: string | null): string | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (!text.startsWith('"')) return /^[\w.~+/=-]+$/.test(text) ? text : undefined;
  let out = "";
  for (let i = 1; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "\\") out += text[++i] ?? "";
    else if (ch === '"') return out;
    else out += ch;
  }
  return undefined;
}

/** An sf-string as a header writes it. */
export function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * Verifies a DBSC proof (typ `dbsc+jwt`, signed with ES256 or RS256) with jose: the signature by the key the
 * registration carries in its `jwk` header (or, from Chromium before the draft settled, the `key` claim), or by
 * the registered key on refresh. Claims are parsed here, not by `jwtVerify`: an early `iat` sent as a string
 * must not fail a proof the draft allows.
 */
export async function verifyProof(jwt: string | undefined, expect: ProofExpectation): Promise<ProofResult> {
  if (jwt === undefined) return { ok: false, reason: "no-proof" };
  if (jwt.length > MAX_PROOF) return { ok: false, reason: "malformed" };
  let header: ReturnType<typeof decodeProtectedHeader>;
  let claims: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(jwt);
    claims = JSON.parse(new TextDecoder().decode(base64url.decode(jwt.split(".")[1] ?? ""))) as Record<string, unknown>;
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (typeof claims !== "object" || claims === null || Array.isArray(claims)) return { ok: false, reason: "malformed" };
  const alg = header.alg as BindingAlgorithm;
  if (header.typ !== "dbsc+jwt" || !expect.algorithms.includes(alg)) return { ok: false, reason: "malformed" };
  const jwk = expect.key?.jwk ?? ((header.jwk ?? claims["key"]) as JWK | undefined);
  if (typeof jwk !== "object" || jwk === null || "d" in jwk) return { ok: false, reason: "malformed" };
  if (expect.key && expect.key.alg !== alg) return { ok: false, reason: "signature" };
  if (!audienceMatches(claims["aud"], expect.audience)) return { ok: false, reason: "malformed" };
  try {
    const key = await importJWK(jwk, alg);
    await compactVerify(jwt, key, { algorithms: [alg] });
  } catch {
    return { ok: false, reason: expect.key ? "signature" : "malformed" };
  }
  return { ok: true, proof: { alg, jwk: publicPart(jwk), jti: claims["jti"] } };
}

/** No `aud` (the current draft has none) or the endpoint's URL. */
function audienceMatches(aud: unknown, audience: string): boolean {
  if (aud === undefined) return true;
  return Array.isArray(aud) ? aud.includes(audience) : aud === audience;
}

/** The members a public key needs, nothing the client added. */
function publicPart(jwk: JWK): JWK {
  return jwk.kty === "EC" ? { kty: "EC", crv: jwk.crv!, x: jwk.x!, y: jwk.y! } : { kty: jwk.kty!, n: jwk.n!, e: jwk.e! };
}
