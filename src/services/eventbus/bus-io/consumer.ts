/**
 * A durable consumer of the event log: a component's last processed sequence is stored
 * by the component itself, in the same transaction as the state it derives, so after a
 * restart it resumes exactly where its state stops (no event applied twice, none
 * skipped). Live commits that follow the cursor are gathered from the log's tail for
 * `gatherMs` and applied together (one transaction for many commits when the bus is busy);
 * anything else (start-up catch-up, a handler still busy) is read from the log page by
 * page. Ranges with none of the consumer's topics move the cursor in memory and are stored
 * with the next real batch (at least every `persistEveryMs`): replaying them after a crash
 * changes nothing. The same contract maps onto a JetStream durable consumer (ack = the
 * stored sequence).
 */
import { compilePattern, type CompiledPattern } from '../engine/topics.ts';
import type { EventLog, StoredEvent } from '../log/types.ts';

export interface ConsumerSpec {
  /** Component name (the durable consumer's name). */
  name: string;
  /** Topic patterns (`*` one segment, `>` the rest). */
  patterns: string[];
  /** The sequence the component's stored state reflects (0 = nothing yet). */
  position(): number;
  /**
   * Applies events (only those matching the patterns, in sequence order) and stores
   * `through` as the new position atomically with them. May be called with no events to
   * store the position past unrelated ones.
   */
  handle(events: StoredEvent[], through: number): void | Promise<void>;
  /** Events per catch-up page. */
  pageSize?: number;
  /** How long live commits gather before they are applied together (default 5 ms). */
  gatherMs?: number;
  /** Longest time a cursor moved over unrelated events stays unstored (default 1 s). */
  persistEveryMs?: number;
  /** A handler failure; the consumer retries the same events after `retryMs`. */
  onError?(e: unknown, events: StoredEvent[]): void;
  retryMs?: number;
}

interface Waiter {
  seq: number;
  resolve: () => void;
}

export class DurableConsumer {
  private readonly patterns: CompiledPattern[];
  /** Applied (in memory) — stored up to here or a little behind (see persistEveryMs). */
  private cursor = 0;
  /** Live events gathered from the tail, contiguous from cursor + 1 through `gatheredThrough`. */
  private gathered: StoredEvent[] = [];
  private gatheredThrough = 0;
  private gatherTimer: ReturnType<typeof setTimeout> | null = null;
  private lastStored = 0;
  private busy = false;
  private stopped = false;
  private unsubscribe: (() => void) | null = null;
  private waiters: Waiter[] = [];
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  handled = 0;
  failures = 0;

  constructor(
    private readonly log: EventLog,
    private readonly spec: ConsumerSpec,
    prefix = '',
  ) {
    this.patterns = spec.patterns.map((p) => {
      const r = compilePattern(p, prefix);
      if (!r.ok) throw new Error(`consumer ${spec.name}: bad pattern "${p}": ${r.detail}`);
      return r.pattern;
    });
  }

  get name(): string {
    return this.spec.name;
  }

  /** Last sequence applied. */
  position(): number {
    return this.cursor;
  }

  /** Events committed but not yet applied. */
  lag(): number {
    return Math.max(0, this.log.lastSequence() - this.cursor);
  }

  matches(topic: string): boolean {
    for (const p of this.patterns) if (p.matches(topic)) return true;
    return false;
  }

  /** Resumes from the stored position, then follows the log. */
  start(): void {
    this.cursor = Math.max(this.spec.position(), 0);
    this.gatheredThrough = this.cursor;
    this.lastStored = performance.now();
    this.unsubscribe = this.log.tail((events) => this.onCommit(events));
    this.kick();
  }

  /** Resolves once every event up to `seq` is applied (or the consumer stops). */
  waitFor(seq: number, timeoutMs: number): Promise<boolean> {
    if (this.cursor >= seq || this.stopped) return Promise.resolve(this.cursor >= seq);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      const waiter: Waiter = {
        seq,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      this.waiters.push(waiter);
    });
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.gatherTimer) clearTimeout(this.gatherTimer);
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }

  private onCommit(events: StoredEvent[]): void {
    if (this.stopped || events.length === 0) return;
    // Contiguous with what is applied or gathered, and nothing being read: gather from the tail.
    if (!this.busy && !this.retryTimer && events[0]!.seq === this.gatheredThrough + 1) {
      for (const e of events) if (this.matches(e.topic)) this.gathered.push(e);
      this.gatheredThrough = events[events.length - 1]!.seq;
      this.gatherTimer ??= setTimeout(this.applyGathered, this.spec.gatherMs ?? 5);
      return;
    }
    this.kick();
  }

  private readonly applyGathered = (): void => {
    this.gatherTimer = null;
    if (this.busy || this.stopped || this.gatheredThrough <= this.cursor) return;
    const events = this.gathered;
    const through = this.gatheredThrough;
    this.gathered = [];
    this.busy = true;
    this.apply(events, through).then(this.done, this.done);
  };

  private readonly done = (): void => {
    this.busy = false;
    if (this.gathered.length || this.gatheredThrough > this.cursor) this.gatherTimer ??= setTimeout(this.applyGathered, this.spec.gatherMs ?? 5);
    this.kick();
  };

  /** Reads from the log up to the head unless a pass (or a gathered batch) is in progress; that one re-checks when done. */
  private kick(): void {
    if (this.stopped || this.busy || this.retryTimer) return;
    const head = this.log.lastSequence();
    if (this.gatheredThrough >= head) return;
    // A gap between what was gathered and the head: drop the gathered events and read everything from the log.
    this.gathered = [];
    this.gatheredThrough = this.cursor;
    if (this.gatherTimer) clearTimeout(this.gatherTimer);
    this.gatherTimer = null;
    if (this.cursor >= head) return;
    this.busy = true;
    this.catchUp().then(this.done, this.done);
  }

  private async apply(events: StoredEvent[], through: number): Promise<void> {
    // Nothing of ours in the range: the cursor moves in memory, stored with the next batch or within persistEveryMs.
    if (events.length === 0 && performance.now() - this.lastStored < (this.spec.persistEveryMs ?? 1000)) {
      this.advance(through);
      return;
    }
    try {
      const r = this.spec.handle(events, through);
      if (r instanceof Promise) await r;
    } catch (e) {
      this.failures++;
      this.spec.onError?.(e, events);
      // The position did not move: the same range is read again from the log later.
      this.gathered = [];
      this.gatheredThrough = this.cursor;
      if (!this.retryTimer && !this.stopped) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.kick();
        }, this.spec.retryMs ?? 1000);
      }
      throw e;
    }
    this.lastStored = performance.now();
    this.handled += events.length;
    this.advance(through);
  }

  private advance(through: number): void {
    this.cursor = through;
    if (this.gatheredThrough < through) this.gatheredThrough = through;
    this.release();
  }

  private async catchUp(): Promise<void> {
    while (!this.stopped) {
      const head = this.log.lastSequence();
      if (this.cursor >= head) return;
      const topics = this.log.topics().filter((t) => this.matches(t));
      const page = await this.log.read({ after: this.cursor, topics, limit: this.spec.pageSize ?? 500 });
      const last = page.events.length ? page.events[page.events.length - 1]!.seq : this.cursor;
      const through = page.next !== null ? page.next : Math.max(head, last);
      await this.apply(page.events, through);
    }
  }

  private release(): void {
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.seq <= this.cursor);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.seq > this.cursor);
    for (const w of ready) w.resolve();
  }
}
