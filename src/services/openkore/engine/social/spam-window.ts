// Recent chat message times per sender, for spam detection (REFERENCE §1: more than
// N messages a minute). Bounded: senders silent for a whole window are dropped, and
// past `maxSenders` the one silent longest goes first.

export class SpamWindow {
  /** Sender → message times within the window, least recently active sender first. */
  private readonly times = new Map<number, number[]>();

  constructor(private readonly windowMs: number, private readonly maxSenders: number) {}

  get size(): number { return this.times.size; }

  /** This sender's messages within the window before `now`. */
  recent(sender: number, now: number): number[] {
    return (this.times.get(sender) ?? []).filter((t) => now - t < this.windowMs);
  }

  record(sender: number, now: number): void {
    const list = this.recent(sender, now);
    list.push(now);
    this.times.delete(sender);
    this.times.set(sender, list);
    this.prune(now);
    if (this.times.size > this.maxSenders) {
      const oldest = this.times.keys().next();
      if (!oldest.done) this.times.delete(oldest.value);
    }
  }

  /** Drop senders whose last message left the window. */
  prune(now: number): void {
    for (const [sender, list] of this.times) {
      const last = list[list.length - 1] ?? Number.NEGATIVE_INFINITY;
      if (now - last < this.windowMs) break;
      this.times.delete(sender);
    }
  }
}
