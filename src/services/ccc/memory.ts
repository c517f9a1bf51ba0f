/**
 * Reads of stored memory: indexed search over turns, relevant earlier conversations, key
 * topics and the session summary. Candidates come from the FTS5 index (never a scan of a
 * session's rows); scores from the relevance engine.
 */
import { rank, relevance, score, type Relevance } from './engine/relevance.ts';
import { conversationSummary, sessionSummary } from './engine/summary.ts';
import { DEFAULT_TERM_OPTIONS, snippet, terms, type TermOptions } from './engine/text.ts';
import type { CccOptions } from './options.ts';
import type { CccStore } from './store/index.ts';
import type { ConversationRow, SessionRow, TurnRow } from './types.ts';

export interface SearchHit {
  turn: TurnRow;
  conversation: ConversationRow;
  rel: Relevance;
  bm25: number;
  snippet: string;
}

export interface RelevantConversation {
  conversation: ConversationRow;
  rel: Relevance;
  summary: string;
}

/**
 * The fewest query terms a row must hold to reach `threshold`: both scores are at most
 * overlap/|Q| (decay ≤ 1; Jaccard's union is at least |Q|). The margin covers rounding.
 */
export function minOverlap(threshold: number, queryTerms: number): number {
  return Math.max(1, Math.ceil((threshold - 1e-4) * queryTerms - 1e-9));
}

export interface SearchParams {
  maxResults: number;
  threshold: number;
  start: number;
  end: number;
  /** Leaves out one conversation (the one a chat is already in). */
  excludeConversationSeq?: number;
}

export class Memory {
  readonly termOptions: TermOptions;
  private readonly topics = new Map<string, { turns: number; terms: string[] }>();
  private readonly summaries = new Map<number, { turns: number; text: string }>();

  constructor(private readonly store: CccStore, private readonly o: CccOptions, private readonly now: () => number) {
    this.termOptions = { ...DEFAULT_TERM_OPTIONS, minLength: o.minTermLength };
  }

  terms(text: string): string[] {
    return terms(text, this.termOptions);
  }

  /** Turns matching `query`, best first, with the number above the threshold before truncation. */
  search(session: SessionRow, query: string, p: SearchParams): { terms: string[]; hits: SearchHit[]; total: number } {
    const q = this.terms(query).slice(0, this.o.maxQueryTerms);
    const now = this.now();
    // With a threshold above 0, turns past the decay window (score 0) cannot qualify: leave them out of the lookup.
    const start = p.threshold > 0 ? Math.max(p.start, now - this.o.searchDecayHours * 3_600_000) : p.start;
    const scored = [];
    for (const h of this.store.index.turns(session.key, q, start, p.end, minOverlap(p.threshold, q.length))) {
      if (h.conversationSeq === p.excludeConversationSeq) continue;
      scored.push({ h, bm25: h.bm25, at: h.at, score: score(q.length, h, now, this.o.searchDecayHours, 'containment') });
    }
    const ranked = rank(scored, p.threshold);
    const top = ranked.slice(0, p.maxResults).map((x) => ({ seq: x.h.seq, conversationSeq: x.h.conversationSeq, bm25: x.bm25, rel: relevance(q.length, x.h, now, this.o.searchDecayHours, 'containment') }));
    const turns = new Map(this.store.conversations.turnsBySeq(top.map((x) => x.seq)).map((t) => [t.seq, t]));
    const convs = new Map(this.store.conversations.conversationsBySeq([...new Set(top.map((x) => x.conversationSeq))]).map((c) => [c.seq, c]));
    const hits = top.map((x) => {
      const turn = turns.get(x.seq)!;
      return { turn, conversation: convs.get(x.conversationSeq)!, rel: x.rel, bm25: x.bm25, snippet: snippet(turn.content, q, this.o.snippetChars) };
    });
    return { terms: q, hits, total: ranked.length };
  }

  /** Earlier conversations whose directive is like `text` (Jaccard × decay ≥ threshold), best first. */
  relevantConversations(session: SessionRow, text: string, threshold: number, limit: number, excludeSeq?: number): RelevantConversation[] {
    const q = this.terms(text).slice(0, this.o.maxQueryTerms * 2);
    const now = this.now();
    const start = threshold > 0 ? now - this.o.contextDecayHours * 3_600_000 : 0;
    const scored = this.store.index.conversations(session.key, q, start, Number.MAX_SAFE_INTEGER, minOverlap(threshold, q.length))
      .filter((h) => h.seq !== excludeSeq)
      .map((h) => ({ ...h, score: score(q.length, h, now, this.o.contextDecayHours, 'jaccard'), rel: relevance(q.length, h, now, this.o.contextDecayHours, 'jaccard') }));
    const top = rank(scored, threshold).slice(0, limit);
    const rows = new Map(this.store.conversations.conversationsBySeq(top.map((x) => x.seq)).map((c) => [c.seq, c]));
    return top.map((x) => {
      const c = rows.get(x.seq)!;
      return { conversation: c, rel: x.rel, summary: this.conversationSummary(c) };
    });
  }

  conversationSummary(c: ConversationRow): string {
    // Built from the latest turns, so it holds until the conversation gets another one.
    const hit = this.summaries.get(c.seq);
    if (hit && hit.turns === c.turn_count) return hit.text;
    const text = this.buildSummary(c);
    if (this.summaries.size >= 10_000) this.summaries.clear();
    this.summaries.set(c.seq, { turns: c.turn_count, text });
    return text;
  }

  private buildSummary(c: ConversationRow): string {
    const last = this.store.conversations.lastTurns(c.seq, 8);
    const agents = [...new Set(last.map((t) => t.agent))];
    const reply = [...last].reverse().find((t) => t.agent !== 'wykeve') ?? null;
    return conversationSummary({ directive: c.directive, turnCount: c.turn_count, agents, lastReply: reply && { agent: reply.agent, content: reply.content } });
  }

  /** Stored key topics, else the terms found in the most turns. */
  keyTopics(session: SessionRow): string[] {
    if (session.key_topics !== null) return JSON.parse(session.key_topics) as string[];
    // Recounted when the session's turns changed by 1 in 20 (a vocabulary scan costs ~0.7 ms
    // per call at a few thousand turns, and one turn rarely moves the top terms).
    const cached = this.topics.get(session.id);
    if (cached && Math.abs(session.turn_count - cached.turns) < Math.max(1, session.turn_count / 20)) return cached.terms;
    const terms = this.store.index.topTerms(session.key, this.o.keyTopics).map((t) => t.term);
    if (this.topics.size >= 10_000) this.topics.clear();
    this.topics.set(session.id, { turns: session.turn_count, terms });
    return terms;
  }

  /** The stored summary; else (auto_summarize) one built from stored data; else the initial context. */
  summary(session: SessionRow): string {
    if (session.summary !== null) return session.summary;
    if (session.auto_summarize !== 1) return session.initial_context;
    const recent = this.store.conversations.recent(session.id, 3);
    return sessionSummary({
      conversationCount: session.conversation_count,
      turnCount: session.turn_count,
      recentDirectives: recent.map((c) => c.directive),
      topics: this.keyTopics(session),
      initialContext: session.initial_context,
    });
  }
}
