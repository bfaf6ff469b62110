import { SessionConfigError } from "../core/errors.js";
import { checkKeys, type KnownKeys } from "../core/known-keys.js";

/** Signature algorithms a browser may bind a session with (the draft's ES256 and RS256; never `none`). */
export type BindingAlgorithm = "ES256" | "RS256";

/**
 * Options of {@link deviceBinding}: where its endpoints live, the bound cookie, and how long a challenge lasts.
 *
 * @example
 * ```ts
 * const options: DeviceBindingOptions = { refreshPath: "/dbsc/refresh", cookieLifetime: 300 };
 * const binding = deviceBinding(options);
 * ```
 */
export interface DeviceBindingOptions {
  /** Path of the registration endpoint the browser posts its first proof to. Default `"/dbsc/register"`. */
  registrationPath?: string | undefined;
  /** Path of the refresh endpoint. Default `"/dbsc/refresh"`. */
  refreshPath?: string | undefined;
  /** Name of the short-lived bound cookie. Default `"__Host-bound"` (Secure, Path=/, no Domain). */
  cookieName?: string | undefined;
  /** Seconds a bound cookie lives before the browser must prove possession of the key again. Default 300, 30 to 3600. */
  cookieLifetime?: number | undefined;
  /** Seconds a challenge may be answered. Default 120, 10 to 600. */
  challengeTtl?: number | undefined;
  /** Algorithms offered, in order of preference. Default `["ES256", "RS256"]`. */
  algorithms?: readonly BindingAlgorithm[] | undefined;
}

/** The validated options. */
export interface BindingConfig {
  registrationPath: string;
  refreshPath: string;
  cookieName: string;
  cookieLifetime: number;
  challengeTtl: number;
  algorithms: readonly BindingAlgorithm[];
}

const KNOWN: KnownKeys<DeviceBindingOptions> = {
  registrationPath: true,
  refreshPath: true,
  cookieName: true,
  cookieLifetime: true,
  challengeTtl: true,
  algorithms: true,
};
const TOKEN = /^[!#$%&'*+.^`|~\w-]+$/;
const PATH = /^\/[\w\-./~%]*$/;

function seconds(value: unknown, fallback: number, min: number, max: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw new SessionConfigError(`deviceBinding({ ${name} }) must be a whole number of seconds from ${min} to ${max}`);
  return value;
}

function path(value: unknown, fallback: string, name: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !PATH.test(value))
    throw new SessionConfigError(`deviceBinding({ ${name} }) must be a path such as "/dbsc/x"`);
  return value;
}

/** Checks the options (unknown keys, ranges) once, at start-up. */
export function bindingConfig(options: DeviceBindingOptions = {}): BindingConfig {
  if (typeof options !== "object" || options === null) throw new SessionConfigError("deviceBinding() takes an optional options object");
  checkKeys(options, KNOWN, "deviceBinding() options");
  const cookieName = options.cookieName ?? "__Host-bound";
  if (typeof cookieName !== "string" || !TOKEN.test(cookieName))
    throw new SessionConfigError("deviceBinding({ cookieName }) must be a cookie name");
  const algorithms = options.algorithms ?? ["ES256", "RS256"];
  if (!Array.isArray(algorithms) || algorithms.length === 0 || algorithms.some((a) => a !== "ES256" && a !== "RS256"))
    throw new SessionConfigError(`deviceBinding({ algorithms }) must list "ES256" and/or "RS256"`);
  const config: BindingConfig = {
    registrationPath: path(options.registrationPath, "/dbsc/register", "registrationPath"),
    refreshPath: path(options.refreshPath, "/dbsc/refresh", "refreshPath"),
    cookieName,
    cookieLifetime: seconds(options.cookieLifetime, 300, 30, 3600, "cookieLifetime"),
    challengeTtl: seconds(options.challengeTtl, 120, 10, 600, "challengeTtl"),
    algorithms: [...new Set(algorithms)],
  };
  if (config.registrationPath === config.refreshPath)
    throw new SessionConfigError("deviceBinding(): registrationPath and refreshPath must differ");
  return config;
}
