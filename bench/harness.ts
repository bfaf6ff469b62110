/**
 * Timing harness shared by every scenario, in Node and in workerd (runtime-agnostic: only
 * `performance.now()`, which workerd advances in ms steps locally, hence batches of ~100 ms).
 *
 * Method: each case is prepared once (keys, a primed cookie) and checked, calibrated to a batch of about
 * `batchMs`, then timed for `rounds` rounds. Every round runs every case of the scenario once, in an
 * order rotated by one each round and reversed every other round, so that drift and noise from other
 * processes spread over all contenders instead of landing on one. Reported: the median per-operation time
 * over rounds and the min-max spread.
 */

/** One thing to time, e.g. edge-session's round trip with a 1 KB payload. */
export interface Case {
  /** Row: who does the work ("edge-session", "floor", "@hono/session"...). */
  contender: string;
  /** Column: which variant ("100 B", "seal 1 KB"...). */
  variant: string;
  /** Builds the operation (keys, primed cookies) and checks that it does the work it claims. */
  prepare(): Promise<Operation>;
}

/** One timed operation; it must throw when it did not do its work (wrong counter, missing cookie). */
export type Operation = () => Promise<unknown>;

export interface Timing {
  contender: string;
  variant: string;
  /** Median over rounds of the mean time per operation, microseconds. */
  median: number;
  min: number;
  max: number;
  /** Operations per batch (one batch per round). */
  iterations: number;
  rounds: number;
}

export interface TimingOptions {
  rounds: number;
  /** Target duration of one batch. */
  batchMs: number;
}

export async function timeCases(cases: readonly Case[], options: TimingOptions): Promise<Timing[]> {
  const operations: Operation[] = [];
  for (const c of cases) operations.push(await c.prepare());
  const iterations: number[] = [];
  for (const op of operations) iterations.push(await calibrate(op, options.batchMs));

  const samples: number[][] = cases.map(() => []);
  for (let round = 0; round < options.rounds; round++) {
    for (const i of roundOrder(cases.length, round)) {
      const op = operations[i]!;
      const n = iterations[i]!;
      const start = performance.now();
      for (let k = 0; k < n; k++) await op();
      samples[i]!.push(((performance.now() - start) * 1000) / n);
    }
  }
  return cases.map((c, i) => {
    const sorted = [...samples[i]!].sort((a, b) => a - b);
    return {
      contender: c.contender,
      variant: c.variant,
      median: median(sorted),
      min: sorted[0]!,
      max: sorted[sorted.length - 1]!,
      iterations: iterations[i]!,
      rounds: options.rounds,
    };
  });
}

/** Warms the operation up (JIT, caches) and returns how many runs fill one batch. */
async function calibrate(op: Operation, batchMs: number): Promise<number> {
  let runs = 0;
  const start = performance.now();
  // At least 20 runs and a quarter of a batch: enough for the JIT, and for a ms-resolution clock.
  while (runs < 20 || performance.now() - start < batchMs / 4) {
    await op();
    runs++;
  }
  const perRunMs = (performance.now() - start) / runs;
  return Math.max(10, Math.round(batchMs / perRunMs));
}

/** Case indices for one round: rotated by the round number, reversed on odd rounds. */
function roundOrder(count: number, round: number): number[] {
  const order = Array.from({ length: count }, (_, i) => (i + round) % count);
  return round % 2 ? order.reverse() : order;
}

function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
