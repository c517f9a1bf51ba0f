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
   * A figure gated against a floor (e.g. req/s as a share of a bare reference measured in
   * the same run): the row passes when `value >= min`, in quick runs too.
   */
  floor?: { what: string; value: number; min: number };
  /** The budget was derived from a reference measured in the same run (shown in the table; quick runs double it like any budget). */
  budget_from_reference?: boolean;
  /**
   * The percentile the budget holds (default 99). A row declares 90 when a p99 would need
   * longer than it can run: at 4 Hz the 1,000 samples a p99 needs take 250 s.
   */
  gate_percentile?: 90 | 99;
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
