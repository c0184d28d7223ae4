// Timing that survives a noisy 2-core machine: implementations are measured round-robin in
// one run (each round runs every implementation once, in rotating order), so a burst of
// background load hits all of them alike and the ratios stay meaningful.

export interface Stats {
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  samples: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.round((sorted.length - 1) * p)));
  return sorted[index] as number;
}

export function stats(samplesMs: number[]): Stats {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return { medianMs: percentile(sorted, 0.5), p10Ms: percentile(sorted, 0.1), p90Ms: percentile(sorted, 0.9), samples: sorted.length };
}

export type Impl = () => unknown | Promise<unknown>;

export interface CompareOptions {
  /** Untimed runs of each implementation first (JIT, caches, worker start). Default 3. */
  warmup?: number;
  /** Rounds at least. Default 15. */
  minRounds?: number;
  /** Keep adding rounds until this much time has passed (and minRounds are done). Default 3000 ms. */
  minTimeMs?: number;
  /** Never more rounds than this. Default 200. */
  maxRounds?: number;
}

/** Measures every implementation round-robin; returns per-implementation stats. */
export async function compare(impls: Record<string, Impl>, options: CompareOptions = {}): Promise<Record<string, Stats>> {
  const names = Object.keys(impls);
  const warmup = options.warmup ?? 3;
  for (let i = 0; i < warmup; i++) for (const name of names) await impls[name]!();
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const minRounds = options.minRounds ?? 15;
  const maxRounds = options.maxRounds ?? 200;
  const minTimeMs = options.minTimeMs ?? 3000;
  const started = performance.now();
  for (let round = 0; round < maxRounds; round++) {
    if (round >= minRounds && performance.now() - started >= minTimeMs) break;
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length]!;
      const t0 = performance.now();
      await impls[name]!();
      samples[name]!.push(performance.now() - t0);
    }
  }
  return Object.fromEntries(names.map((n) => [n, stats(samples[n]!)]));
}

/** Times one implementation alone (for things that cannot interleave, e.g. a child process). */
export async function measure(impl: Impl, options: CompareOptions = {}): Promise<Stats> {
  return (await compare({ only: impl }, options)).only!;
}
