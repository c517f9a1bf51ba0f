/** SQLite schema of the embedded log (migrations are append-only). */
import type { Migration } from '../../../runtime/db.ts';
import type { WriterOpenOptions } from './writer.ts';

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
  // Topic and game lookups become tables the writer fills in bulk (writer.worker.ts): an
  // index updated on every commit rewrote a leaf page per topic and game each time.
  `CREATE TABLE topic_seq (topic_id INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (topic_id, seq)) WITHOUT ROWID;
   CREATE TABLE game_seq (game INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (game, seq)) WITHOUT ROWID;
   INSERT INTO topic_seq (topic_id, seq) SELECT topic_id, seq FROM events;
   INSERT INTO game_seq (game, seq) SELECT game, seq FROM events WHERE game != 0;
   INSERT INTO meta (key, value) SELECT 'indexed_upto', coalesce(max(seq), 0) FROM events WHERE true
     ON CONFLICT(key) DO UPDATE SET value = excluded.value;
   DROP INDEX events_topic;
   DROP INDEX events_game;`,
];

/** Every event up to this sequence is in topic_seq and game_seq; later ones are found by scanning `events`. */
export const INDEXED_UPTO = 'indexed_upto';

/** Per-row numeric columns packed into one Float64Array for the writer thread. */
export const ROW_WIDTH = 8;
export const COL = { topic: 0, game: 1, part: 2, type: 3, time: 4, idh: 5, fp: 6, end: 7 } as const;

export type WriterRequest =
  | ({ op: 'open' } & WriterOpenOptions)
  | { op: 'segment'; seg: number; sab: SharedArrayBuffer }
  | { op: 'drop'; seg: number }
  /** A group in segment `seg`: `n` rows of ROW_WIDTH float64s, then `bytes` of records. */
  | { op: 'append'; id: number; receivedMs: number; newTopics: [number, string][]; newGames: [number, string][]; seg: number; n: number; bytes: number }
  | { op: 'sweep'; id: number; cutoffMs: number; maxRows: number }
  | { op: 'close'; id: number };

export type WriterReply =
  | { op: 'ready'; lastSeq: number; firstSeq: number }
  | { op: 'open_failed'; error: string }
  | { op: 'done'; id: number; ok: true; firstSeq: number; deleted: number; newFirstSeq: number }
  | { op: 'done'; id: number; ok: false; error: string; full: boolean };
