/**
 * A durable consumer of the event log: a component's last processed sequence is stored
 * by the component itself, in the same transaction as the state it derives, so after a
 * restart it resumes exactly where its state stops (no event applied twice, none
 * skipped). Live commits that follow the cursor are handled straight from the log's
 * tail; anything else (start-up catch-up, a handler still busy) is read from the log
 * page by page. The same contract maps onto a JetStream durable consumer (ack = the
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
   * move the position past unrelated ones.
   */
  handle(events: StoredEvent[], through: number): void | Promise<void>;
  /** Events per catch-up page. */
  pageSize?: number;
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
  private cursor = 0;
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
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }

  private onCommit(events: StoredEvent[]): void {
    if (this.stopped || events.length === 0) return;
    // Contiguous with what we have applied and nothing in progress: apply from the tail.
    if (!this.busy && events[0]!.seq === this.cursor + 1) {
      this.busy = true;
      const through = events[events.length - 1]!.seq;
      this.apply(events.filter((e) => this.matches(e.topic)), through).then(this.done, this.done);
      return;
    }
    this.kick();
  }

  private readonly done = (): void => {
    this.busy = false;
    this.kick();
  };

  /** Reads from the log up to the head unless a pass (or a tail batch) is in progress; that one re-checks when done. */
  private kick(): void {
    if (this.stopped || this.busy || this.retryTimer) return;
    if (this.cursor >= this.log.lastSequence()) return;
    this.busy = true;
    this.catchUp().then(this.done, this.done);
  }

  private async apply(events: StoredEvent[], through: number): Promise<void> {
    try {
      const r = this.spec.handle(events, through);
      if (r instanceof Promise) await r;
    } catch (e) {
      this.failures++;
      this.spec.onError?.(e, events);
      // The position did not move: the same range is read again from the log later.
      if (!this.retryTimer && !this.stopped) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.kick();
        }, this.spec.retryMs ?? 1000);
      }
      throw e;
    }
    this.cursor = through;
    this.handled += events.length;
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
