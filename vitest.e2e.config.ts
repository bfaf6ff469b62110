import { defineConfig } from "vitest/config";
import { isExecutable, requireProgram } from "./test/system-deps.mjs";

// The suite drives Debian's Chromium (playwright-core never downloads a browser): without it, outside CI, the
// suite is skipped with one line (test/system-deps.mjs).
const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const chromium = requireProgram({
  program: `Chromium (${chromiumPath}; another path via CHROMIUM_PATH)`,
  found: isExecutable(chromiumPath),
  package: "chromium",
  skips: "the browser suite examples/bank/e2e/*.e2e.ts",
});

/** `npm run test:e2e`: the demo in a real browser. Node, not workerd: the suite drives wrangler dev and Chromium. */
export default defineConfig({
  test: {
    include: chromium ? ["examples/bank/e2e/**/*.e2e.ts"] : [],
    passWithNoTests: !chromium,
    environment: "node",
    // One wrangler dev and one Chromium at a time: the machine has 2 cores.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
