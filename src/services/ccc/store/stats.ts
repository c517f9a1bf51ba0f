/** Per-session counters of context use, the raw data behind the analytics' effectiveness figures. */
import type { Database, Statement } from 'bun:sqlite';

export interface ContextStats {
  /** Context lookups: searches, conversation starts with use_context, chats with use_context. */
  lookups: number;
  /** Lookups that found at least one item at or above their threshold. */
  hits: number;
  /** Items served by those lookups, and the sum of their relevance scores. */
  items: number;
  score_sum: number;
  /** v2 chat completions, and those whose prompt carried stored context. */
  chats: number;
  chats_with_context: number;
}

export class StatsStore {
  private readonly lookupStmt: Statement<unknown, [{ s: string; hit: number; items: number; score: number }]>;
  private readonly chatStmt: Statement<unknown, [{ s: string; used: number }]>;

  constructor(private readonly db: Database) {
    this.lookupStmt = db.query<unknown, { s: string; hit: number; items: number; score: number }>(
      'UPDATE context_stats SET lookups = lookups + 1, hits = hits + $hit, items = items + $items, score_sum = score_sum + $score WHERE session_id = $s',
    );
    this.chatStmt = db.query<unknown, { s: string; used: number }>('UPDATE context_stats SET chats = chats + 1, chats_with_context = chats_with_context + $used WHERE session_id = $s');
  }

  lookup(sessionId: string, scores: readonly number[]): void {
    let sum = 0;
    for (const x of scores) sum += x;
    this.lookupStmt.run({ s: sessionId, hit: scores.length > 0 ? 1 : 0, items: scores.length, score: sum });
  }

  chat(sessionId: string, contextUsed: boolean): void {
    this.chatStmt.run({ s: sessionId, used: contextUsed ? 1 : 0 });
  }

  get(sessionId: string): ContextStats {
    return this.db.query<ContextStats, { s: string }>('SELECT lookups, hits, items, score_sum, chats, chats_with_context FROM context_stats WHERE session_id = $s').get({ s: sessionId }) ??
      { lookups: 0, hits: 0, items: 0, score_sum: 0, chats: 0, chats_with_context: 0 };
  }
}
