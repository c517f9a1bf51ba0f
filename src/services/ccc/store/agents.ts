/** Agent state rows and feedback. */
import type { Database, Statement } from 'bun:sqlite';
import { parseState, type AgentState } from '../engine/agents.ts';
import type { AgentName } from '../types.ts';

export interface FeedbackSummary {
  count: number;
  mean: number | null;
}

export class AgentStore {
  private readonly getStmt: Statement<{ state: string; updated_at: number }, [{ s: string; a: string }]>;
  private readonly putStmt: Statement<unknown, [{ s: string; a: string; state: string; now: number }]>;

  constructor(private readonly db: Database) {
    this.getStmt = db.query<{ state: string; updated_at: number }, { s: string; a: string }>('SELECT state, updated_at FROM agent_states WHERE session_id = $s AND agent = $a');
    this.putStmt = db.query<unknown, { s: string; a: string; state: string; now: number }>(
      'INSERT INTO agent_states (session_id, agent, state, updated_at) VALUES ($s, $a, $state, $now) ON CONFLICT (session_id, agent) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at',
    );
  }

  /** The stored state, or the persona's defaults (with `updatedAt` null) when none was stored yet. */
  get(sessionId: string, agent: AgentName): { state: AgentState; updatedAt: number | null } {
    const row = this.getStmt.get({ s: sessionId, a: agent });
    return { state: parseState(agent, row?.state ?? null), updatedAt: row?.updated_at ?? null };
  }

  put(sessionId: string, agent: AgentName, state: AgentState, now: number): void {
    this.putStmt.run({ s: sessionId, a: agent, state: JSON.stringify(state), now });
  }

  /** Read-modify-write; the caller holds the transaction. */
  update(sessionId: string, agent: AgentName, now: number, change: (s: AgentState) => void): AgentState {
    const { state } = this.get(sessionId, agent);
    change(state);
    this.put(sessionId, agent, state, now);
    return state;
  }

  addFeedback(f: { sessionId: string; agent: AgentName; turnId: string | null; rating: number; comment: string | null; now: number }): number {
    return this.db.query<{ id: number }, Record<string, string | number | null>>(
      'INSERT INTO feedback (session_id, agent, turn_id, rating, comment, created_at) VALUES ($s, $a, $t, $r, $c, $now) RETURNING id',
    ).get({ s: f.sessionId, a: f.agent, t: f.turnId, r: f.rating, c: f.comment, now: f.now })!.id;
  }

  feedbackSummary(sessionId: string): FeedbackSummary {
    const row = this.db.query<{ n: number; mean: number | null }, { s: string }>('SELECT count(*) AS n, avg(rating) AS mean FROM feedback WHERE session_id = $s').get({ s: sessionId });
    return { count: row?.n ?? 0, mean: row?.mean ?? null };
  }
}
