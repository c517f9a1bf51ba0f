/**
 * The FTS5 side of storage. Index tokens are `<session key><term>` (16 hex digits glued to
 * a term), so a query for a term in one session reads exactly that session's postings,
 * however large the table grows. Every lookup is a rowid-only pass per query term (which
 * rows hold it: the overlap both relevance formulas need, and the term's document
 * frequency) plus one OR query joined to the rows' ranking data.
 *
 * BM25 is FTS5's own formula and constants (k1 1.2, b 0.75), evaluated here from those
 * passes: an index document is a set of distinct terms (tf = 1), so a row's score needs only
 * the IDF of the terms it holds, its length and the index's row and token totals (kept by
 * triggers in index_stats). It equals FTS5's bm25() (tested) at a fraction of its cost:
 * bm25() re-reads statistics per row, ~1 µs per row and term, which for the most common
 * words of a 1,000-turn session doubled a search.
 */
import type { Database, Statement } from 'bun:sqlite';

export interface IndexHit {
  seq: number;
  /** Query terms the row holds. */
  overlap: number;
  /** BM25 of the OR of the query terms, FTS5 sign convention (more negative = better). */
  bm25: number;
  /** Time its age is measured from (turn: created_at; conversation: updated_at). */
  at: number;
  termCount: number;
  conversationSeq: number;
}

type Table = 'turn_index' | 'conversation_index';
type Head = Omit<IndexHit, 'overlap' | 'bm25'>;
type Bounds = { q: string; start: number; end: number };
type Listed = { ids: string; start: number; end: number };

/**
 * Reading a row by id costs about twice what the join over the OR query costs per matched
 * row (measured: ~0.9 vs ~0.5 µs), so candidates are read by id when there are at most half
 * as many as the join would read.
 */
const BY_ID_SHARE = 0.5;

const K1 = 1.2;
const B = 0.75;

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

/** FTS5's IDF: log((N − n + 0.5) / (n + 0.5)), floored at 1e-6. */
export function idf(rows: number, hits: number): number {
  const x = Math.log((rows - hits + 0.5) / (hits + 0.5));
  return x <= 0 ? 1e-6 : x;
}

export class SearchIndex {
  private readonly insert: Record<Table, Statement<unknown, [{ rowid: number; terms: string }]>>;
  private readonly rowids: Record<Table, Statement<{ rowid: number }, [{ q: string }]>>;
  private readonly heads: Record<Table, Statement<Head, [Bounds]>>;
  private readonly headsById: Record<Table, Statement<Head, [Listed]>>;
  private readonly totals: Statement<{ rows: number; tokens: number }, [{ name: string }]>;
  private readonly vocab: Statement<{ term: string; doc: number }, [{ lo: string; hi: string; n: number }]>;

