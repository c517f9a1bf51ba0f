/**
 * Background retention: conversations idle for longer than their session's
 * `memory_retention_days` are deleted (turns, index entries and counters with them), in
 * batches with a yield between, plus expired tokens and export files.
 */
import { rmSync } from 'node:fs';
import type { Logger } from '../../runtime/log.ts';
import type { CccOptions } from './options.ts';
import type { CccStore } from './store/index.ts';

export interface PurgeCounts {
  conversations: number;
  turns: number;
  tokens: number;
  exports: number;
}

const DAY_MS = 86_400_000;

export class Purger {
  private timer: ReturnType<typeof setInterval> | null = null;
  private running: Promise<PurgeCounts> | null = null;
  private stopped = false;

  constructor(private readonly store: CccStore, private readonly o: CccOptions, private readonly now: () => number, private readonly log: Logger) {}

  start(): void {
    this.timer = setInterval(() => void this.runOnce(), this.o.purgeIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass; a pass already under way is joined rather than doubled. */
  runOnce(): Promise<PurgeCounts> {
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async pass(): Promise<PurgeCounts> {
    const counts: PurgeCounts = { conversations: 0, turns: 0, tokens: 0, exports: 0 };
    try {
      // Each slice deletes at most purgeBatch turns in one transaction (deleting a turn also
      // deletes its index entry: ~20-40 µs), then yields, so the event loop is never held long.
      for (;;) {
        if (this.stopped) break;
        const now = this.now();
        const more = this.store.tx(() => {
          let budget = this.o.purgeBatch;
          const batch = this.store.conversations.expired(now, this.o.purgeBatch);
          for (const c of batch) {
            const part = this.store.conversations.deleteTurns(c.seq, budget);
            budget -= part.turns;
            counts.turns += part.turns;
            const done = part.turns === c.turn_count;
            if (done) {
              this.store.conversations.deleteConversation(c.seq);
              counts.conversations++;
            }
            // now = 0 leaves last_active as it was: purging is not session activity.
            this.store.conversations.bumpSession(c.session_id, done ? -1 : 0, -part.turns, -(part.bytes + (done ? c.bytes - part.bytes : 0)), 0);
            if (budget <= 0) return true;
          }
          return batch.length === this.o.purgeBatch;
        });
        if (!more) break;
        await Bun.sleep(0);
      }
      const now = this.now();
      counts.tokens = this.store.sessions.purgeTokens(now - DAY_MS);
      const files = this.store.exports.purge(now);
      for (const f of files) rmSync(f, { force: true });
      counts.exports = files.length;
      if (counts.conversations || counts.exports) this.log.info('retention purge', { ...counts });
    } catch (e) {
      this.log.error('retention purge failed', { error: e instanceof Error ? e.message : String(e) });
    }
    return counts;
  }
}
