import type { SessionObject } from "./object.js";
import { inTime } from "../stores/guarded-store.js";
import type { SessionObjectNamespace } from "./protocol.js";

/** The object's methods as a caller sees them (plain data in, a promise of plain data out). */
export type ObjectApi = {
  [
    K in
      | "read"
      | "write"
      | "release"
      | "revoke"
      | "handOver"
      | "check"
      | "link"
      | "info"
      | "addSession"
      | "confirmSession"
      | "sessions"
      | "revokeAll"
      | "checkSession"
      | "removeSessions"
  ]: SessionObject[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

/**
 * A typed stub for the object named `name` (`s:<key>` or `u:<userId>`). With `timeoutMs`, each call that
 * gets no answer in time rejects with `StoreTimeout` (an object that hangs must not hang its caller).
 */
export function objectNamed(namespace: SessionObjectNamespace, name: string, timeoutMs = 0): ObjectApi {
  // The binding is typed structurally (see SessionObjectNamespace); its stubs answer as SessionObject does.
  const stub = namespace.getByName(name) as ObjectApi;
  if (!timeoutMs) return stub;
  return new Proxy(stub, {
    get:
      (target, method: keyof ObjectApi) =>
      (...args: unknown[]) =>
        inTime((target[method] as (...a: unknown[]) => Promise<unknown>)(...args), timeoutMs),
  });
}
