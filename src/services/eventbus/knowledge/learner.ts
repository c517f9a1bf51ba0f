/**
 * Builds the graph from the bus: GAME_STATE, JOKERS_CHANGED, PHASE_CHANGED and
 * HAND_PLAYED events fill game sessions, ROUND_COMPLETE adds round scores, a
 * STRATEGY_RESPONSE tags the game's strategy, a finished game feeds the synergy tallies,
 * and KNOWLEDGE_UPDATE events (UpdateKnowledge, the GraphQL mutation, any producer)
 * change nodes and edges. One transaction per batch holds the changes and the position.
 */
import type { StoredEvent } from '../log/types.ts';
import { payloadOf, strOf } from '../bus-io/event-json.ts';
import { litePayload, sourceOfRecord } from '../bus-io/lite.ts';
import { isJsonObject } from '../wire/struct.ts';
import { applyRoundComplete, applyState, finish, newSession, type EndSignal, type Session } from './engine/sessions.ts';
import { normalizeUpdate, type Known } from './engine/updates.ts';
import type { KnowledgeGraph } from './graph.ts';
import type { Change } from './types.ts';

export const KNOWLEDGE_TOPICS = ['game.state.>', 'game.jokers.changed', 'game.phase.changed', 'game.hand.played', 'game.round.complete', 'strategy.response', 'knowledge.update'];

export interface Applied {
  /** KNOWLEDGE_UPDATE events by sequence: applied, or refused with the reasons. */
  updates: Map<number, { ok: boolean; errors: string[]; changes: number }>;
}

export class KnowledgeLearner {
  private readonly active = new Map<string, Session>();
  private readonly lastBySource = new Map<string, string>();
  readonly known: Known;
  rejectedUpdates = 0;

  constructor(
    private readonly graph: KnowledgeGraph,
    private readonly winAnte: number,
    private readonly onChanges: (changes: Change[], version: number, through: number) => void,
    private readonly onRejected: (seq: number, errors: string[]) => void,
  ) {
    this.known = { joker: (n) => graph.canonicalJoker(n), strategy: (n) => graph.strategy(n)?.name ?? null };
    this.restore();
  }

  /** Unfinished sessions come back from the store (after a restart or a failed batch). */
  restore(): void {
    this.active.clear();
    this.lastBySource.clear();
    const open = this.graph.store.sessions(10_000, false).sort((a, b) => a.last_ms - b.last_ms);
    for (const s of open) {
      this.active.set(s.session_id, s);
      this.lastBySource.set(s.source, s.session_id);
    }
  }

  activeSessions(): number {
    return this.active.size;
  }

  handle(events: StoredEvent[], through: number): Applied {
    const changes: Change[] = [];
    const dirty = new Set<Session>();
    const updates: Applied['updates'] = new Map();
    const rejected: [number, string[]][] = [];
    this.graph.store.transaction(() => {
      for (const e of events) this.one(e, changes, dirty, updates, rejected);
      for (const s of dirty) this.graph.store.saveSession(s);
      this.graph.store.setMeta('position', through);
      if (changes.length) this.graph.store.setMeta('version', this.graph.version + 1);
    });
    this.graph.position = through;
    if (changes.length) this.graph.version++;
    for (const [seq, errs] of rejected) this.onRejected(seq, errs);
    if (changes.length) this.onChanges(changes, this.graph.version, through);
    return { updates };
  }

  private one(e: StoredEvent, out: Change[], dirty: Set<Session>, updates: Applied['updates'], rejected: [number, string[]][]): void {
    // Updates are read whole; game events only for the fields sessions use.
    const p = e.topic === 'knowledge.update' ? payloadOf(e) : litePayload(e);
    if (e.topic === 'knowledge.update') {
      const r = normalizeUpdate(p, this.known);
      if (!r.ok) {
        this.rejectedUpdates++;
        rejected.push([e.seq, r.errors]);
        updates.set(e.seq, { ok: false, errors: r.errors, changes: 0 });
        return;
      }
      const before = out.length;
      this.graph.applyUpdate(r.update, out);
      for (const g of r.update.games) out.push({ kind: 'session', session_id: g.session_id, ended: true, won: g.won, final_ante: g.final_ante, final_score: g.final_score, jokers: g.jokers });
      updates.set(e.seq, { ok: true, errors: [], changes: out.length - before });
      return;
    }
    const gameId = e.gameId || strOf(p.game_id) || '';
    if (e.topic === 'strategy.response') {
      const s = gameId ? this.active.get(gameId) : undefined;
      const strat = isJsonObject(p.strategy) ? strOf(p.strategy.name) : strOf(p.strategy);
      if (s && strat && p.fallback !== true) {
        s.strategy = strat;
        dirty.add(s);
      }
      return;
    }
    if (gameId === '' || gameId === 'unknown') return;
    const s = this.session(gameId, sourceOfRecord(e), e.timeMs, out, dirty);
    if (!s) return;
    let signal: EndSignal = null;
    if (e.topic === 'game.round.complete') signal = applyRoundComplete(s, p, e.timeMs);
    else {
      signal = applyState(s, p, e.timeMs, (n) => this.graph.ensureJoker(n));
      if (e.topic === 'game.hand.played') {
        const hand = strOf(p.hand_type) ?? strOf(p.poker_hand) ?? strOf(p.hand_name);
        if (hand) this.graph.handPlayed(hand, out);
      }
    }
    dirty.add(s);
    if (signal) this.end(s, signal, out);
  }

  private session(gameId: string, source: string, timeMs: number, out: Change[], dirty: Set<Session>): Session | null {
    const cur = this.active.get(gameId);
    if (cur) return cur;
    const stored = this.graph.store.session(gameId);
    // Events after a game ended (the game screen keeps sending state) change nothing.
    if (stored?.ended) return null;
    const s = stored ?? newSession(gameId, source, timeMs);
    const prev = this.lastBySource.get(source);
    if (prev !== undefined && prev !== gameId) {
      const p = this.active.get(prev);
      if (p) {
        this.end(p, 'superseded', out);
        dirty.add(p);
      }
    }
    this.lastBySource.set(source, gameId);
    this.active.set(gameId, s);
    dirty.add(s);
    return s;
  }

  private end(s: Session, signal: 'won' | 'lost' | 'superseded', out: Change[]): void {
    finish(s, signal, this.winAnte);
    this.active.delete(s.session_id);
    if (this.lastBySource.get(s.source) === s.session_id) this.lastBySource.delete(s.source);
    this.graph.store.saveSession(s);
    if (s.jokers.length > 0) this.graph.learnGame({ jokers: s.jokers, final_score: s.final_score, final_ante: s.final_ante, won: s.won === true, strategy: s.strategy ?? '' }, out);
    out.push({ kind: 'session', session_id: s.session_id, ended: true, won: s.won, final_ante: s.final_ante, final_score: s.final_score, jokers: s.jokers });
  }
}
