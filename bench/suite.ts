/**
 * Every timed scenario by name, and the one scenario prepared in this runtime. bench/run.mjs calls these
 * directly in Node, and through the bench Worker (bench/worker.ts) inside workerd, which also hands over its
 * KV binding (scenarios that need a store use a `MemoryStore` without it).
 */
import { chunkedRoundTrip } from "./chunks.js";
import { cookieHeader } from "./cookie-header.js";
import { csrfRoundTrip } from "./csrf.js";
import { prepareCases, type Case, type Label, type Timing } from "./harness.js";
import { readOnly } from "./read-only.js";
import { roundTrip } from "./round-trip.js";
import { sealUnseal } from "./seal.js";

/** A scenario's cases, and facts its checks gathered while preparing them. */
interface Scenario<Notes> {
  cases: Case[];
  notes?: () => Notes;
}

export const SCENARIOS = {
  seal: sealUnseal,
  "round-trip": roundTrip,
  "read-only": readOnly,
  "cookie-header": cookieHeader,
  chunks: chunkedRoundTrip,
  csrf: csrfRoundTrip,
} satisfies Record<string, (kv?: KVNamespace) => Scenario<unknown>>;

export type ScenarioName = keyof typeof SCENARIOS;

type NotesOf<K extends ScenarioName> = ReturnType<(typeof SCENARIOS)[K]> extends Scenario<infer N> ? N : never;

export interface Prepared<Notes = unknown> {
  labels: Label[];
  notes: Notes | undefined;
}

/** What one runtime measured, by scenario. */
export type Results = { [K in ScenarioName]?: { timings: Timing[]; notes: NotesOf<K> | undefined } };

let batch: ((index: number, iterations: number) => Promise<number>) | undefined;

/** Prepares (and checks) every case of a scenario here; `runBatch` then times them. `kv`: the runtime's KV binding, if any. */
export async function prepareScenario(name: ScenarioName, kv?: KVNamespace): Promise<Prepared> {
  const make: (kv?: KVNamespace) => Scenario<unknown> = SCENARIOS[name];
  const scenario = make(kv);
  batch = await prepareCases(scenario.cases);
  return { labels: scenario.cases.map(({ contender, variant }) => ({ contender, variant })), notes: scenario.notes?.() };
}

/** Runs case `index` of the prepared scenario `iterations` times; returns the wall time in ms. */
export function runBatch(index: number, iterations: number): Promise<number> {
  if (!batch) throw new Error("no scenario prepared");
  return batch(index, iterations);
}
