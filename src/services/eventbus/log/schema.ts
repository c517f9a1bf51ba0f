/** SQLite schema of the embedded log (migrations are append-only). */
import type { Migration } from '../../../runtime/db.ts';

export const LOG_MIGRATIONS: readonly Migration[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE topics (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
   CREATE TABLE games (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
   CREATE TABLE events (
     seq INTEGER PRIMARY KEY,
     topic_id INTEGER NOT NULL,
     game INTEGER NOT NULL,
     part INTEGER NOT NULL,
     type INTEGER NOT NULL,
     time_ms REAL NOT NULL,
     received_ms INTEGER NOT NULL,
     idh INTEGER NOT NULL,
     fp INTEGER NOT NULL,
     record BLOB NOT NULL
   );
   CREATE INDEX events_topic ON events(topic_id, seq);
   CREATE INDEX events_game ON events(game, seq);`,
];

/** Per-row numeric columns packed into one Float64Array for the writer thread. */
export const ROW_WIDTH = 8;
export const COL = { topic: 0, game: 1, part: 2, type: 3, time: 4, idh: 5, fp: 6, end: 7 } as const;

export type WriterRequest =
  | { op: 'open'; path: string; synchronous: 'NORMAL' | 'FULL'; maxPageCount: number; cacheKb: number }
  | { op: 'append'; id: number; receivedMs: number; newTopics: [number, string][]; newGames: [number, string][]; rows: Float64Array; data: Uint8Array }
  | { op: 'sweep'; id: number; cutoffMs: number; maxRows: number }
  | { op: 'close'; id: number };

export type WriterReply =
  | { op: 'ready'; lastSeq: number; firstSeq: number }
  | { op: 'open_failed'; error: string }
  | { op: 'done'; id: number; ok: true; firstSeq: number; deleted: number; newFirstSeq: number }
  | { op: 'done'; id: number; ok: false; error: string; full: boolean };
