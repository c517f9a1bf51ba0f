/**
 * Every write of conversations and turns, each request in one transaction: quota and
 * archive checks against fresh counters, rows, index entries, session counters and agent
 * learning together, so a rejected request stores nothing.
 */
import { learnFromUser, recordOwnTurn } from './engine/agents.ts';
import { byteLength } from './engine/text.ts';
import { archived, cccError, sessionNotFound } from './errors.ts';
import { newId } from './ids.ts';
import type { Memory } from './memory.ts';
import type { CccOptions } from './options.ts';
import type { CccStore } from './store/index.ts';
import type { AgentName, SessionRow } from './types.ts';

export interface TurnInput {
  agent: AgentName;
  content: string;
  metadata: Record<string, unknown>;
}

export interface StoredTurn {
  seq: number;
  turn_id: string;
  conversation_id: string;
  turn_number: number;
  agent: AgentName;
  content: string;
  created_at: number;
}

/** Where new turns go: an existing conversation, or a new one with this directive. */
export type Target = { seq: number; id: string } | { directive: string; metadata: Record<string, unknown> };

export class Writer {
  constructor(private readonly store: CccStore, private readonly memory: Memory, private readonly o: CccOptions, private readonly now: () => number) {}

  /** Rejects oversized content before other work (413 PAYLOAD_TOO_LARGE). */
  checkSizes(turns: readonly TurnInput[]): void {
    for (const t of turns) {
      const n = byteLength(t.content);
      if (n > this.o.maxTurnBytes) throw cccError('PAYLOAD_TOO_LARGE', `Turn content of ${n} bytes exceeds the ${this.o.maxTurnBytes}-byte limit`, { limit_bytes: this.o.maxTurnBytes, content_bytes: n });
      const m = byteLength(JSON.stringify(t.metadata));
      if (m > this.o.maxMetadataBytes) throw cccError('PAYLOAD_TOO_LARGE', `Turn metadata of ${m} bytes exceeds the ${this.o.maxMetadataBytes}-byte limit`, { limit_bytes: this.o.maxMetadataBytes, metadata_bytes: m });
    }
  }

  /** 413 STORAGE_QUOTA_EXCEEDED when `extra` more bytes would pass the session's quota. */
  checkQuota(session: SessionRow, extra: number): void {
    if (session.storage_bytes + extra > this.o.sessionQuotaBytes) {
      throw cccError('STORAGE_QUOTA_EXCEEDED', `Session storage limit reached: ${session.storage_bytes} of ${this.o.sessionQuotaBytes} bytes used, this write needs ${extra}`, {
        session_id: session.id, quota_bytes: this.o.sessionQuotaBytes, used_bytes: session.storage_bytes, requested_bytes: extra,
      });
    }
  }

  /** Stores turns (and the conversation, for a new target) atomically; returns the conversation and the turns in order. */
  write(sessionId: string, target: Target, turns: readonly TurnInput[], operation: string, complete = false): { conversationSeq: number; conversationId: string; turns: StoredTurn[] } {
    this.checkSizes(turns);
    const now = this.now();
    const prepared = turns.map((t) => {
      const metadata = JSON.stringify(t.metadata);
      return { ...t, metadataJson: metadata, terms: this.memory.terms(t.content), bytes: byteLength(t.content) + byteLength(metadata) };
    });
    const isNew = 'directive' in target;
    const directiveBytes = isNew ? byteLength(target.directive) : 0;
    const total = prepared.reduce((n, t) => n + t.bytes, directiveBytes);
    return this.store.tx(() => {
      const s = this.store.sessions.get(sessionId);
      if (!s) throw sessionNotFound(sessionId);
      if (s.status === 'archived') throw archived(sessionId, operation);
      this.checkQuota(s, total);
      const conv = this.store.conversations;
      let seq: number;
      let id: string;
      if (isNew) {
        id = newId('conv');
        const dTerms = this.memory.terms(target.directive);
        seq = conv.insertConversation({ id, sessionId, directive: target.directive, termCount: dTerms.length, now, bytes: directiveBytes });
        this.store.index.indexConversation(seq, s.key, dTerms);
      } else {
        seq = target.seq;
        id = target.id;
      }
      const stored: StoredTurn[] = [];
      for (const t of prepared) {
        const turnId = newId('turn');
        const r = conv.insertTurn({ id: turnId, conversationSeq: seq, sessionId, agent: t.agent, content: t.content, metadata: t.metadataJson, now, termCount: t.terms.length, bytes: t.bytes });
        this.store.index.indexTurn(r.seq, s.key, t.terms);
        this.learn(sessionId, t.agent, t.content, t.terms, now);
        stored.push({ seq: r.seq, turn_id: turnId, conversation_id: id, turn_number: r.turnNumber, agent: t.agent, content: t.content, created_at: now });
      }
      if (complete) conv.setStatus(seq, 'completed');
      conv.bumpSession(sessionId, isNew ? 1 : 0, stored.length, total, now);
      return { conversationSeq: seq, conversationId: id, turns: stored };
    });
  }

  /** Agents learn from every stored turn: their own (counts, length, topics) and the user's (patterns). */
  private learn(sessionId: string, agent: AgentName, content: string, terms: readonly string[], now: number): void {
    this.store.agents.update(sessionId, agent, now, (st) => recordOwnTurn(st, content, terms));
    if (agent !== 'wykeve') return;
    for (const a of ['beatrice', 'codey'] as const) {
      const { state } = this.store.agents.get(sessionId, a);
      if (learnFromUser(state, content).length) this.store.agents.put(sessionId, a, state, now);
    }
  }
}
