/** Every scenario by name; the Node runner and the bench Worker both run them from here. */
import { runBytes } from "./bytes.js";
import type { TimingOptions } from "./harness.js";
import { runReadOnly } from "./read-only.js";
import { runRoundTrip } from "./round-trip.js";
import { runSeal } from "./seal.js";

export const SCENARIOS = {
  seal: runSeal,
  "round-trip": runRoundTrip,
  "read-only": runReadOnly,
  bytes: runBytes,
} satisfies Record<string, (options: TimingOptions) => Promise<unknown>>;

export type ScenarioName = keyof typeof SCENARIOS;

/** What one runtime measured, by scenario. */
export type Results = { -readonly [K in ScenarioName]?: Awaited<ReturnType<(typeof SCENARIOS)[K]>> };
