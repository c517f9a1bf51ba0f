/**
 * Reads of the SQLite log, on the main thread's own connection (WAL readers never wait
 * for the writer). One topic or one game is looked up in topic_seq / game_seq up to the
 * sequence the writer has filled them to, and the few events after it are scanned.
 * Other scans are bounded by `maxScan` sequences and hand back a cursor, so no request
 * does unbounded work.
 */
import type { Database, Statement } from 'bun:sqlite';
import { INDEXED_UPTO } from './schema.ts';
import type { ReadQuery, ReadResult, StoredEvent } from './types.ts';

interface Row {
  seq: number;
  topic_id: number;
  game: number;
  part: number;
  type: number;
  time_ms: number;
  received_ms: number;
  record: Uint8Array;
}

export interface NameMaps {
  topicIds: Map<string, number>;
  topicNames: Map<number, string>;
  gameIds: Map<string, number>;
  gameNames: Map<number, string>;
}

export class LogReader {
  private readonly stmts = new Map<string, Statement<Row, (number | string)[]>>();
  private readonly receivedAt: Statement<{ received_ms: number }, [number]>;
  private readonly indexedUpto: Statement<{ value: string }, [string]>;

  constructor(
    private readonly db: Database,
    private readonly names: NameMaps,
    private readonly o: { clockSkewMs: number; latenessMs: number },
  ) {
    this.receivedAt = db.query<{ received_ms: number }, [number]>('SELECT received_ms FROM events WHERE seq = ?');
    this.indexedUpto = db.query<{ value: string }, [string]>('SELECT value FROM meta WHERE key = ?');
  }

  /** First sequence whose receive time is at or after `ms` (rows are contiguous and rise with receive time). */
  private seqAtReceived(ms: number, first: number, last: number): number {
    let lo = first;
    let hi = last + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const r = this.receivedAt.get(mid);
      if (!r) {
        lo = mid + 1;
        continue;
      }
      if (r.received_ms < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private statement(sql: string): Statement<Row, (number | string)[]> {
    let st = this.stmts.get(sql);
    if (!st) {
      st = this.db.query<Row, (number | string)[]>(sql);
      this.stmts.set(sql, st);
    }
    return st;
  }

  read(q: ReadQuery, first: number, last: number): ReadResult {
    const desc = q.descending === true;
    let lo = Math.max(q.after ?? 0, first - 1);
    let hi = Math.min(q.before ?? Infinity, last + 1);
    if (q.fromMs !== undefined) lo = Math.max(lo, this.seqAtReceived(q.fromMs - this.o.clockSkewMs, first, last) - 1);
    if (q.toMs !== undefined) hi = Math.min(hi, this.seqAtReceived(q.toMs + this.o.latenessMs + 1, first, last));
    const empty: ReadResult = { events: [], next: null };
    if (hi - lo <= 1) return empty;

    /** Conditions on `events` columns, written for a given table alias prefix. */
    const where: ((p: string) => string)[] = [];
    const args: number[] = [];
    /** The lookup table to follow, and the id to look up. */
    let lookup: { table: 'topic_seq' | 'game_seq'; column: 'topic_id' | 'game'; id: number } | null = null;
    if (q.topics !== undefined) {
      const ids = q.topics.map((t) => this.names.topicIds.get(t)).filter((x): x is number => x !== undefined);
      if (ids.length === 0) return empty;
      if (ids.length === 1) {
        where.push((p) => `${p}topic_id = ?`);
        args.push(ids[0]!);
        lookup = { table: 'topic_seq', column: 'topic_id', id: ids[0]! };
      } else where.push((p) => `${p}topic_id IN (${ids.join(',')})`);
    }
    if (q.gameId !== undefined) {
      const g = this.names.gameIds.get(q.gameId);
      if (g === undefined) return empty;
      where.push((p) => `${p}game = ?`);
      args.push(g);
      lookup = { table: 'game_seq', column: 'game', id: g };
    }
    if (q.types !== undefined) {
      if (q.types.length === 0) return empty;
      const types = q.types.map((t) => Math.trunc(t)).join(',');
      where.push((p) => `${p}type IN (${types})`);
    }
    if (q.partition !== undefined) {
      where.push((p) => `${p}part = ?`);
      args.push(q.partition);
    }
    if (q.fromMs !== undefined) {
      where.push((p) => `${p}time_ms >= ?`);
      args.push(q.fromMs);
    }
    if (q.toMs !== undefined) {
      where.push((p) => `${p}time_ms <= ?`);
      args.push(q.toMs);
    }
    const filterOn = (p: string): string => where.map((w) => ` AND ${w(p)}`).join('');
    const filter = filterOn('');
    const order = desc ? 'DESC' : 'ASC';
    const scan = (a: number, b: number, limit: number): Row[] =>
      this.statement(`SELECT seq, topic_id, game, part, type, time_ms, received_ms, record FROM events WHERE seq > ? AND seq < ?${filter} ORDER BY seq ${order} LIMIT ?`).all(a, b, ...args, limit);

    if (lookup !== null) {
      // Up to `upTo` the lookup table holds every event; after it, scan (the writer keeps that tail short).
      const upTo = Number(this.indexedUpto.get(INDEXED_UPTO)?.value ?? '0');
      const { table, column, id } = lookup;
      const looked = (a: number, b: number, limit: number): Row[] =>
        b - a <= 1 ? [] : this.statement(
          `SELECT e.seq, e.topic_id, e.game, e.part, e.type, e.time_ms, e.received_ms, e.record FROM ${table} x CROSS JOIN events e ON e.seq = x.seq ` +
          `WHERE x.${column} = ? AND x.seq > ? AND x.seq < ?${filterOn('e.')} ORDER BY x.seq ${order} LIMIT ?`,
        ).all(id, a, b, ...args, limit);
      const tail = (a: number, b: number, limit: number): Row[] => (b - a <= 1 ? [] : scan(a, b, limit));
      const split = Math.min(Math.max(upTo, lo), hi - 1);
      let rows = desc ? tail(split, hi, q.limit) : looked(lo, split + 1, q.limit);
      if (rows.length < q.limit) rows = rows.concat(desc ? looked(lo, split + 1, q.limit - rows.length) : tail(split, hi, q.limit - rows.length));
      const events = rows.map((r) => this.toStored(r));
      return { events, next: events.length === q.limit ? events[events.length - 1]!.seq : null };
    }
    // Without a lookup to follow, scan a bounded range of sequences and hand back a cursor.
    let truncated = false;
    const maxScan = q.maxScan ?? Infinity;
    if (hi - lo - 1 > maxScan) {
      truncated = true;
      if (desc) lo = hi - maxScan - 1;
      else hi = lo + maxScan + 1;
    }
    const rows = scan(lo, hi, q.limit);
    const events = rows.map((r) => this.toStored(r));
    let next: number | null = null;
    if (events.length === q.limit) next = events[events.length - 1]!.seq;
    else if (truncated) next = desc ? lo + 1 : hi - 1;
    return { events, next };
  }

  private toStored(r: Row): StoredEvent {
    return { seq: r.seq, topic: this.names.topicNames.get(r.topic_id) ?? '', partition: r.part, gameId: r.game === 0 ? '' : (this.names.gameNames.get(r.game) ?? ''), type: r.type, timeMs: r.time_ms, receivedMs: r.received_ms, record: r.record };
  }

  close(): void {
    for (const st of this.stmts.values()) st.finalize();
    this.receivedAt.finalize();
    this.indexedUpto.finalize();
  }
}
