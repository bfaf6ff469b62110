import type { MiddlewareHandler } from "hono";
import type { SessionData } from "../core/envelope.js";
import { SessionBindingError, SessionConfigError } from "../core/errors.js";
import { checkKeys, type KnownKeys } from "../core/known-keys.js";
import { registeredSession, type SessionVariables } from "../hono/adapter.js";
import type { DeviceBinding } from "./binding.js";

/**
 * Hono middleware answering the binding's two endpoints (POST at `registrationPath` and `refreshPath`);
 * every other request goes on. Register it after `session()`.
 *
 * @example
 * ```ts
 * app.use(session({ secret: (c) => c.env.SESSION_SECRET }), bindingEndpoints(deviceBinding()));
 * ```
 */
export function bindingEndpoints<Data extends SessionData = SessionData>(
  binding: DeviceBinding,
): MiddlewareHandler<{ Variables: SessionVariables<Data> }> {
  const { registrationPath, refreshPath } = binding.config;
  return async function bindingEndpoints(c, next) {
    if (c.req.method !== "POST" || (c.req.path !== registrationPath && c.req.path !== refreshPath)) return next();
    const session = registeredSession(c, "bindingEndpoints");
    return c.req.path === registrationPath ? binding.register(c.req.raw, session) : binding.refresh(c.req.raw, session);
  };
}

/**
 * Options of {@link requireBinding}.
 *
 * @example
 * ```ts
 * app.use("/transfer/*", requireBinding(binding, { require: true, onRefused: "throw" }));
 * ```
 */
export interface RequireBindingOptions {
  /** Refuse sessions that are not bound at all (browsers without DBSC included). Default false. */
  require?: boolean | undefined;
  /** `"json"` (default): 401 `{ "code": "BINDING", "reason" }`, never cached; `"throw"`: a {@link SessionBindingError}. */
  onRefused?: "json" | "throw" | undefined;
}

const REQUIRE_OPTIONS: KnownKeys<RequireBindingOptions> = { require: true, onRefused: true };

/**
 * Hono middleware refusing a request of a bound session without its live bound cookie (a stolen session
 * cookie used without the device's key), and, with `require: true`, a session that is not bound.
 *
 * @example
 * ```ts
 * app.use("/account/*", requireBinding(binding));
 * ```
 */
export function requireBinding<Data extends SessionData = SessionData>(
  binding: DeviceBinding,
  options: RequireBindingOptions = {},
): MiddlewareHandler<{ Variables: SessionVariables<Data> }> {
  if (typeof options !== "object" || options === null)
    throw new SessionConfigError("requireBinding() takes an optional object { require?, onRefused? }");
  checkKeys(options, REQUIRE_OPTIONS, "requireBinding() options");
  if (options.onRefused !== undefined && options.onRefused !== "json" && options.onRefused !== "throw")
    throw new SessionConfigError(`requireBinding({ onRefused }) must be "json" or "throw"`);
  const check = { require: options.require === true };
  return async function requireBinding(c, next) {
    const session = registeredSession(c, "requireBinding");
    const refused = await binding.check(c.req.raw, session, check);
    if (refused === undefined) return next();
    if (options.onRefused === "throw") throw new SessionBindingError(refused);
    return c.json({ code: "BINDING", reason: refused }, 401, { "Cache-Control": "no-store" });
  };
}
