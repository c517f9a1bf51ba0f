/**
 * Per-second figures for `WS /ws/metrics`: counts and latency samples gathered in the
 * current second, read and reset when the second closes. Samples are bounded (a
 * reservoir), so a busy second costs fixed memory.
 */
const MAX_SAMPLES = 2048;

export class SecondWindow {
  private counts = new Map<string, number>();
  private samples = new Map<string, number[]>();
  private seen = new Map<string, number>();

  count(key: string, by = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + by);
  }

  latency(key: string, ms: number): void {
    let s = this.samples.get(key);
    if (!s) {
      s = [];
      this.samples.set(key, s);
    }
    const n = (this.seen.get(key) ?? 0) + 1;
    this.seen.set(key, n);
    if (s.length < MAX_SAMPLES) s.push(ms);
    else {
      // Reservoir sampling keeps a uniform sample of the second.
      const j = Math.floor(Math.random() * n);
      if (j < MAX_SAMPLES) s[j] = ms;
    }
  }

  /** Closes the window: counts, and p99 (ms) per latency key with the number of samples. */
  take(): { counts: Record<string, number>; p99: Record<string, { p99_ms: number; count: number }> } {
    const counts = Object.fromEntries(this.counts);
    const p99: Record<string, { p99_ms: number; count: number }> = {};
    for (const [k, s] of this.samples) {
      const sorted = s.sort((a, b) => a - b);
      const idx = Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1);
      p99[k] = { p99_ms: Math.round(sorted[Math.max(0, idx)]! * 1000) / 1000, count: this.seen.get(k) ?? sorted.length };
    }
    this.counts = new Map();
    this.samples = new Map();
    this.seen = new Map();
    return { counts, p99 };
  }
}
