/**
 * The FTS5 side of storage. Index tokens are `<session key><term>` (16 hex digits glued to
 * a term), so a query for a term in one session reads exactly that session's postings,
 * however large the table grows. A lookup is one OR query that returns FTS5's bm25() with
 * the row's ranking data (joined by rowid), plus, for multi-term queries, a rowid-only pass
 * per term (about a fifth of the cost of a bm25 pass) that counts how many of the query's
 * terms each row holds: the overlap both relevance formulas need.
 */
import type { Database, Statement } from 'bun:sqlite';

export interface IndexHit {
  seq: number;
  /** Query terms the row holds. */
  overlap: number;
  /** FTS5 bm25() of the OR query (more negative = better). */
  bm25: number;
  /** Time its age is measured from (turn: created_at; conversation: updated_at). */
  at: number;
  termCount: number;
  conversationSeq: number;
}

type Table = 'turn_index' | 'conversation_index';
type Bounds = { q: string; start: number; end: number };

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
  private readonly rowids: Record<Table, Statement<{ rowid: number }, [{ q: string }]>>;
  private readonly ranked: Record<Table, Statement<Omit<IndexHit, 'overlap'>, [Bounds]>>;
  private readonly vocab: Statement<{ term: string; doc: number }, [{ lo: string; hi: string; n: number }]>;

  constructor(db: Database) {
    const ins = (t: Table) => db.query<unknown, { rowid: number; terms: string }>(`INSERT INTO ${t} (rowid, terms) VALUES ($rowid, $terms)`);
    const ids = (t: Table) => db.query<{ rowid: number }, { q: string }>(`SELECT rowid FROM ${t} WHERE ${t} MATCH $q`);
    this.insert = { turn_index: ins('turn_index'), conversation_index: ins('conversation_index') };
    this.rowids = { turn_index: ids('turn_index'), conversation_index: ids('conversation_index') };
    this.ranked = {
      turn_index: db.query<Omit<IndexHit, 'overlap'>, Bounds>(
        `SELECT t.seq AS seq, bm25(turn_index) AS bm25, t.created_at AS at, t.term_count AS termCount, t.conversation_seq AS conversationSeq
         FROM turn_index JOIN turns t ON t.seq = turn_index.rowid WHERE turn_index MATCH $q AND t.created_at BETWEEN $start AND $end`,
      ),
      conversation_index: db.query<Omit<IndexHit, 'overlap'>, Bounds>(
        `SELECT c.seq AS seq, bm25(conversation_index) AS bm25, c.updated_at AS at, c.term_count AS termCount, c.seq AS conversationSeq
         FROM conversation_index JOIN conversations c ON c.seq = conversation_index.rowid WHERE conversation_index MATCH $q AND c.updated_at BETWEEN $start AND $end`,
      ),
    };
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

  /** Turns of the session holding any of `terms`, created within [start, end]. */
  turns(key: string, terms: readonly string[], start: number, end: number): IndexHit[] {
    return this.lookup('turn_index', key, terms, start, end);
  }

  /** Conversations whose directive holds any of `terms`, last active within [start, end]. */
  conversations(key: string, terms: readonly string[], start: number, end: number): IndexHit[] {
    return this.lookup('conversation_index', key, terms, start, end);
  }

  /** The session's most widespread turn terms, by the number of turns holding each. */
  topTerms(key: string, n: number): { term: string; turns: number }[] {
    // U+10FFFF sorts after every character a term can hold, bounding the session's key range.
    return this.vocab.all({ lo: key, hi: `${key}\u{10FFFF}`, n }).map((r) => ({ term: r.term.slice(key.length), turns: r.doc }));
  }

  private lookup(table: Table, key: string, terms: readonly string[], start: number, end: number): IndexHit[] {
    if (terms.length === 0) return [];
    const rows = this.ranked[table].all({ q: terms.map((t) => phrase(key, t)).join(' OR '), start, end }) as IndexHit[];
    if (terms.length === 1) {
      for (const r of rows) r.overlap = 1;
      return rows;
    }
    const overlap = new Map<number, number>();
    for (const t of terms) for (const { rowid } of this.rowids[table].all({ q: phrase(key, t) })) overlap.set(rowid, (overlap.get(rowid) ?? 0) + 1);
    for (const r of rows) r.overlap = overlap.get(r.seq) ?? 1;
    return rows;
  }
}
