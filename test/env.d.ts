declare namespace Cloudflare {
  interface Env {
    SESSIONS: KVNamespace;
    IDLE_TIMEOUT: string;
  }
}
