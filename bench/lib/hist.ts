/** hdr-histogram recorder in microseconds, reported in milliseconds. */
import { newHistogram } from '../../src/runtime/metrics.ts';
import type { BenchRow } from './types.ts';

/**
 * Samples a percentile needs before it means anything: ten observations above it (p99:
 * 1,000; p90: 100). With fewer, "p99" is just the slowest few samples (a quick run once
 * failed a row on p99 153 ms from 81 samples: its single slowest tick).
 */
export const samplesFor = (percentile: number): number => Math.ceil(1000 / (100 - percentile) - 1e-9);

export class Recorder {
  private readonly h = newHistogram();
  errors = 0;

  /** Records one latency given in milliseconds. */
  record(ms: number): void {
    this.h.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  get count(): number {
    return this.h.totalCount;
  }

  row(name: string, extra: Partial<BenchRow> = {}): BenchRow {
    const at = (p: number): number => this.h.getValueAtPercentile(p) / 1000;
    return { name, p50_ms: at(50), p90_ms: at(90), p99_ms: at(99), p999_ms: at(99.9), max_ms: this.h.maxValue / 1000, count: this.h.totalCount, errors: this.errors, ...extra };
  }
}

/** Times `fn` `n` times after `warmup` runs (into `r`, e.g. one shared by alternating rounds). */
export async function timeLoop(n: number, fn: () => unknown, warmup = Math.min(200, n), r = new Recorder()): Promise<Recorder> {
  for (let i = 0; i < warmup; i++) await fn();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    r.record(performance.now() - t);
  }
  return r;
}
