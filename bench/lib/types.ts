// What each workload benchmark returns, so `npm run bench` can print, store and chart them
// the same way.

export interface BenchRow {
  /** What was computed, e.g. "thumbnail 1024px JPEG". */
  task: string;
  /** Who computed it, e.g. "offload pool", "wasm kernel", "sharp (1 thread)", "native Rust". */
  impl: string;
  medianMs: number;
  /** 10th and 90th percentiles, to show the spread. */
  p10Ms: number;
  p90Ms: number;
  samples: number;
  /** True for the call path users take (through offload's pool); false for the kernel alone. */
  viaOffload?: boolean;
  /**
   * One of many similar items (e.g. one document of a corpus): kept in results.json, shown in
   * the docs as a per-implementation summary, left out of the charts.
   */
  perItem?: boolean;
}

export interface Goal {
  /** e.g. "wasm kernel / native Rust (thumbnail)". */
  name: string;
  ratio: number;
  /** e.g. "<= 1.3". */
  target: string;
  met: boolean;
  /** Where a goal is missed: by how much, why (from a profile), what would close it. */
  note?: string;
}

export interface WorkloadResult {
  workload: string;
  title: string;
  /** Inputs used: file names, sizes, where they came from. */
  inputs: string[];
  rows: BenchRow[];
  goals: Goal[];
  /** Anything else worth publishing (accuracy, model size, ...). */
  facts?: Record<string, string | number>;
  /** When and on which Node it was measured (set by run-all; a partial run keeps the others' stamps). */
  measured?: string;
}

/** One goal over repeated runs of a workload, each in a fresh process (bench/callpath-runs.ts). */
export interface GoalTally {
  name: string;
  target: string;
  /** In how many of the runs it was met. */
  met: number;
  min: number;
  median: number;
  max: number;
}

export interface RepeatedRuns {
  workload: string;
  /** The command that ran them, e.g. "npm run bench:callpath -- --runs 20". */
  command: string;
  /** ISO time the last run ended. */
  date: string;
  node: string;
  commit: string;
  runs: number;
  tally: GoalTally[];
  /** Runs in which every goal of the issue that set them was met together. */
  allMet: number;
  /** Which goals allMet counts (the others are this project's own). */
  allMetOf: string;
}
