import { describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { openDatabase } from '../../src/runtime/db.ts';
import { createLogger } from '../../src/runtime/log.ts';
import { startWalCheckpoints } from '../../src/runtime/wal-checkpoint.ts';
import { tempDir } from '../helpers.ts';

const log = createLogger('test', 'silent');

describe('background WAL checkpoints', () => {
  test('inline auto-checkpointing is off and a checkpoint from the thread copies the whole WAL', async () => {
    const dir = tempDir();
    const db = openDatabase(dir, 'cp', ['CREATE TABLE t (x TEXT)']);
    const cp = startWalCheckpoints(db, join(dir, 'cp.sqlite'), { intervalMs: 60_000, log });
    try {
      expect(db.query<{ wal_autocheckpoint: number }, []>('PRAGMA wal_autocheckpoint').get()!.wal_autocheckpoint).toBe(0);
      const ins = db.query('INSERT INTO t VALUES (?)');
      for (let i = 0; i < 3000; i++) ins.run('x'.repeat(2000));
      const r = await cp.checkpointNow();
      expect(r.log).toBeGreaterThan(1000);
      expect(r.checkpointed).toBe(r.log);
    } finally {
      await cp.stop();
      db.close();
    }
  });

  test('a checkpoint that cannot run restores inline auto-checkpointing', async () => {
    const dir = tempDir();
    const db = openDatabase(dir, 'cp', []);
    const cp = startWalCheckpoints(db, join(dir, 'missing.sqlite'), { intervalMs: 60_000, log });
    try {
      expect(await cp.checkpointNow().then(() => 'ok', (e: Error) => e.message)).toContain('unable to open');
      expect(db.query<{ wal_autocheckpoint: number }, []>('PRAGMA wal_autocheckpoint').get()!.wal_autocheckpoint).toBe(1000);
    } finally {
      await cp.stop();
      db.close();
    }
  });
});
