/**
 * SQLite per service: WAL, synchronous=NORMAL, busy_timeout=5000, numbered migrations
 * tracked in `PRAGMA user_version`, one file per service under the data dir.
 */
import { Database } from 'bun:sqlite';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Migration N (1-based) is `migrations[N-1]`; never edit a shipped one, append. */
export type Migration = string | ((db: Database) => void);

export function openDatabase(dataDir: string, name: string, migrations: readonly Migration[]): Database {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, `${name}.sqlite`), { create: true, strict: true });
  applyPragmas(db);
  migrate(db, migrations);
  return db;
}

export function openMemoryDatabase(migrations: readonly Migration[]): Database {
  const db = new Database(':memory:', { strict: true });
  migrate(db, migrations);
  return db;
}

export function applyPragmas(db: Database): void {
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec('PRAGMA foreign_keys = ON');
}

export function schemaVersion(db: Database): number {
  const row = db.query<{ user_version: number }, []>('PRAGMA user_version').get();
  return row?.user_version ?? 0;
}

export function migrate(db: Database, migrations: readonly Migration[]): number {
  const from = schemaVersion(db);
  if (from > migrations.length) throw new Error(`database is at schema version ${from}, newer than this build (${migrations.length})`);
  for (let v = from; v < migrations.length; v++) {
    const m = migrations[v]!;
    // Each migration and its version bump commit together, so a crash never half-applies one.
    db.transaction(() => {
      if (typeof m === 'string') db.exec(m);
      else m(db);
      db.exec(`PRAGMA user_version = ${v + 1}`);
    }).immediate();
  }
  return migrations.length;
}

/** Flushes the WAL into the main file and closes; used on graceful shutdown. */
export function closeDatabase(db: Database): void {
  try {
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}
