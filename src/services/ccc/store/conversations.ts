/**
 * Conversations and turns. Methods here do not open transactions: the callers group a
 * whole request's writes (turns, index, counters, agent state) into one, so a rejected
 * request leaves nothing behind.
 */
import type { Database, Statement } from 'bun:sqlite';
import type { AgentName, ConversationRow, ConversationStatus, TurnRow } from '../types.ts';

export interface NewConversation {
  id: string;
  sessionId: string;
  directive: string;
  termCount: number;
  now: number;
  bytes: number;
}

export interface NewTurn {
  id: string;
  conversationSeq: number;
  sessionId: string;
  agent: AgentName;
  content: string;
  metadata: string;
  now: number;
  termCount: number;
  bytes: number;
}

/** What ranking needs of a turn, without its content. */
export interface TurnHead {
  seq: number;
  id: string;
  conversation_seq: number;
  created_at: number;
  term_count: number;
  agent: AgentName;
}

export interface ExpiredConversation {
  seq: number;
  session_id: string;
  turn_count: number;
  bytes: number;
}

export class ConversationStore {
  private readonly byId: Statement<ConversationRow, [{ id: string }]>;
  private readonly bySeq: Statement<ConversationRow, [{ seq: number }]>;
  private readonly nextTurn: Statement<{ n: number }, [{ c: number }]>;
  private readonly insertTurnStmt: Statement<{ seq: number }, [Record<string, string | number>]>;
  private readonly bumpConversation: Statement<unknown, [{ seq: number; bytes: number; now: number }]>;
  private readonly bumpSessionStmt: Statement<unknown, [{ id: string; c: number; t: number; b: number; now: number }]>;

  constructor(private readonly db: Database) {
    this.byId = db.query<ConversationRow, { id: string }>('SELECT * FROM conversations WHERE id = $id');
    this.bySeq = db.query<ConversationRow, { seq: number }>('SELECT * FROM conversations WHERE seq = $seq');
    this.nextTurn = db.query<{ n: number }, { c: number }>('SELECT coalesce(max(turn_number), 0) + 1 AS n FROM turns WHERE conversation_seq = $c');
    this.insertTurnStmt = db.query<{ seq: number }, Record<string, string | number>>(
      `INSERT INTO turns (id, conversation_seq, session_id, turn_number, agent, content, metadata, created_at, term_count, bytes)
       VALUES ($id, $c, $s, $n, $agent, $content, $metadata, $now, $terms, $bytes) RETURNING seq`,
    );
    this.bumpConversation = db.query<unknown, { seq: number; bytes: number; now: number }>(
      "UPDATE conversations SET turn_count = turn_count + 1, bytes = bytes + $bytes, updated_at = $now, status = CASE status WHEN 'completed' THEN 'active' ELSE status END WHERE seq = $seq",
    );
    this.bumpSessionStmt = db.query<unknown, { id: string; c: number; t: number; b: number; now: number }>(
      'UPDATE sessions SET conversation_count = conversation_count + $c, turn_count = turn_count + $t, storage_bytes = storage_bytes + $b, last_active = max(last_active, $now) WHERE id = $id',
    );
  }

  insertConversation(c: NewConversation): number {
    const row = this.db.query<{ seq: number }, Record<string, string | number>>(
      `INSERT INTO conversations (id, session_id, directive, term_count, created_at, updated_at, bytes)
       VALUES ($id, $s, $directive, $terms, $now, $now, $bytes) RETURNING seq`,
    ).get({ id: c.id, s: c.sessionId, directive: c.directive, terms: c.termCount, now: c.now, bytes: c.bytes });
    return row!.seq;
  }

  /** Appends a turn with the next turn number; returns its row id and number. */
  insertTurn(t: NewTurn): { seq: number; turnNumber: number } {
    const n = this.nextTurn.get({ c: t.conversationSeq })!.n;
    const row = this.insertTurnStmt.get({
      id: t.id, c: t.conversationSeq, s: t.sessionId, n, agent: t.agent, content: t.content, metadata: t.metadata, now: t.now, terms: t.termCount, bytes: t.bytes,
    });
    this.bumpConversation.run({ seq: t.conversationSeq, bytes: t.bytes, now: t.now });
    return { seq: row!.seq, turnNumber: n };
  }

  /** Adjusts a session's counters by the given deltas. */
  bumpSession(id: string, conversations: number, turns: number, bytes: number, now: number): void {
    this.bumpSessionStmt.run({ id, c: conversations, t: turns, b: bytes, now });
  }

  get(id: string): ConversationRow | null {
    return this.byId.get({ id });
  }

  getBySeq(seq: number): ConversationRow | null {
    return this.bySeq.get({ seq });
  }

  setStatus(seq: number, status: ConversationStatus): void {
    this.db.query<unknown, { seq: number; status: string }>('UPDATE conversations SET status = $status WHERE seq = $seq').run({ seq, status });
  }

  turns(conversationSeq: number, fromTurn: number, limit: number): TurnRow[] {
    return this.db.query<TurnRow, { c: number; from: number; limit: number }>(
      'SELECT * FROM turns WHERE conversation_seq = $c AND turn_number >= $from ORDER BY turn_number LIMIT $limit',
    ).all({ c: conversationSeq, from: fromTurn, limit });
  }

  /** The last `n` turns, oldest first. */
  lastTurns(conversationSeq: number, n: number): TurnRow[] {
    return this.db.query<TurnRow, { c: number; n: number }>(
      'SELECT * FROM (SELECT * FROM turns WHERE conversation_seq = $c ORDER BY turn_number DESC LIMIT $n) ORDER BY turn_number',
    ).all({ c: conversationSeq, n });
  }

