/**
 * `edge-session/dbsc`: Device Bound Session Credentials, the server side (W3C webappsec-dbsc draft). See
 * docs/dbsc.md.
 *
 * @module
 */
export { deviceBinding, type DeviceBinding, type BindingStatus, type BindingCheckOptions } from "./binding.js";
export { bindingEndpoints, requireBinding, type RequireBindingOptions } from "./hono.js";
export type { DeviceBindingOptions, BindingAlgorithm, BindingConfig } from "./options.js";
export { BINDING_KEY } from "./record.js";
export { SessionBindingError, type BindingFailure } from "../core/errors.js";
