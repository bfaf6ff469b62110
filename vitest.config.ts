import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { redisBridge } from "./test/redis-bridge.mjs";

// The D1 table of edge-session/d1, read in Node and applied inside workerd by test/apply-migrations.ts.
const migrations = await readD1Migrations(new URL("./migrations", import.meta.url).pathname);

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: { TEST_MIGRATIONS: migrations },
        // Tests must never reach the network: only the test Redis answers (test/redis-bridge.mjs, in Node).
        outboundService: async (request: Request) =>
          (await redisBridge(request)) ?? new Response(`unexpected outbound request: ${request.url}`, { status: 599 }),
      },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["./test/apply-migrations.ts"],
    // A local redis-server for the RedisStore tests (apt-get install -y redis-server).
    globalSetup: ["./test/redis-global-setup.mjs"],
  },
});
