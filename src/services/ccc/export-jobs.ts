/**
 * Export jobs run in the background on the event loop, a page of conversations at a time
 * with a yield between pages (formatting is cheap; a large session must not hold the loop).
 * The file is written to a temp name and renamed when whole; a job a restart interrupted is
 * run again on start.
 */
import { mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../runtime/log.ts';
import { stateView } from './engine/agents.ts';
import { EXPORT_WRITERS, type ExportConversation } from './engine/export-format.ts';
import { iso, newId } from './ids.ts';
import type { Memory } from './memory.ts';
import type { CccOptions } from './options.ts';
import type { ExportFormat, ExportOptions, ExportRow } from './store/exports.ts';
import type { CccStore } from './store/index.ts';
import { AGENTS, preferencesOf, type SessionRow } from './types.ts';

const CONVERSATIONS_PER_PAGE = 50;

export class ExportJobs {
  private readonly running = new Set<Promise<void>>();
  private closing = false;

  constructor(
    private readonly store: CccStore,
    private readonly memory: Memory,
    readonly dir: string,
    private readonly o: CccOptions,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  create(session: SessionRow, format: ExportFormat, options: ExportOptions): ExportRow {
    const now = this.now();
    const turns = this.store.conversations.countTurnsInWindow(session.id, options.start, options.end);
    const eta = now + Math.max(1000, Math.ceil((turns / this.o.exportTurnsPerSec) * 1000));
    const id = newId('export');
    this.store.exports.create({ id, sessionId: session.id, format, options, now, eta, expiresAt: now + this.o.exportTtlHours * 3_600_000 });
    this.schedule(id);
    return this.store.exports.get(id)!;
  }

  /** Restarts jobs left unfinished by a shutdown. */
  resume(): void {
    for (const row of this.store.exports.unfinished()) this.schedule(row.id);
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.running]);
  }

  private schedule(id: string): void {
    const p = Bun.sleep(0).then(() => this.run(id)).catch((e: unknown) => {
      const msg = e instanceof Error ? e.message : String(e);
      this.log.error('export failed', { export_id: id, error: msg });
      this.store.exports.fail(id, msg, this.now());
    });
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  private async run(id: string): Promise<void> {
    const job = this.store.exports.get(id);
    if (!job || job.status !== 'processing' || this.closing) return;
    const session = this.store.sessions.get(job.session_id);
    if (!session) return;
    const o = JSON.parse(job.options) as ExportOptions;
    const w = EXPORT_WRITERS[job.format];
    const final = join(this.dir, `${id}.${w.extension}`);
    const tmp = `${final}.part`;
    const sink = Bun.file(tmp).writer();
    try {
      sink.write(w.head({
        export_id: id, session_id: session.id, format: job.format, exported_at: iso(this.now()), time_range: o.time_range,
        session: {
          created_at: iso(session.created_at), status: session.status, conversation_count: session.conversation_count, total_turns: session.turn_count,
          user_preferences: preferencesOf(session), context_summary: this.memory.summary(session), key_topics: this.memory.keyTopics(session),
        },
      }));
      const total = Math.max(1, this.store.conversations.countTurnsInWindow(session.id, o.start, o.end));
      let done = 0;
      let sinceYield = 0;
      let written = 0;
      let after = 0;
      for (;;) {
        const page = this.store.conversations.inOrder(session.id, after, CONVERSATIONS_PER_PAGE);
        if (page.length === 0) break;
        for (const c of page) {
          after = c.seq;
          const turns = this.store.conversations.turnsInWindow(c.seq, o.start, o.end);
          if (turns.length === 0 && o.time_range) continue;
          const conv: ExportConversation = {
            conversation_id: c.id, directive: c.directive, created_at: iso(c.created_at), status: c.status,
            turns: turns.map((t) => ({
              turn_id: t.id, turn_number: t.turn_number, agent: t.agent, content: t.content, timestamp: iso(t.created_at),
              ...(o.include_metadata ? { metadata: JSON.parse(t.metadata) as Record<string, unknown> } : {}),
            })),
          };
          sink.write(w.conversation(conv, written++));
          done += turns.length;
          sinceYield += turns.length;
          if (sinceYield >= this.o.exportPageSize) {
            sinceYield = 0;
            this.store.exports.progress(id, Math.min(0.99, done / total));
            await sink.flush();
            await Bun.sleep(0);
            if (this.closing) {
              // Left 'processing': the next start runs it again from the beginning.
              await sink.end();
              rmSync(tmp, { force: true });
              return;
            }
          }
        }
      }
      let agents: Record<string, unknown> | null = null;
      if (o.include_agent_states) {
        agents = {};
        for (const a of AGENTS) {
          const { state, updatedAt } = this.store.agents.get(session.id, a);
          agents[a] = { ...stateView(state), last_updated: updatedAt === null ? null : iso(updatedAt) };
        }
      }
      sink.write(w.tail(agents));
      await sink.end();
      renameSync(tmp, final);
      this.store.exports.complete(id, final, statSync(final).size, this.now());
    } catch (e) {
      await Promise.resolve(sink.end()).catch(() => undefined);
      rmSync(tmp, { force: true });
      throw e;
    }
  }

  contentType(format: ExportFormat): string {
    return EXPORT_WRITERS[format].contentType;
  }

  fileName(row: ExportRow): string {
    return `${row.session_id}-${row.id}.${EXPORT_WRITERS[row.format].extension}`;
  }
}
