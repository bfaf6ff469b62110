import type { SessionObject } from "./object.js";
import type { SessionObjectNamespace } from "./protocol.js";

/** The object's methods as a caller sees them (plain data in, a promise of plain data out). */
export type ObjectApi = {
  [
    K in
      | "read"
      | "write"
      | "release"
      | "revoke"
      | "check"
      | "touch"
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

/** A typed stub for the object named `name` (`s:<key>` or `u:<userId>`). */
export function objectNamed(namespace: SessionObjectNamespace, name: string): ObjectApi {
  // The binding is typed structurally (see SessionObjectNamespace); its stubs answer as SessionObject does.
  return namespace.getByName(name) as ObjectApi;
}
