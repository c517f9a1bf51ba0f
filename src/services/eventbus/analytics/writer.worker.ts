/** The analytics writer thread: applies gathered rows in one transaction each, so SQLite's insert cost stays off the event loop. */
import { parentPort, workerData } from 'node:worker_threads';
import { AnalyticsStore, type Cell, type GameRow } from './store.ts';

export interface WriteRequest {
  id: number;
  rows: { events: Cell[][]; rounds: Cell[][]; decisions: Cell[][]; metrics: Cell[][] };
  games: GameRow[];
  position: number;
}

export type WriteReply = { id: number; ok: true; ms: number } | { id: number; ok: false; error: string };

const store = new AnalyticsStore((workerData as { dataDir: string }).dataDir);

parentPort!.on('message', (m: WriteRequest | 'close') => {
  if (m === 'close') {
    store.close();
    parentPort!.postMessage('closed');
    return;
  }
  const t = performance.now();
  try {
    store.write(m.rows, m.games, m.position);
    parentPort!.postMessage({ id: m.id, ok: true, ms: performance.now() - t } satisfies WriteReply);
  } catch (e) {
    parentPort!.postMessage({ id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) } satisfies WriteReply);
  }
});
