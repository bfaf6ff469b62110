import type { BindingFailure } from "../core/errors.js";
import { sessionHooks, type Session } from "../core/session.js";
import { bindingConfig, type BindingAlgorithm, type BindingConfig, type DeviceBindingOptions } from "./options.js";
import { quoted, sfString, verifyProof } from "./proof.js";
import { randomValue, recordOf, saveRecord, type BindingRecord } from "./record.js";
import { boundFailure, boundValue, checkChallenge, issueChallenge } from "./tokens.js";

/** What {@link DeviceBinding.status} tells of a session, e.g. for a device list. */
export interface BindingStatus {
  /** The browser registered a key: the session needs its bound cookie. */
  bound: boolean;
  /** Registration was offered and not done yet. */
  offered: boolean;
  alg?: BindingAlgorithm | undefined;
  /** When the browser registered, ms since epoch. */
  since?: number | undefined;
}

/** Options of {@link DeviceBinding.check}. */
export interface BindingCheckOptions {
  /** Refuse a session that is not bound (`"unbound"`), e.g. on a transfer route. Default false: unbound passes. */
  require?: boolean | undefined;
}

/**
 * DBSC's server side, framework-free: the registration offer, the two endpoints, and the per-request check.
 * Build it once with {@link deviceBinding}; every method takes the request's `Session` (the middleware's
 * `c.var.session`, or a `sessionEngine` request's).
 */
export interface DeviceBinding {
  readonly config: Readonly<BindingConfig>;
  /**
   * The `Secure-Session-Registration` header value offering binding (algorithms, registration path, a
   * challenge), to send with the login response; undefined when the session is already bound.
   */
  offer(session: Session<any>): Promise<string | undefined>;
  /** The registration endpoint's answer: verifies the proof, stores the key, answers the session instructions. */
  register(request: Request, session: Session<any>): Promise<Response>;
  /** The refresh endpoint's answer: a challenge (403), a fresh bound cookie against a valid proof, or a refusal. */
  refresh(request: Request, session: Session<any>): Promise<Response>;
  /** Why this request must be refused, or undefined: a bound session needs its live bound cookie. */
  check(request: Request, session: Session<any>, options?: BindingCheckOptions): Promise<BindingFailure | undefined>;
  status(session: Session<any>): Promise<BindingStatus>;
}

const REFUSED_STATUS = 401;

/**
 * DBSC (Device Bound Session Credentials, W3C draft) for edge-session: a session can be bound to a key the
 * browser keeps on the device; a short-lived bound cookie is then issued only against a proof of possession.
 * Clients that never register keep working (unless a route requires binding).
 *
 * @example
 * ```ts
 * const binding = deviceBinding({ cookieLifetime: 300 });
 * app.use(session({ secret: (c) => c.env.SESSION_SECRET }), bindingEndpoints(binding));
 * app.post("/login", async (c) => {
 *   const s = await c.var.session.load();
 *   s.regenerate();
 *   s.set("user", "ada");
 *   const offer = await binding.offer(s);
 *   if (offer) c.header("Secure-Session-Registration", offer);
 *   return c.redirect("/account");
 * });
 * app.use("/account/*", requireBinding(binding));
 * ```
 */