  lastTurnBy(conversationSeq: number, agent: AgentName): TurnRow | null {
    return this.db.query<TurnRow, { c: number; a: string }>('SELECT * FROM turns WHERE conversation_seq = $c AND agent = $a ORDER BY turn_number DESC LIMIT 1').get({ c: conversationSeq, a: agent });
  }

  turnById(id: string): TurnRow | null {
    return this.db.query<TurnRow, { id: string }>('SELECT * FROM turns WHERE id = $id').get({ id });
  }

  /** Newest first. */
  recent(sessionId: string, limit: number): ConversationRow[] {
    return this.db.query<ConversationRow, { s: string; limit: number }>(
      'SELECT * FROM conversations WHERE session_id = $s ORDER BY created_at DESC, seq DESC LIMIT $limit',
    ).all({ s: sessionId, limit });
  }

  /** Ranking data for candidate turns, limited to a time window. */
  turnHeads(seqs: readonly number[], start: number, end: number): TurnHead[] {
    if (seqs.length === 0) return [];
    return this.db.query<TurnHead, { ids: string; start: number; end: number }>(
      `SELECT seq, id, conversation_seq, created_at, term_count, agent FROM turns
       WHERE seq IN (SELECT value FROM json_each($ids)) AND created_at BETWEEN $start AND $end`,
    ).all({ ids: JSON.stringify(seqs), start, end });
  }

  turnsBySeq(seqs: readonly number[]): TurnRow[] {
    if (seqs.length === 0) return [];
    return this.db.query<TurnRow, { ids: string }>('SELECT * FROM turns WHERE seq IN (SELECT value FROM json_each($ids))').all({ ids: JSON.stringify(seqs) });
  }

  conversationsBySeq(seqs: readonly number[]): ConversationRow[] {
    if (seqs.length === 0) return [];
    return this.db.query<ConversationRow, { ids: string }>('SELECT * FROM conversations WHERE seq IN (SELECT value FROM json_each($ids))').all({ ids: JSON.stringify(seqs) });
  }

  /** Conversations of a session in creation order, for exports. */
  inOrder(sessionId: string, afterSeq: number, limit: number): ConversationRow[] {
    return this.db.query<ConversationRow, { s: string; after: number; limit: number }>(
      'SELECT * FROM conversations WHERE session_id = $s AND seq > $after ORDER BY seq LIMIT $limit',
    ).all({ s: sessionId, after: afterSeq, limit });
  }

  turnsInWindow(conversationSeq: number, start: number, end: number): TurnRow[] {
    return this.db.query<TurnRow, { c: number; start: number; end: number }>(
      'SELECT * FROM turns WHERE conversation_seq = $c AND created_at BETWEEN $start AND $end ORDER BY turn_number',
    ).all({ c: conversationSeq, start, end });
  }

  countTurnsInWindow(sessionId: string, start: number, end: number): number {
    return this.db.query<{ n: number }, { s: string; start: number; end: number }>(
      'SELECT count(*) AS n FROM turns WHERE session_id = $s AND created_at BETWEEN $start AND $end',
    ).get({ s: sessionId, start, end })?.n ?? 0;
  }

  turnsByAgent(sessionId: string): { agent: AgentName; n: number }[] {
    return this.db.query<{ agent: AgentName; n: number }, { s: string }>('SELECT agent, count(*) AS n FROM turns WHERE session_id = $s GROUP BY agent').all({ s: sessionId });
  }

  oldestConversation(sessionId: string): number | null {
    return this.db.query<{ t: number | null }, { s: string }>('SELECT min(created_at) AS t FROM conversations WHERE session_id = $s').get({ s: sessionId })?.t ?? null;
  }

  /** Conversations idle for longer than their session's retention, oldest first. */
  expired(now: number, limit: number): ExpiredConversation[] {
    return this.db.query<ExpiredConversation, { now: number; limit: number }>(
      `SELECT c.seq, c.session_id, c.turn_count, c.bytes FROM conversations c JOIN sessions s ON s.id = c.session_id
       WHERE c.updated_at < $now - 86400000 AND c.updated_at < $now - s.retention_days * 86400000
       ORDER BY c.updated_at LIMIT $limit`,
    ).all({ now, limit });
  }

  /** Deletes up to `limit` of a conversation's oldest turns, keeping its counters right; returns what went. */
  deleteTurns(conversationSeq: number, limit: number): { turns: number; bytes: number } {
    const gone = this.db.query<{ seq: number; bytes: number }, { c: number; limit: number }>(
      'SELECT seq, bytes FROM turns WHERE conversation_seq = $c ORDER BY turn_number LIMIT $limit',
    ).all({ c: conversationSeq, limit });
    const del = this.db.query<unknown, { seq: number }>('DELETE FROM turns WHERE seq = $seq');
    let bytes = 0;
    for (const g of gone) {
      del.run({ seq: g.seq });
      bytes += g.bytes;
    }
    this.db.query<unknown, { c: number; n: number; b: number }>('UPDATE conversations SET turn_count = turn_count - $n, bytes = bytes - $b WHERE seq = $c').run({ c: conversationSeq, n: gone.length, b: bytes });
    return { turns: gone.length, bytes };
  }

  deleteConversation(seq: number): void {
    this.db.query<unknown, { seq: number }>('DELETE FROM conversations WHERE seq = $seq').run({ seq });
  }
}
