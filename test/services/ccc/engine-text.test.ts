import { describe, expect, test } from 'bun:test';
import { jaccard, jaccardFromCounts, singular, snippet, terms, timeDecay } from '../../../src/services/ccc/engine/text.ts';
import { rank, relevance, score } from '../../../src/services/ccc/engine/relevance.ts';
import { minOverlap } from '../../../src/services/ccc/memory.ts';

describe('terms', () => {
  test('lower-cased words of 3+ characters, stop words dropped, plurals folded, each once in order', () => {
    // "apis" ends like "analysis" and is kept as it is.
    expect(terms('The Python functions and THE python Function: a to-do list of APIs, v2 & C++')).toEqual(['python', 'function', 'list', 'apis']);
  });

  test('unicode letters and digits are word characters; punctuation and FTS5 operators are not', () => {
    expect(terms('café naïve 2024 "quoted" NEAR(x y) col:val *star* ^caret')).toEqual(['café', 'naïve', '2024', 'quoted', 'near', 'col', 'val', 'star', 'caret']);
  });

  test('plural folding keeps words that only look plural', () => {
    expect(['functions', 'queries', 'classes', 'status', 'analysis', 'boxes', 'bus', 'numbers', 'tests'].map(singular)).toEqual(['function', 'query', 'class', 'status', 'analysis', 'box', 'bus', 'number', 'test']);
  });
});

describe('REFERENCE §5 relevance', () => {
  test('Jaccard is overlap over union of the word sets', () => {
    expect(jaccard(['a1x', 'b2x', 'c3x'], ['b2x', 'c3x', 'd4x'])).toBe(0.5);
    expect(jaccardFromCounts(6, 5, 5)).toBeCloseTo(5 / 6, 12);
    expect(jaccardFromCounts(0, 0, 0)).toBe(0);
  });

  test('time decay is 1 − age_hours / window, never below 0 and 1 for future times', () => {
    expect(timeDecay(0, 24)).toBe(1);
    expect(timeDecay(6 * 3_600_000, 24)).toBe(0.75);
    expect(timeDecay(48 * 3_600_000, 24)).toBe(0);
    expect(timeDecay(-5000, 24)).toBe(1);
    expect(timeDecay(1000, 0)).toBe(0);
  });

  test('conversations score Jaccard × decay; search hits score containment × decay', () => {
    const c = { overlap: 2, bm25: -1, termCount: 8, at: 0 };
    const now = 12 * 3_600_000;
    expect(relevance(2, c, now, 24, 'jaccard')).toEqual({ score: 0.125, jaccard: 0.25, coverage: 1, decay: 0.5 });
    expect(relevance(2, c, now, 24, 'containment').score).toBe(0.5);
    expect([score(2, c, now, 24, 'jaccard'), score(2, c, now, 24, 'containment')]).toEqual([0.125, 0.5]);
  });

  test('rows holding fewer than minOverlap query terms can never reach the threshold', () => {
    expect([minOverlap(0.7, 5), minOverlap(0.6, 5), minOverlap(0, 3), minOverlap(1, 3), minOverlap(0.5, 2)]).toEqual([4, 3, 1, 3, 1]);
    // exhaustively: every row below the bound scores under the threshold, for both formulas
    for (let q = 1; q <= 8; q++) for (const th of [0.1, 0.25, 0.5, 0.6, 0.7, 0.9, 1]) {
      const m = minOverlap(th, q);
      for (let o = 1; o < m; o++) for (const t of [o, o + 3, 40]) {
        expect(score(q, { overlap: o, bm25: 0, termCount: t, at: 0 }, 0, 24, 'containment')).toBeLessThan(th);
        expect(score(q, { overlap: o, bm25: 0, termCount: t, at: 0 }, 0, 24, 'jaccard')).toBeLessThan(th);
      }
    }
  });

  test('rank keeps scores at or above the threshold, best first, BM25 then recency breaking ties', () => {
    const r = (score: number, bm25: number, at: number) => ({ score, bm25, at, id: `${score}/${bm25}/${at}` });
    const out = rank([r(0.5, -1, 1), r(0.9, -1, 1), r(0.5, -3, 1), r(0.5, -3, 9), r(0.2, -9, 9)], 0.5);
    expect(out.map((x) => x.id)).toEqual(['0.9/-1/1', '0.5/-3/9', '0.5/-3/1', '0.5/-1/1']);
  });
});

describe('snippet', () => {
  const long = `${'Intro words here. '.repeat(20)}The key python function appears here in the middle of the text. ${'Trailing filler. '.repeat(20)}`;

  test('short text comes back whole, whitespace collapsed', () => {
    expect(snippet('a  short\n text', ['short'])).toBe('a short text');
  });

  test('a window around the first whole-word match, with ellipses where cut', () => {
    const s = snippet(long, ['python'], 80);
    expect(s).toStartWith('...');
    expect(s).toEndWith('...');
    expect(s).toContain('python function');
    expect(s.length).toBeLessThanOrEqual(86);
  });

  test('without a match the start of the text', () => {
    expect(snippet(long, ['absent'], 40)).toStartWith('Intro words here.');
  });
});