export function deviceBinding(options?: DeviceBindingOptions): DeviceBinding {
  const config = bindingConfig(options);
  const attributes = "Path=/; Secure; HttpOnly; SameSite=Lax";
  const clearCookie = `${config.cookieName}=; Max-Age=0; ${attributes}`;

  const refused = (session: Session<any>, reason: BindingFailure, headers: HeadersInit = {}): Response => {
    sessionHooks(session).emit({ type: "bound-refused", id: session.isNew ? undefined : session.id, reason });
    const h = new Headers(headers);
    h.set("Cache-Control", "no-store");
    if (reason === "no-session" || reason === "other-session" || reason === "signature") h.append("Set-Cookie", clearCookie);
    return Response.json({ code: "BINDING", reason }, { status: h.has("Secure-Session-Challenge") ? 403 : REFUSED_STATUS, headers: h });
  };

  /** 403 with a fresh challenge: the browser signs it and retries (the draft's refresh round trip). */
  const challenge = async (record: BindingRecord, now: number) => ({
    "Secure-Session-Challenge": `${quoted(await issueChallenge(record, now))};id=${quoted(record.id!)}`,
  });

  /** 200: the session instructions, the bound cookie, and the next refresh's challenge. */
  const issued = async (record: BindingRecord, now: number): Promise<Response> => {
    const expires = Math.floor(now / 1000) + config.cookieLifetime;
    const headers = new Headers({ "Cache-Control": "no-store", ...(await challenge(record, now)) });
    headers.append(
      "Set-Cookie",
      `${config.cookieName}=${await boundValue(record, expires)}; Max-Age=${config.cookieLifetime}; ${attributes}`,
    );
    const instructions = {
      session_identifier: record.id,
      refresh_url: config.refreshPath,
      continue: true,
      scope: { include_site: false, scope_specification: [] },
      credentials: [{ type: "cookie", name: config.cookieName, attributes }],
    };
    return Response.json(instructions, { headers });
  };

  const opened = async (session: Session<any>): Promise<BindingRecord | undefined> => {
    await session.load();
    return session.isNew ? undefined : recordOf(session);
  };

  return {
    config,
    async offer(session) {
      await session.load();
      const { now } = sessionHooks(session);
      let record = await recordOf(session);
      if (record?.jwk) return undefined;
      if (!record) saveRecord(session, (record = { k: randomValue(32) }));
      return `(${config.algorithms.join(" ")});path=${quoted(config.registrationPath)};challenge=${quoted(await issueChallenge(record, now))}`;
    },

    async register(request, session) {
      const pending = await opened(session);
      if (session.isNew) return refused(session, "no-session");
      if (!pending) return refused(session, "not-offered");
      if (pending.jwk) return refused(session, "already-bound");
      const { now, emit } = sessionHooks(session);
      const verified = await verifyProof(sfString(request.headers.get("Secure-Session-Response")), {
        algorithms: config.algorithms,
        audience: endpointOf(request),
      });
      if (!verified.ok) return refused(session, verified.reason);
      const answered = await checkChallenge(pending, verified.proof.jti, now, config.challengeTtl);
      if (!answered.ok) return refused(session, answered.reason);
      // A new key for the bound session's MACs: nothing issued while it was only offered verifies any more.
      const { alg, jwk } = verified.proof;
      const record: BindingRecord = { k: randomValue(32), id: randomValue(16), alg, jwk, since: now };
      saveRecord(session, record);
      emit({ type: "bound", id: session.id, alg });
      return issued(record, now);
    },

    async refresh(request, session) {
      const record = await opened(session);
      if (session.isNew) return refused(session, "no-session");
      if (!record?.jwk || !record.alg) return refused(session, "unbound");
      if (sfString(request.headers.get("Sec-Secure-Session-Id")) !== record.id) return refused(session, "other-session");
      const { now, emit } = sessionHooks(session);
      const jwt = sfString(request.headers.get("Secure-Session-Response"));
      if (jwt === undefined)
        return Response.json(
          { code: "BINDING", reason: "no-proof" },
          { status: 403, headers: { "Cache-Control": "no-store", ...(await challenge(record, now)) } },
        );
      const verified = await verifyProof(jwt, {
        algorithms: config.algorithms,
        key: { alg: record.alg, jwk: record.jwk },
        audience: endpointOf(request),
      });
      if (!verified.ok) return refused(session, verified.reason);
      const answered = await checkChallenge(record, verified.proof.jti, now, config.challengeTtl);
      if (!answered.ok) {
        const retry = await challenge(record, now);
        // A stale challenge is routine (the browser cached it a cookie's life ago): the next try signs a fresh one.
        if (answered.reason === "stale") return retryWith("stale", retry);
        return refused(session, answered.reason, retry);
      }
      const next = { ...record, last: answered.issued };
      saveRecord(session, next);
      emit({ type: "bound-refreshed", id: session.id });
      return issued(next, now);
    },

    async check(request, session, options) {
      const record = await opened(session);
      if (!record?.jwk) return options?.require ? report(session, session.isNew ? "no-session" : "unbound") : undefined;
      const failure = await boundFailure(record, cookieOf(request.headers.get("Cookie"), config.cookieName), sessionHooks(session).now);
      return failure && report(session, failure);
    },

    async status(session) {
      const record = await opened(session);
      return {
        bound: !!record?.jwk,
        offered: !!record && !record.jwk,
        ...(record?.alg ? { alg: record.alg, since: record.since } : {}),
      };
    },
  };
}

/** 403 with a fresh challenge, no event: the draft's ordinary round trip (no proof yet, or one over an aged challenge). */
function retryWith(reason: BindingFailure, challenge: Record<string, string>): Response {
  return Response.json({ code: "BINDING", reason }, { status: 403, headers: { "Cache-Control": "no-store", ...challenge } });
}

function report(session: Session<any>, reason: BindingFailure): BindingFailure {
  sessionHooks(session).emit({ type: "bound-refused", id: session.isNew ? undefined : session.id, reason });
  return reason;
}

/** The URL a proof's `aud` must name: the endpoint's origin and path. */
function endpointOf(request: Request): string {
  const url = new URL(request.url);
  return url.origin + url.pathname;
}

/** The value of the cookie `name` in a Cookie header; undefined when absent or sent twice (ambiguous). */
function cookieOf(header: string | null, name: string): string | undefined {
  let found: string | undefined;
  for (const pair of (header ?? "").split(";")) {
    const at = pair.indexOf("=");
    if (at < 0 || pair.slice(0, at).trim() !== name) continue;
    if (found !== undefined) return undefined;
    found = pair.slice(at + 1).trim();
  }
  return found;
}
