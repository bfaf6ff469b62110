import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { configDefaults, defineConfig } from "vitest/config";
import { redisBridge } from "./test/redis-bridge.mjs";
import { filesMatching, onPath, requireProgram } from "./test/system-deps.mjs";

// The D1 table of edge-session/d1, read in Node and applied inside workerd by test/apply-migrations.ts.
const migrations = await readD1Migrations(new URL("./migrations", import.meta.url).pathname);

// The Redis tests run against a real redis-server (test/redis-global-setup.mjs). Without one, outside CI, the
// files test/redis-*.test.ts are left out and the Redis cases of other files skip (TEST_REDIS is "off").
const redisFiles = filesMatching(new URL("./test", import.meta.url), /^redis-.*\.test\.ts$/);
const redis = requireProgram({
  program: "redis-server",
  found: onPath("redis-server"),
  package: "redis-server",
  skips: `test/redis-*.test.ts (${redisFiles.length} files) and the Redis rows of the other files' per-mode tables`,
});

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: { TEST_MIGRATIONS: migrations, TEST_REDIS: redis ? "on" : "off" },
        // Tests must never reach the network: only the test Redis answers (test/redis-bridge.mjs, in Node).
        outboundService: async (request: Request) =>
          (await redisBridge(request)) ?? new Response(`unexpected outbound request: ${request.url}`, { status: 599 }),
      },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    exclude: redis ? configDefaults.exclude : [...configDefaults.exclude, "test/redis-*.test.ts"],
    setupFiles: ["./test/apply-migrations.ts"],
    // A local redis-server for the RedisStore tests (apt-get install -y redis-server).
    globalSetup: redis ? ["./test/redis-global-setup.mjs"] : [],
  },
});
