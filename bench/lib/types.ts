/** Shapes shared by every benchmark suite and the gate. */

export interface BenchRow {
  /** Unique across suites: `<service>: <what>`. */
  name: string;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  p999_ms: number;
  max_ms: number;
  count: number;
  /** Achieved request rate (or ops/s for non-HTTP rows). */
  rps?: number;
  /** The spec's or issue's p99 target; rows without one are recorded, not gated. */
  budget_p99_ms?: number;
  /**
   * A figure gated from below instead of a latency (e.g. a ratio to a reference server):
   * the row passes when `value >= min_value`. Not scaled by --quick.
   */
  value?: number;
  min_value?: number;
  /** Free-form figure for record-only rows (e.g. "hashes/s 1.2M, openssl ratio 0.8"). */
  note?: string;
  errors?: number;
}

export interface SuiteOptions {
  /** CI mode: shorter runs. */
  quick: boolean;
}

export interface Suite {
  /** `<service>` or `<service>: <group>`. */
  name: string;
  run(opts: SuiteOptions): Promise<BenchRow[]>;
}
