import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

describe("toolchain", () => {
  it("runs inside workerd with the KV binding from wrangler.toml", async () => {
    await env.SESSIONS.put("k", "v");
    expect(await env.SESSIONS.get("k")).toBe("v");
    expect(navigator.userAgent).toBe("Cloudflare-Workers");
  });
});
