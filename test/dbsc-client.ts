/**
 * A DBSC protocol client for the tests: what a browser does (W3C webappsec-dbsc draft of 2026-02-17) with
 * Web Crypto key pairs (ES256: ECDSA P-256, RS256: RSASSA-PKCS1-v1_5 2048) and proofs signed by jose.
 */
import { exportJWK, SignJWT } from "jose";
import type { Hono } from "hono";
import { cookieJar } from "./helpers.js";

export type Alg = "ES256" | "RS256";

export function generateKeys(alg: Alg): Promise<CryptoKeyPair> {
  const params =
    alg === "ES256"
      ? { name: "ECDSA", namedCurve: "P-256" }
      : { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };
  return crypto.subtle.generateKey(params, true, ["sign", "verify"]) as Promise<CryptoKeyPair>;
}

/** A DBSC proof (`dbsc+jwt`), with the public key in its header on registration; `tamper` bends one part. */
export async function signProof(
  alg: Alg,
  keys: CryptoKeyPair,
  jti: string,
  options: { register?: boolean; aud?: string; typ?: string } = {},
): Promise<string> {
  const header = { alg, typ: options.typ ?? "dbsc+jwt", ...(options.register ? { jwk: await exportJWK(keys.publicKey) } : {}) };
  return new SignJWT({ jti, ...(options.aud ? { aud: options.aud } : {}) }).setProtectedHeader(header).sign(keys.privateKey);
}

export const ORIGIN = "https://bank.test";

/** Instructions the registration endpoint answered. */
export interface Instructions {
  session_identifier: string;
  refresh_url: string;
  continue: boolean;
  scope: { include_site: boolean };
  credentials: { type: string; name: string; attributes: string }[];
}

/** One browser: a cookie jar, a key pair, the DBSC session it registered, the challenge it cached. */
export class DbscClient {
  readonly jar = cookieJar();
  instructions: Instructions | undefined;
  challenge: string | undefined;
  offer: { algorithms: string[]; path: string; challenge: string } | undefined;

  constructor(
    readonly app: Hono<any>,
    readonly alg: Alg,
    readonly keys: CryptoKeyPair,
    readonly exec: () => { ctx: ExecutionContext; settled: () => Promise<unknown> },
  ) {}

  async send(path: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<Response> {
    const exec = this.exec();
    const res = await this.app.request(
      `${ORIGIN}${path}`,
      { method: init.method ?? "GET", headers: { ...this.jar.header(), ...init.headers } },
      {},
      exec.ctx,
    );
    this.jar.take(res);
    await exec.settled();
    const challenge = /^"([^"]+)";id="([^"]+)"$/.exec(res.headers.get("Secure-Session-Challenge") ?? "");
    if (challenge && challenge[2] === this.instructions?.session_identifier) this.challenge = challenge[1];
    return res;
  }

  /** Signs in; keeps the registration offer the response carried. */
  async login(): Promise<Response> {
    const res = await this.send("/login", { method: "POST" });
    const offer = /^\(([^)]*)\);path="([^"]+)";challenge="([^"]+)"$/.exec(res.headers.get("Secure-Session-Registration") ?? "");
    this.offer = offer ? { algorithms: offer[1]!.split(" "), path: offer[2]!, challenge: offer[3]! } : undefined;
    return res;
  }

  /** The registration request a browser sends after an offer. */
  async register(proof?: string): Promise<Response> {
    const offer = this.offer!;
    const jwt = proof ?? (await signProof(this.alg, this.keys, offer.challenge, { register: true }));
    const res = await this.send(offer.path, { method: "POST", headers: { "Secure-Session-Response": `"${jwt}"` } });
    if (res.status === 200) {
      this.instructions = (await res.clone().json()) as Instructions;
      this.challenge = /^"([^"]+)"/.exec(res.headers.get("Secure-Session-Challenge") ?? "")?.[1];
    }
    return res;
  }

  /** A refresh as the draft runs it: the cached challenge signed, or a 403 answered with the new one (once). */
  async refresh(keys = this.keys): Promise<Response> {
    const id = this.instructions!.session_identifier;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { "Sec-Secure-Session-Id": `"${id}"` };
      if (this.challenge) headers["Secure-Session-Response"] = `"${await signProof(this.alg, keys, this.challenge)}"`;
      const res = await this.send(this.instructions!.refresh_url, { method: "POST", headers });
      if (res.status !== 403 || attempt === 1) return res;
    }
  }
}
