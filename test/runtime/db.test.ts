import { describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { closeDatabase, openDatabase, schemaVersion } from '../../src/runtime/db.ts';
import { tempDir } from '../helpers.ts';

const MIGRATIONS = ['CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)', 'ALTER TABLE t ADD COLUMN n INTEGER NOT NULL DEFAULT 0'];

describe('database', () => {
  test('opens one file per service with WAL, NORMAL sync and a busy timeout', () => {
    const dir = tempDir();
    const db = openDatabase(dir, 'svc', MIGRATIONS);
    expect(existsSync(join(dir, 'svc.sqlite'))).toBe(true);
    expect(db.query<{ journal_mode: string }, []>('PRAGMA journal_mode').get()?.journal_mode).toBe('wal');
    expect(db.query<{ synchronous: number }, []>('PRAGMA synchronous').get()?.synchronous).toBe(1);
    expect(db.query<{ timeout: number }, []>('PRAGMA busy_timeout').get()?.timeout).toBe(5000);
    closeDatabase(db);
  });

  test('applies numbered migrations once and records the version', () => {
    const dir = tempDir();
    const db = openDatabase(dir, 'm', MIGRATIONS);
    expect(schemaVersion(db)).toBe(2);
    db.query('INSERT INTO t (v, n) VALUES (?, ?)').run('a', 1);
    closeDatabase(db);
    const again = openDatabase(dir, 'm', MIGRATIONS);
    expect(again.query<{ c: number }, []>('SELECT count(*) AS c FROM t').get()?.c).toBe(1);
    closeDatabase(again);
  });

  test('data committed before close survives a reopen', () => {
    const dir = tempDir();
    const db = openDatabase(dir, 'p', MIGRATIONS);
    db.transaction(() => {
      for (let i = 0; i < 100; i++) db.query('INSERT INTO t (v) VALUES (?)').run(`row ${i}`);
    }).immediate();
    closeDatabase(db);
    const re = openDatabase(dir, 'p', MIGRATIONS);
    expect(re.query<{ c: number }, []>('SELECT count(*) AS c FROM t').get()?.c).toBe(100);
    closeDatabase(re);
  });

  test('a failing migration leaves the previous version intact', () => {
    const dir = tempDir();
    closeDatabase(openDatabase(dir, 'f', MIGRATIONS.slice(0, 1)));
    expect(() => openDatabase(dir, 'f', [MIGRATIONS[0]!, 'ALTER TABLE nope ADD COLUMN x'])).toThrow();
    const db = openDatabase(dir, 'f', MIGRATIONS.slice(0, 1));
    expect(schemaVersion(db)).toBe(1);
    closeDatabase(db);
  });

  test('refuses a database newer than the build', () => {
    const dir = tempDir();
    closeDatabase(openDatabase(dir, 'n', MIGRATIONS));
    expect(() => openDatabase(dir, 'n', MIGRATIONS.slice(0, 1))).toThrow(/newer than this build/);
  });
});
