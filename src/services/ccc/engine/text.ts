/**
 * Word sets and the REFERENCE §5 relevance: lower-cased words of 3+ characters minus stop
 * words, Jaccard similarity, linear time decay. Pure: no clock, no I/O.
 */

/** Common English function words; they carry no topic and would make every index lookup huge. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all am an and any are aren as at be because been before being below between both but by ' +
    'can cannot could did do does doing don down during each few for from further had has have having he her here hers herself ' +
    'him himself his how i if in into is isn it its itself just let me more most my myself no nor not now of off on once only or ' +
    'other ought our ours ourselves out over own same she should so some such than that the their theirs them themselves then ' +
    'there these they this those through to too under until up very was we were what when where which while who whom why will ' +
    'with would you your yours yourself yourselves also get got like make made may might must need please shall still thing things ' +
    'use used using want way well yes yet via per etc'
  ).split(' '),
);

export interface TermOptions {
  /** Shortest word kept (REFERENCE §5: 3). */
  minLength: number;
  stopWords: ReadonlySet<string>;
  /** Longest word kept; longer runs (hashes, base64) are noise in an index. */
  maxLength: number;
}

export const DEFAULT_TERM_OPTIONS: TermOptions = { minLength: 3, stopWords: STOP_WORDS, maxLength: 40 };

const WORD = /[\p{L}\p{N}]+/gu;

/**
 * Folds English plurals onto their singular (Harman's "S" stemmer: queries → query,
 * classes → class, functions → function; status, analysis and class stay), so a search
 * for "python functions" finds "a python function". Words stay readable as key topics.
 */
export function singular(w: string): string {
  if (w.length <= 3 || !w.endsWith('s') || /\d/.test(w)) return w;
  if (w.endsWith('ies') && w.length > 4 && !/[ae]ies$/.test(w)) return `${w.slice(0, -3)}y`;
  if (/(ss|us|is|ous)$/.test(w)) return w;
  if (/(sses|xes|ches|shes|zzes)$/.test(w)) return w.slice(0, -2);
  if (/[^aeiou]ies$/.test(w) || w.endsWith('es') && /(oes)$/.test(w)) return w.slice(0, -2);
  return w.slice(0, -1);
}

/** Distinct terms (lower-cased, plural-folded, stop words and short words dropped) in order of first appearance. */
export function terms(text: string, o: TermOptions = DEFAULT_TERM_OPTIONS): string[] {
  const seen = new Set<string>();
  for (const m of text.toLowerCase().matchAll(WORD)) {
    const w = m[0];
    if (w.length < o.minLength || w.length > o.maxLength || o.stopWords.has(w)) continue;
    const t = singular(w);
    if (!o.stopWords.has(t)) seen.add(t);
  }
  return [...seen];
}

/** |A ∩ B| / |A ∪ B| from the sizes and the overlap (0 when both are empty). */
export function jaccardFromCounts(sizeA: number, sizeB: number, overlap: number): number {
  const union = sizeA + sizeB - overlap;
  return union <= 0 ? 0 : overlap / union;
}

export function jaccard(a: readonly string[], b: readonly string[]): number {
  const sb = new Set(b);
  let overlap = 0;
  for (const x of new Set(a)) if (sb.has(x)) overlap++;
  return jaccardFromCounts(new Set(a).size, sb.size, overlap);
}

/** max(0, 1 − age_hours / window_hours); a future timestamp counts as age 0. */
export function timeDecay(ageMs: number, windowHours: number): number {
  if (!(windowHours > 0)) return 0;
  const hours = Math.max(0, ageMs) / 3_600_000;
  return Math.max(0, 1 - hours / windowHours);
}

export function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * A window of `text` around the first whole-word occurrence of a query term, cut at word
 * boundaries, with ellipses where it was cut; the text's start when no term occurs.
 */
export function snippet(text: string, queryTerms: readonly string[], width = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= width) return flat;
  const lower = flat.toLowerCase();
  let at = -1;
  for (const t of queryTerms) {
    const re = new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(t)}(?![\\p{L}\\p{N}])`, 'u');
    const m = re.exec(lower);
    if (m && (at < 0 || m.index < at)) at = m.index;
  }
  let start = at < 0 ? 0 : Math.max(0, at - Math.floor(width / 4));
  if (start > 0) {
    const space = flat.indexOf(' ', start);
    start = space >= 0 && space < at ? space + 1 : start;
  }
  let end = Math.min(flat.length, start + width);
  if (end < flat.length) {
    const space = flat.lastIndexOf(' ', end);
    if (space > start + width / 2) end = space;
  }
  return `${start > 0 ? '...' : ''}${flat.slice(start, end)}${end < flat.length ? '...' : ''}`;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** UTF-8 size, the unit of the storage quota. */
export function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
