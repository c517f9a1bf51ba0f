/**
 * Thread side of db-writer.ts: one connection, jobs in arrival order. A job is either a
 * list of statements committed in one IMMEDIATE transaction (prepared once per SQL
 * text) or a WAL checkpoint. SQLite's automatic checkpoint stays on for this connection,
 * so the fsync it does happens here, never on the event loop.
 */
import { Database, type SQLQueryBindings, type Statement } from 'bun:sqlite';
import { applyPragmas } from './db.ts';

export type Bindings = Record<string, string | bigint | NodeJS.TypedArray | ArrayBufferLike | number | boolean | null>;

export interface WriteStatement {
  sql: string;
  params?: Bindings;
  /** Return the rows (a `RETURNING` clause); otherwise none are read. */
  rows?: boolean;
}

export type WriterJob =
  | { id: number; op: 'open'; path: string }
  | { id: number; op: 'tx'; statements: WriteStatement[] }
  | { id: number; op: 'checkpoint'; mode: 'PASSIVE' | 'TRUNCATE' }
  | { id: number; op: 'close' };

export type WriterReply = { id: number; ok: true; rows: unknown[][] } | { id: number; ok: false; error: string };

declare const self: Worker;

let db: Database | null = null;
const prepared = new Map<string, Statement<unknown, SQLQueryBindings[]>>();

function statement(sql: string): Statement<unknown, SQLQueryBindings[]> {
  let s = prepared.get(sql);
  if (!s) {
    s = db!.prepare<unknown, SQLQueryBindings[]>(sql);
    prepared.set(sql, s);
  }
  return s;
}

function run(job: WriterJob): unknown[][] {
  switch (job.op) {
    case 'open':
      db = new Database(job.path, { strict: true });
      applyPragmas(db);
      return [];
    case 'tx': {
      if (!db) throw new Error('writer has no open database');
      const out: unknown[][] = [];
      db.transaction(() => {
        for (const st of job.statements) {
          const s = statement(st.sql);
          const params: SQLQueryBindings[] = st.params ? [st.params] : [];
          if (st.rows) out.push(s.all(...params));
          else {
            s.run(...params);
            out.push([]);
          }
        }
      }).immediate();
      return out;
    }
    case 'checkpoint':
      db?.exec(`PRAGMA wal_checkpoint(${job.mode})`);
      return [];
    case 'close':
      for (const s of prepared.values()) s.finalize();
      prepared.clear();
      db?.close();
      db = null;
      return [];
  }
}

self.onmessage = (e: MessageEvent<WriterJob>): void => {
  let reply: WriterReply;
  try {
    reply = { id: e.data.id, ok: true, rows: run(e.data) };
  } catch (err) {
    reply = { id: e.data.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  self.postMessage(reply);
};
