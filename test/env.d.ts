declare namespace Cloudflare {
  interface Env {
    SESSIONS: KVNamespace;
    SESSION_OBJECTS: DurableObjectNamespace<import("../src/durable-object/object.js").SessionObject>;
    IDLE_TIMEOUT: string;
  }
}
