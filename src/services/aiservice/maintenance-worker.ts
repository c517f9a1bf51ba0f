// Database upkeep on its own thread, so the event loop never waits on it:
//  - checkpoint: copies the WAL into the main file (PASSIVE: writers are never blocked).
//    The service's own connection has auto-checkpointing off, so a commit never pays it.
//  - vacuum_into: a consistent copy of the database for backups.
import { Database } from "bun:sqlite";

export type MaintenanceJob =
  | { id: number; op: "checkpoint"; dbPath: string }
  | { id: number; op: "vacuum_into"; dbPath: string; target: string };

export type MaintenanceReply = { id: number; ok: true } | { id: number; ok: false; error: string };

declare const self: Worker;

const connections = new Map<string, Database>();

function open(path: string): Database {
  let db = connections.get(path);
  if (!db) {
    db = new Database(path);
    db.exec("PRAGMA busy_timeout = 5000");
    connections.set(path, db);
  }
  return db;
}

self.onmessage = (e: MessageEvent<MaintenanceJob>): void => {
  const job = e.data;
  let reply: MaintenanceReply;
  try {
    const db = open(job.dbPath);
    if (job.op === "checkpoint") db.exec("PRAGMA wal_checkpoint(PASSIVE)");
    else db.exec(`VACUUM INTO '${job.target.replace(/'/g, "''")}'`);
    reply = { id: job.id, ok: true };
  } catch (err) {
    reply = { id: job.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  self.postMessage(reply);
};
