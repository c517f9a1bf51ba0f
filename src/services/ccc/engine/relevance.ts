/**
 * REFERENCE §5 relevance for ranked candidates. Conversations (directive against directive)
 * score Jaccard × time decay. Turns found by a search score the query's containment in the
 * turn (|Q∩T|/|Q|, the query-side Jaccard) × time decay: symmetric Jaccard of a two-word query
 * against a 60-word turn is at most 0.03, which would make every threshold meaningless.
 * BM25 from the index orders equal scores. Pure.
 */
import { jaccardFromCounts, round, timeDecay } from './text.ts';

export interface Candidate {
  /** Query terms the candidate holds. */
  overlap: number;
  bm25: number;
  /** Distinct terms of the candidate. */
  termCount: number;
  /** Time its age is measured from. */
  at: number;
}

export interface Relevance {
  score: number;
  jaccard: number;
  coverage: number;
  decay: number;
}

export function relevance(queryTerms: number, c: Candidate, now: number, decayHours: number, kind: 'jaccard' | 'containment'): Relevance {
  const jaccard = jaccardFromCounts(queryTerms, c.termCount, c.overlap);
  const coverage = queryTerms > 0 ? c.overlap / queryTerms : 0;
  const decay = timeDecay(now - c.at, decayHours);
  const base = kind === 'jaccard' ? jaccard : coverage;
  return { score: round(base * decay), jaccard: round(jaccard), coverage: round(coverage), decay: round(decay) };
}

/** Just the score of `relevance` (hot path: one per candidate row). */
export function score(queryTerms: number, c: Candidate, now: number, decayHours: number, kind: 'jaccard' | 'containment'): number {
  const base = kind === 'jaccard' ? jaccardFromCounts(queryTerms, c.termCount, c.overlap) : queryTerms > 0 ? c.overlap / queryTerms : 0;
  return round(base * timeDecay(now - c.at, decayHours));
}

/** Keeps candidates at or above `threshold`, best first (score, then BM25, then newest). */
export function rank<T extends { score: number; bm25: number; at: number }>(xs: T[], threshold: number): T[] {
  return xs.filter((x) => x.score >= threshold).sort((a, b) => b.score - a.score || a.bm25 - b.bm25 || b.at - a.at);
}
