import { defineConfig } from "vitest/config";

/** `npm run test:e2e`: the demo in a real browser. Node, not workerd: the suite drives wrangler dev and Chromium. */
export default defineConfig({
  test: {
    include: ["examples/bank/e2e/**/*.e2e.ts"],
    environment: "node",
    // One wrangler dev and one Chromium at a time: the machine has 2 cores.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
