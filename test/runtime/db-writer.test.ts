import { afterAll, describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../src/runtime/db.ts';
import { DbWriter } from '../../src/runtime/db-writer.ts';
import { tempDir } from '../helpers.ts';

const dir = tempDir();
const db = openDatabase(dir, 'w', ['CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL, blob BLOB)']);
const path = join(dir, 'w.sqlite');
const writer = new DbWriter(path);
afterAll(async () => {
  await writer.close();
  db.close();
});

const rows = (): { id: number; v: string }[] => db.query<{ id: number; v: string }, []>('SELECT id, v FROM t ORDER BY id').all();

describe('database writer thread', () => {
  test('commits statements together, in the order sent, and returns RETURNING rows', async () => {
    const a = writer.transaction([{ sql: 'INSERT INTO t (v) VALUES (:v) RETURNING id', params: { v: 'a' }, rows: true }]);
    const b = writer.transaction([
      { sql: 'INSERT INTO t (v) VALUES (:v)', params: { v: 'b' } },
      { sql: 'UPDATE t SET v = :v WHERE v = :old', params: { v: 'a2', old: 'a' } },
    ]);
    expect(await a).toEqual([[{ id: 1 }]]);
    expect(await b).toEqual([[], []]);
    // The service's own connection sees what the thread committed.
    expect(rows()).toEqual([{ id: 1, v: 'a2' }, { id: 2, v: 'b' }]);
  });

  test('a failing statement rolls the whole transaction back and rejects', async () => {
    const before = rows();
    const failed = writer.transaction([
      { sql: 'INSERT INTO t (v) VALUES (:v)', params: { v: 'half' } },
      { sql: 'INSERT INTO t (v) VALUES (NULL)' },
    ]);
    await expect(failed).rejects.toThrow(/NOT NULL/);
    expect(rows()).toEqual(before);
    // The thread keeps serving.
    await writer.transaction([{ sql: 'INSERT INTO t (v) VALUES (:v)', params: { v: 'c' } }]);
    expect(rows().at(-1)?.v).toBe('c');
  });

  test('a transferred blob moves to the thread and is stored whole', async () => {
    const blob = Uint8Array.from({ length: 4096 }, (_, i) => i % 251);
    const copy = blob.slice();
    await writer.transaction([{ sql: 'INSERT INTO t (v, blob) VALUES (:v, :b)', params: { v: 'blob', b: blob } }], [blob.buffer]);
    expect(blob.byteLength).toBe(0);
    const stored = db.query<{ blob: Uint8Array }, []>("SELECT blob FROM t WHERE v = 'blob'").get();
    expect(Array.from(stored!.blob)).toEqual(Array.from(copy));
  });

  test('close finishes queued work and folds the WAL into the file', async () => {
    const d = tempDir();
    const own = openDatabase(d, 'x', ['CREATE TABLE t (v TEXT)']);
    const w = new DbWriter(join(d, 'x.sqlite'));
    const pending = w.transaction([{ sql: 'INSERT INTO t VALUES (:v)', params: { v: 'last' } }]);
    await w.close();
    await pending;
    await expect(w.transaction([{ sql: 'INSERT INTO t VALUES (1)' }])).rejects.toThrow(/closed/);
    own.close();
    const wal = join(d, 'x.sqlite-wal');
    expect(!existsSync(wal) || statSync(wal).size === 0).toBe(true);
    const check = new Database(join(d, 'x.sqlite'), { readonly: true });
    expect(check.query('SELECT v FROM t').all()).toEqual([{ v: 'last' }]);
    check.close();
  });
});
