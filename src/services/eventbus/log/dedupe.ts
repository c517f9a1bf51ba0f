/**
 * Recently appended (event_id, fingerprint) pairs → sequence, bounded by age and count.
 * BalatroMCP re-sends within seconds to minutes (1 s and 2 s retries, 10 s buffer
 * flushes, a 60 s breaker), so a window of minutes recognises every re-send without an
 * index over all ids: a unique index on random UUIDs made each insert ~4x slower here.
 */

export interface DedupeEntry {
  fp: number;
  /** 0 while the first copy's commit is pending. */
  seq: number;
  atMs: number;
  /**
   * While the first copy is being committed: its group's commit (resolves with the group's
   * first sequence, rejects if the commit fails); the copy's sequence is that plus `offset`.
   * Shared by the group, so no promise is made per event.
   */
  pending: Promise<number> | null;
  offset: number;
}

/** 53-bit hash of an event id (two 32-bit hashes), the map key. */
export function idHash(id: string): number {
  const a = Bun.hash.xxHash32(id);
  const b = Bun.hash.murmur32v3(id) & 0x1fffff;
  return a * 0x200000 + b;
}

export class DedupeWindow {
  private readonly map = new Map<number, DedupeEntry>();
  /** Insertion order for eviction: key and the time it was set (a key set again appears twice). */
  private keys: number[] = [];
  private times: number[] = [];
  private head = 0;
  /** Time of the newest entry dropped for the count bound before its window ran out. */
  private squeezedAt = -Infinity;

  constructor(
    readonly windowMs: number,
    readonly maxEntries: number,
  ) {}

  get size(): number {
    return this.map.size;
  }

  get(key: number, fp: number): DedupeEntry | undefined {
    const e = this.map.get(key);
    return e && e.fp === fp ? e : undefined;
  }

  set(key: number, entry: DedupeEntry): void {
    this.map.set(key, entry);
    this.keys.push(key);
    this.times.push(entry.atMs);
  }

  delete(key: number, entry: DedupeEntry): void {
    if (this.map.get(key) === entry) this.map.delete(key);
  }

  /** Drops entries older than the window, and the oldest beyond the count bound (never a pending one). */
  evict(nowMs: number): void {
    const cutoff = nowMs - this.windowMs;
    while (this.head < this.keys.length) {
      const at = this.times[this.head]!;
      if (at >= cutoff && this.map.size <= this.maxEntries) break;
      const key = this.keys[this.head]!;
      const e = this.map.get(key);
      if (e && e.atMs === at) {
        if (e.pending !== null) break;
        this.map.delete(key);
        if (at >= cutoff) this.squeezedAt = Math.max(this.squeezedAt, at);
      }
      this.head++;
    }
    if (this.head > 65536 && this.head * 2 > this.keys.length) {
      this.keys = this.keys.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  /** Age of the oldest entry still held: how far back a re-send is recognised right now. */
  coverageMs(nowMs: number): number {
    return Math.max(0, Math.min(this.windowMs, nowMs - this.squeezedAt));
  }
}
