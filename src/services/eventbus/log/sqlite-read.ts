/**
 * Reads of the SQLite log, on the main thread's own connection (WAL readers never wait
 * for the writer). Scans without an index to follow are bounded by `maxScan` sequences
 * and hand back a cursor, so no request does unbounded work.
 */
import type { Database, Statement } from 'bun:sqlite';
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

  constructor(
    private readonly db: Database,
    private readonly names: NameMaps,
    private readonly o: { clockSkewMs: number; latenessMs: number },
  ) {
    this.receivedAt = db.query<{ received_ms: number }, [number]>('SELECT received_ms FROM events WHERE seq = ?');
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

    const where: string[] = [];
    const args: number[] = [];
    let indexed = false;
    if (q.topics !== undefined) {
      const ids = q.topics.map((t) => this.names.topicIds.get(t)).filter((x): x is number => x !== undefined);
      if (ids.length === 0) return empty;
      if (ids.length === 1) {
        where.push('topic_id = ?');
        args.push(ids[0]!);
        indexed = true;
      } else where.push(`topic_id IN (${ids.join(',')})`);
    }
    if (q.gameId !== undefined) {
      const g = this.names.gameIds.get(q.gameId);
      if (g === undefined) return empty;
      where.push('game = ?');
      args.push(g);
      indexed = true;
    }
    if (q.types !== undefined) {
      if (q.types.length === 0) return empty;
      where.push(`type IN (${q.types.map((t) => Math.trunc(t)).join(',')})`);
    }
    if (q.partition !== undefined) {
      where.push('part = ?');
      args.push(q.partition);
    }
    if (q.fromMs !== undefined) {
      where.push('time_ms >= ?');
      args.push(q.fromMs);
    }
    if (q.toMs !== undefined) {
      where.push('time_ms <= ?');
      args.push(q.toMs);
    }
    // Without an index to follow, scan a bounded range of sequences and hand back a cursor.
    let truncated = false;
    const maxScan = q.maxScan ?? Infinity;
    if (!indexed && hi - lo - 1 > maxScan) {
      truncated = true;
      if (desc) lo = hi - maxScan - 1;
      else hi = lo + maxScan + 1;
    }
    const sql = `SELECT seq, topic_id, game, part, type, time_ms, received_ms, record FROM events WHERE seq > ? AND seq < ?${where.length ? ` AND ${where.join(' AND ')}` : ''} ORDER BY seq ${desc ? 'DESC' : 'ASC'} LIMIT ?`;
    const rows = this.statement(sql).all(lo, hi, ...args, q.limit);
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
  }
}
