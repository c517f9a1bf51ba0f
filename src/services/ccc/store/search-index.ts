/**
 * The FTS5 side of storage. Index tokens are `<session key><term>` (16 hex digits glued to
 * a term), so a query for one term in one session reads exactly that session's postings,
 * however large the table grows. Lookups run one term at a time: BM25 is a sum over query
 * terms, so the per-term scores add up to the OR query's score, and the number of terms a
 * row matched (the overlap the Jaccard formulas need) falls out of the same pass.
 */
import type { Database, Statement } from 'bun:sqlite';

export interface TermMatch {
  /** Query terms the row contains. */
  overlap: number;
  /** Summed FTS5 bm25() over those terms (more negative = better). */
  bm25: number;
}

type Table = 'turn_index' | 'conversation_index';

/** The FTS5 document for a row: each term prefixed with the session key. */
export function indexDocument(key: string, terms: readonly string[]): string {
  let out = '';
  for (const t of terms) out += (out ? ' ' : '') + key + t;
  return out;
}

/** One quoted FTS5 phrase: whatever the user typed, it can only ever be a literal token. */
export function phrase(key: string, term: string): string {
  return `"${(key + term).replace(/"/g, '""')}"`;
}

export class SearchIndex {
  private readonly insert: Record<Table, Statement<unknown, [{ rowid: number; terms: string }]>>;
  private readonly lookup: Record<Table, Statement<{ rowid: number; score: number }, [{ q: string }]>>;
  private readonly vocab: Statement<{ term: string; doc: number }, [{ lo: string; hi: string; n: number }]>;

  constructor(db: Database) {
    const ins = (t: Table) => db.query<unknown, { rowid: number; terms: string }>(`INSERT INTO ${t} (rowid, terms) VALUES ($rowid, $terms)`);
    const look = (t: Table) => db.query<{ rowid: number; score: number }, { q: string }>(`SELECT rowid, bm25(${t}) AS score FROM ${t} WHERE ${t} MATCH $q`);
    this.insert = { turn_index: ins('turn_index'), conversation_index: ins('conversation_index') };
    this.lookup = { turn_index: look('turn_index'), conversation_index: look('conversation_index') };
    this.vocab = db.query<{ term: string; doc: number }, { lo: string; hi: string; n: number }>(
      'SELECT term, doc FROM turn_vocab WHERE term >= $lo AND term < $hi ORDER BY doc DESC, term LIMIT $n',
    );
  }

  indexTurn(seq: number, key: string, terms: readonly string[]): void {
    if (terms.length) this.insert.turn_index.run({ rowid: seq, terms: indexDocument(key, terms) });
  }

  indexConversation(seq: number, key: string, terms: readonly string[]): void {
    if (terms.length) this.insert.conversation_index.run({ rowid: seq, terms: indexDocument(key, terms) });
  }

  matchTurns(key: string, terms: readonly string[]): Map<number, TermMatch> {
    return this.match('turn_index', key, terms);
  }

  matchConversations(key: string, terms: readonly string[]): Map<number, TermMatch> {
    return this.match('conversation_index', key, terms);
  }

  /** The session's most widespread turn terms, by the number of turns holding each. */
  topTerms(key: string, n: number): { term: string; turns: number }[] {
    // U+10FFFF sorts after every character a term can hold, bounding the session's key range.
    return this.vocab.all({ lo: key, hi: `${key}\u{10FFFF}`, n }).map((r) => ({ term: r.term.slice(key.length), turns: r.doc }));
  }

  private match(table: Table, key: string, terms: readonly string[]): Map<number, TermMatch> {
    const out = new Map<number, TermMatch>();
    const stmt = this.lookup[table];
    for (const t of terms) {
      for (const r of stmt.all({ q: phrase(key, t) })) {
        const m = out.get(r.rowid);
        if (m) {
          m.overlap++;
          m.bm25 += r.score;
        } else out.set(r.rowid, { overlap: 1, bm25: r.score });
      }
    }
    return out;
  }
}
