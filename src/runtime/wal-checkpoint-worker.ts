/**
 * Thread side of wal-checkpoint.ts: its own connection per database file, a PASSIVE
 * checkpoint per request (writers are never blocked), the WAL frame counts as the reply.
 */
import { Database } from 'bun:sqlite';

export interface CheckpointJob {
  id: number;
  file: string;
}

export type CheckpointReply = { id: number; ok: true; log: number; checkpointed: number } | { id: number; ok: false; error: string };

declare const self: Worker;

const connections = new Map<string, Database>();

self.onmessage = (e: MessageEvent<CheckpointJob>): void => {
  const { id, file } = e.data;
  let reply: CheckpointReply;
  try {
    let db = connections.get(file);
    if (!db) {
      // create: false, so a wrong path is an error rather than a new empty database.
      db = new Database(file, { readwrite: true, create: false });
      db.exec('PRAGMA busy_timeout = 5000');
      connections.set(file, db);
    }
    const row = db.query<{ busy: number; log: number; checkpointed: number }, []>('PRAGMA wal_checkpoint(PASSIVE)').get();
    reply = { id, ok: true, log: row?.log ?? 0, checkpointed: row?.checkpointed ?? 0 };
  } catch (err) {
    reply = { id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  self.postMessage(reply);
};
