/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside whichever
 * commit pushes the WAL past 1,000 pages, adding milliseconds to that one request; this
 * turns it off for the service's connection and checkpoints from a thread of its own on
 * a timer instead. If the thread fails, inline auto-checkpointing is restored.
 */
import type { Database } from 'bun:sqlite';
import type { Logger } from './log.ts';
import type { CheckpointJob, CheckpointReply } from './wal-checkpoint-worker.ts';

export interface CheckpointResult {
  /** WAL frames at the time of the checkpoint, and how many of them are now in the main file. */
  log: number;
  checkpointed: number;
}

export interface WalCheckpointer {
  /** Runs a checkpoint now (joins one already running). */
  checkpointNow(): Promise<CheckpointResult>;
  stop(): Promise<void>;
}

/** SQLite's default threshold, put back when the thread cannot do the work. */
const INLINE_PAGES = 1000;

export function startWalCheckpoints(db: Database, file: string, o: { intervalMs: number; log: Logger }): WalCheckpointer {
  db.exec('PRAGMA wal_autocheckpoint = 0');
  let worker: Worker | null = null;
  let nextId = 1;
  let running: Promise<CheckpointResult> | null = null;
  let failed = false;
  const pending = new Map<number, { resolve: (r: CheckpointResult) => void; reject: (e: Error) => void }>();

  const fail = (message: string): void => {
    if (!failed) {
      failed = true;
      clearInterval(timer);
      o.log.error('background WAL checkpoint failed; inline auto-checkpoint restored', { file, error: message });
      db.exec(`PRAGMA wal_autocheckpoint = ${INLINE_PAGES}`);
    }
    for (const p of pending.values()) p.reject(new Error(message));
    pending.clear();
  };

  /** The thread starts with the first checkpoint, so short-lived instances never pay for it. */
  const thread = (): Worker => {
    if (worker) return worker;
    const w = new Worker(new URL('./wal-checkpoint-worker.ts', import.meta.url).href);
    w.unref();
    w.onmessage = (e: MessageEvent<CheckpointReply>) => {
      const r = e.data;
      const p = pending.get(r.id);
      if (!p) return;
      pending.delete(r.id);
      if (r.ok) p.resolve({ log: r.log, checkpointed: r.checkpointed });
      else {
        fail(r.error);
        p.reject(new Error(r.error));
      }
    };
    w.onerror = (e: ErrorEvent) => fail(`checkpoint thread failed: ${e.message}`);
    worker = w;
    return w;
  };

  const checkpointNow = (): Promise<CheckpointResult> => {
    if (failed) return Promise.reject(new Error('background checkpoints stopped after a failure'));
    running ??= new Promise<CheckpointResult>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      thread().postMessage({ id, file } satisfies CheckpointJob);
    }).finally(() => {
      running = null;
    });
    return running;
  };

  const timer = setInterval(() => void checkpointNow().catch(() => undefined), o.intervalMs);
  timer.unref();

  return {
    checkpointNow,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
      worker?.terminate();
    },
  };
}
