import { deviceBinding } from "../../../src/dbsc/index.js";

/**
 * Device Bound Session Credentials: the login response offers binding; a browser that supports DBSC (Chrome on
 * Windows today) registers a key it keeps on the device and then holds a 5-minute bound cookie it renews by
 * proving it still has the key. Account pages refuse a bound session that comes without it (a stolen session
 * cookie); browsers without DBSC are not bound and work as before.
 */
export const binding = deviceBinding();