  constructor(db: Database) {
    const ins = (t: Table) => db.query<unknown, { rowid: number; terms: string }>(`INSERT INTO ${t} (rowid, terms) VALUES ($rowid, $terms)`);
    const ids = (t: Table) => db.query<{ rowid: number }, { q: string }>(`SELECT rowid FROM ${t} WHERE ${t} MATCH $q`);
    this.insert = { turn_index: ins('turn_index'), conversation_index: ins('conversation_index') };
    this.rowids = { turn_index: ids('turn_index'), conversation_index: ids('conversation_index') };
    this.heads = {
      turn_index: db.query<Head, Bounds>(
        `SELECT t.seq AS seq, t.created_at AS at, t.term_count AS termCount, t.conversation_seq AS conversationSeq
         FROM turn_index JOIN turns t ON t.seq = turn_index.rowid WHERE turn_index MATCH $q AND t.created_at BETWEEN $start AND $end`,
      ),
      conversation_index: db.query<Head, Bounds>(
        `SELECT c.seq AS seq, c.updated_at AS at, c.term_count AS termCount, c.seq AS conversationSeq
         FROM conversation_index JOIN conversations c ON c.seq = conversation_index.rowid WHERE conversation_index MATCH $q AND c.updated_at BETWEEN $start AND $end`,
      ),
    };
    this.headsById = {
      turn_index: db.query<Head, Listed>(
        `SELECT seq, created_at AS at, term_count AS termCount, conversation_seq AS conversationSeq FROM turns
         WHERE seq IN (SELECT value FROM json_each($ids)) AND created_at BETWEEN $start AND $end`,
      ),
      conversation_index: db.query<Head, Listed>(
        `SELECT seq, updated_at AS at, term_count AS termCount, seq AS conversationSeq FROM conversations
         WHERE seq IN (SELECT value FROM json_each($ids)) AND updated_at BETWEEN $start AND $end`,
      ),
    };
    this.totals = db.query<{ rows: number; tokens: number }, { name: string }>('SELECT rows, tokens FROM index_stats WHERE name = $name');
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

  /**
   * Turns of the session holding at least `minOverlap` of `terms`, created within [start, end].
   * (A caller with a threshold knows a score never exceeds overlap/|terms|: rows below it are
   * left unread.)
   */
  turns(key: string, terms: readonly string[], start: number, end: number, minOverlap = 1): IndexHit[] {
    return this.lookup('turn_index', 'turn', key, terms, start, end, minOverlap);
  }

  /** Conversations whose directive holds at least `minOverlap` of `terms`, last active within [start, end]. */
  conversations(key: string, terms: readonly string[], start: number, end: number, minOverlap = 1): IndexHit[] {
    return this.lookup('conversation_index', 'conversation', key, terms, start, end, minOverlap);
  }

  /** The session's most widespread turn terms, by the number of turns holding each. */
  topTerms(key: string, n: number): { term: string; turns: number }[] {
    // U+10FFFF sorts after every character a term can hold, bounding the session's key range.
    return this.vocab.all({ lo: key, hi: `${key}\u{10FFFF}`, n }).map((r) => ({ term: r.term.slice(key.length), turns: r.doc }));
  }

  private lookup(table: Table, stats: string, key: string, terms: readonly string[], start: number, end: number, minOverlap: number): IndexHit[] {
    if (terms.length === 0) return [];
    const { rows: n, tokens } = this.totals.get({ name: stats }) ?? { rows: 0, tokens: 0 };
    const lists = terms.map((t) => this.rowids[table].all({ q: phrase(key, t) })).sort((a, b) => a.length - b.length);
    // A row holding minOverlap of the k terms holds one of any k − minOverlap + 1 of them, so
    // only the rarest that many lists make candidates; the others just add to their counts.
    const seeding = Math.max(1, lists.length - minOverlap + 1);
    const per = new Map<number, { overlap: number; idf: number }>();
    lists.forEach((ids, i) => {
      const w = idf(n, ids.length);
      for (const { rowid } of ids) {
        const p = per.get(rowid);
        if (p) {
          p.overlap++;
          p.idf += w;
        } else if (i < seeding) per.set(rowid, { overlap: 1, idf: w });
      }
    });
    if (minOverlap > 1) for (const [id, p] of per) if (p.overlap < minOverlap) per.delete(id);
    if (per.size === 0) return [];
    const avgdl = n > 0 ? tokens / n : 1;
    // The OR join reads every row holding a term: at least as many as the longest list.
    const heads = per.size <= lists[lists.length - 1]!.length * BY_ID_SHARE
      ? this.headsById[table].all({ ids: JSON.stringify([...per.keys()]), start, end })
      : this.heads[table].all({ q: terms.map((t) => phrase(key, t)).join(' OR '), start, end });
    const hits: IndexHit[] = [];
    for (const h of heads) {
      const p = per.get(h.seq);
      if (!p) continue;
      hits.push({ ...h, overlap: p.overlap, bm25: (-p.idf * (K1 + 1)) / (1 + K1 * (1 - B + (B * h.termCount) / avgdl)) });
    }
    return hits;
  }
}
