/**
 * Timing harness shared by every scenario and both runtimes.
 *
 * A scenario is a list of cases. A runtime prepares them once (keys, primed cookies, checks) and then runs
 * batches on demand: in this Node process, or inside workerd, where bench/run.mjs asks for each batch
 * through Miniflare. Either way the loop below decides what runs when:
 * - calibration: each case warms up (JIT, caches) and gets a batch size of about `batchMs`;
 * - `rounds` rounds: every round runs every case once, in an order rotated by one each round and reversed
 *   every other round, so that drift and noise from other processes spread over all contenders;
 * - per case: the median over rounds of the time per operation, and the min-max spread.
 * Two clocks: wall time taken next to the loop (in workerd `performance.now()` steps in ms, hence the long
 * batches), and, where the runner can read it, CPU time of the whole runtime process, which other processes
 * on a busy machine disturb far less.
 */

/** One thing to time, e.g. edge-session's round trip with a 1 KB payload. */
export interface Case {
  /** Row: who does the work ("edge-session", "floor (raw AES-GCM)", "@hono/session"...). */
  contender: string;
  /** Column: which variant ("100 B", "seal 1 KB"...). */
  variant: string;
  /** Builds the operation (keys, primed cookies) and checks that it does the work it claims. */
  prepare(): Promise<Operation>;
}

/** One timed operation; it must throw when it did not do its work (wrong counter, missing cookie). */
export type Operation = () => Promise<unknown>;

export type Label = Pick<Case, "contender" | "variant">;

/** What one batch took, in ms. */
export interface BatchTime {
  wall: number;
  /** CPU time of the runtime's process, when the runner can measure it. */
  cpu?: number | undefined;
}

/** Runs batches of prepared cases in one runtime. */
export interface Runner {
  batch(index: number, iterations: number): Promise<BatchTime>;
}

export interface Stats {
  /** Microseconds per operation. */
  median: number;
  min: number;
  max: number;
}

export interface Timing extends Label {
  wall: Stats;
  cpu: Stats | undefined;
  /** Operations per batch (one batch per round). */
  iterations: number;
}

export interface TimingOptions {
  rounds: number;
  /** Target duration of one batch. */
  batchMs: number;
}

/** Prepares cases in this runtime: each call of the returned runner's `batch` runs one of them. */
export async function prepareCases(cases: readonly Case[]): Promise<(index: number, iterations: number) => Promise<number>> {
  const operations: Operation[] = [];
  for (const c of cases) operations.push(await c.prepare());
  return async (index, iterations) => {
    const op = operations[index]!;
    const start = performance.now();
    for (let k = 0; k < iterations; k++) await op();
    return performance.now() - start;
  };
}

export async function timeCases(labels: readonly Label[], runner: Runner, options: TimingOptions): Promise<Timing[]> {
  const iterations: number[] = [];
  for (let i = 0; i < labels.length; i++) iterations.push(await calibrate(runner, i, options.batchMs));

  const wall: number[][] = labels.map(() => []);
  const cpu: number[][] = labels.map(() => []);
  for (let round = 0; round < options.rounds; round++) {
    for (const i of roundOrder(labels.length, round)) {
      const n = iterations[i]!;
      const time = await runner.batch(i, n);
      wall[i]!.push((time.wall * 1000) / n);
      if (time.cpu !== undefined) cpu[i]!.push((time.cpu * 1000) / n);
    }
  }
  return labels.map(({ contender, variant }, i) => ({
    contender,
    variant,
    wall: stats(wall[i]!),
    cpu: cpu[i]!.length ? stats(cpu[i]!) : undefined,
    iterations: iterations[i]!,
  }));
}

/** Warms a case up and returns how many operations fill one batch (at least 10). */
async function calibrate(runner: Runner, index: number, batchMs: number): Promise<number> {
  // Grow the batch until it is long enough for a ms-resolution clock to size it within a few percent.
  let n = 10;
  let wall = (await runner.batch(index, n)).wall;
  while (wall < batchMs / 4) {
    n *= wall > 1 ? Math.min(10, Math.ceil(batchMs / 4 / wall)) : 10;
    wall = (await runner.batch(index, n)).wall;
  }
  return Math.max(10, Math.round((n * batchMs) / wall));
}

/** Case indices for one round: rotated by the round number, reversed on odd rounds. */
function roundOrder(count: number, round: number): number[] {
  const order = Array.from({ length: count }, (_, i) => (i + round) % count);
  return round % 2 ? order.reverse() : order;
}

function stats(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}
