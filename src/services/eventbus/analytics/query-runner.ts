/**
 * Runs analytics queries in a process of its own, on a read-only connection, so that a
 * query past its time limit can be stopped by killing the process (SQLite cannot be
 * interrupted from JavaScript, and a worker thread inside a long sqlite3_step does not
 * stop when terminated). Started by query-pool.ts with the database path; answers over IPC.
 */
import { Database, type SQLQueryBindings } from 'bun:sqlite';

interface Job {
  id: number;
  sql: string;
  params: (string | number | null)[] | Record<string, string | number | null>;
  maxRows: number;
  maxBytes: number;
}

const path = process.argv[2];
if (!path) throw new Error('query-runner: no database path');
const db = new Database(path, { readonly: true, strict: true });
db.exec('PRAGMA busy_timeout = 5000');
db.exec('PRAGMA query_only = ON');

const cell = (v: unknown): string | number | boolean | null => {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return String(v);
};

process.on('message', (m: Job) => {
  const started = performance.now();
  try {
    const st = db.prepare<Record<string, unknown>, SQLQueryBindings[]>(m.sql);
    const columns = st.columnNames;
    const rows: (string | number | boolean | null)[][] = [];
    let bytes = 0;
    let truncated = false;
    const args: SQLQueryBindings[] = Array.isArray(m.params) ? m.params : [m.params];
    for (const row of st.iterate(...args)) {
      if (rows.length >= m.maxRows) {
        truncated = true;
        break;
      }
      const r = columns.map((c) => cell(row[c]));
      bytes += JSON.stringify(r).length;
      if (bytes > m.maxBytes) {
        truncated = true;
        break;
      }
      rows.push(r);
    }
    st.finalize();
    process.send!({ id: m.id, ok: true, columns, rows, truncated, elapsed_ms: performance.now() - started });
  } catch (e) {
    process.send!({ id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});
process.send!({ ready: true });
