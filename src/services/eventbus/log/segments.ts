/**
 * Shared buffers that carry commit groups to the writer thread. In Bun, posting a
 * SharedArrayBuffer costs ~90 µs and transferring a fresh ArrayBuffer needs a new zeroed
 * allocation per group, so each segment is posted to the writer once and reused after its
 * group has committed; an append message then carries only numbers.
 */
import type { WriterRequest } from './schema.ts';

export interface Segment {
  id: number;
  sab: SharedArrayBuffer;
  size: number;
}

/** Free segments kept for reuse; larger or further ones are released. */
const MAX_FREE = 3;

export class SegmentPool {
  private readonly free: Segment[] = [];
  private nextId = 1;

  constructor(
    private readonly post: (m: WriterRequest) => void,
    /** Size of a new segment (doubled until a group fits). */
    private readonly minBytes: number,
    /** Segments above this size are released after use rather than kept. */
    private readonly keepBytes: number,
  ) {}

  /** The smallest free segment of at least `bytes`, or a new one (announced to the writer). */
  take(bytes: number): Segment {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const s = this.free[i]!;
      if (s.size >= bytes && (best < 0 || s.size < this.free[best]!.size)) best = i;
    }
    if (best >= 0) return this.free.splice(best, 1)[0]!;
    let size = this.minBytes;
    while (size < bytes) size *= 2;
    const seg: Segment = { id: this.nextId++, sab: new SharedArrayBuffer(size), size };
    this.post({ op: 'segment', seg: seg.id, sab: seg.sab });
    return seg;
  }

  /** Back to the pool once the writer has replied for the group it carried. */
  give(seg: Segment): void {
    if (seg.size > this.keepBytes || this.free.length >= MAX_FREE) {
      this.post({ op: 'drop', seg: seg.id });
      return;
    }
    this.free.push(seg);
  }

  get freeCount(): number {
    return this.free.length;
  }
}
