/**
 * Moves committed pages from the WAL into the database file on a thread of its own
 * (PASSIVE checkpoints never block the writer), so the writer's commits never wait for
 * a checkpoint. The writer keeps a large auto-checkpoint as a backstop on WAL size.
 */
import { Database } from 'bun:sqlite';
import { parentPort } from 'node:worker_threads';

let db: Database | null = null;
let timer: ReturnType<typeof setInterval> | null = null;

parentPort!.on('message', (m: { op: 'start'; path: string; intervalMs: number } | { op: 'stop' }) => {
  if (m.op === 'start') {
    db = new Database(m.path);
    db.exec('PRAGMA busy_timeout = 1000');
    timer = setInterval(() => {
      try {
        db?.exec('PRAGMA wal_checkpoint(PASSIVE)');
      } catch {
        // Busy or closing: the next tick tries again.
      }
    }, m.intervalMs);
    return;
  }
  if (timer) clearInterval(timer);
  db?.close();
  db = null;
  parentPort!.postMessage({ op: 'stopped' });
});
