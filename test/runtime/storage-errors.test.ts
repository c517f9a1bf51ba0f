import { Database } from 'bun:sqlite';
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { openDatabase } from '../../src/runtime/db.ts';
import { PROFILES, kernelError, openkoreProfile, plainProfile, toApiError, type ErrorProfile } from '../../src/runtime/errors.ts';
import { route, type ServiceFactory } from '../../src/runtime/service.ts';
import { storageFailure } from '../../src/runtime/storage-errors.ts';
import { startTestService, tempDir, type TestService } from '../helpers.ts';

/** A real SQLITE_FULL: the database may not grow past its current pages. */
function fullDatabase(): { db: Database; insert(n: number): void; count(): number; grow(): void } {
  const db = openDatabase(tempDir(), 'full', ['CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)']);
  const pages = db.query<{ page_count: number }, []>('PRAGMA page_count').get()!.page_count;
  db.exec(`PRAGMA max_page_count = ${pages}`);
  const ins = db.query('INSERT INTO t (v) VALUES (?)');
  return {
    db,
    // Several rows in one transaction: when the last one does not fit, none may stay.
    insert: (n) => db.transaction(() => {
      for (let i = 0; i < n; i++) ins.run(new Uint8Array(2048));
    }).immediate(),
    count: () => db.query<{ n: number }, []>('SELECT COUNT(*) AS n FROM t').get()!.n,
    grow: () => db.exec('PRAGMA max_page_count = 1000000'),
  };
}

function caught(f: () => void): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('storage failures', () => {
  test('SQLITE_FULL from bun:sqlite is a full-disk failure, SQLITE_READONLY and I/O errors are unwritable, other errors are neither', () => {
    const full = fullDatabase();
    expect(storageFailure(caught(() => full.insert(4)))).toEqual({ kind: 'full', cause: 'database or disk is full' });
    const file = join(tempDir(), 'ro.sqlite');
    new Database(file, { create: true }).exec('CREATE TABLE t (x)');
    const ro = new Database(file, { readonly: true });
    expect(storageFailure(caught(() => ro.exec('INSERT INTO t VALUES (1)')))?.kind).toBe('unwritable');
    expect(storageFailure(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }))?.kind).toBe('full');
    expect(storageFailure(Object.assign(new Error('read-only file system'), { code: 'EROFS' }))?.kind).toBe('unwritable');
    expect(storageFailure(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' }))?.kind).toBe('unwritable');
    expect(storageFailure(caught(() => full.db.exec('SELEC 1')))).toBeNull();
    expect(storageFailure(new Error('plain'))).toBeNull();
    expect(storageFailure(Object.assign(new Error('busy'), { code: 'SQLITE_BUSY' }))).toBeNull();
  });

  test('every profile turns a full disk into a 507 and an unwritable one into a 503, in its own envelope, saying nothing was stored', () => {
    const full = fullDatabase();
    const e = caught(() => full.insert(4));
    for (const profile of Object.values(PROFILES) as ErrorProfile[]) {
      const err = toApiError(profile, e);
      expect(err.status).toBe(507);
      expect(err.message).toBe('Storage is full (database or disk is full): the write was not stored. Free space in the data directory; writes resume without a restart.');
      expect(err.details).toEqual({ storage: 'full' });
      expect(err.headers['Retry-After']).toBe('30');
    }
    expect(toApiError(openkoreProfile, e).code).toBe('INSUFFICIENT_STORAGE');
    expect(toApiError(PROFILES.kolibri, e).code).toBe('insufficient_storage');
    const ro = toApiError(PROFILES.ccc, Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' }));
    expect([ro.status, ro.code, ro.details.storage]).toEqual([503, 'MEMORY_SERVICE_ERROR', 'not_writable']);
    expect(ro.message).toStartWith('Storage is not writable (disk I/O error): the write was not stored.');
  });

  test('a profile without a code for a later 5xx kind gets its unavailable code, not its bad_request code', () => {
    const { insufficient_storage: _, uri_too_long: __, ...codes } = plainProfile.codes;
    const older: ErrorProfile = { ...plainProfile, codes };
    const err = kernelError(older, 'insufficient_storage', 'full');
    expect([err.status, err.code]).toEqual([507, 'UNAVAILABLE']);
    const long = kernelError(older, 'uri_too_long', 'long');
    expect([long.status, long.code]).toEqual([414, 'BAD_REQUEST']);
  });
});

describe('a route whose write meets a full database', () => {
  const full = fullDatabase();
  const factory: ServiceFactory = () => ({
    name: 'store',
    profile: openkoreProfile,
    routes: [
      route({ method: 'POST', path: '/rows', body: Type.Object({ n: Type.Integer({ minimum: 1 }) }), handler: (c) => (full.insert(c.body.n), { rows: full.count() }) }),
      route({ method: 'GET', path: '/rows', handler: () => ({ rows: full.count() }) }),
    ],
  });
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService('mall', factory);
  });
  afterAll(() => svc.stop());

  test('answers 507 in the envelope, keeps nothing of the failed transaction, keeps reading, and writes again once space returns', async () => {
    const refused = await svc.call('POST', '/rows', { n: 4 });
    expect(refused.status).toBe(507);
    const body = (await refused.json()) as { status: string; error_code: string; message: string };
    expect([body.status, body.error_code]).toEqual(['error', 'INSUFFICIENT_STORAGE']);
    expect(refused.headers.get('retry-after')).toBe('30');
    const read = await svc.call('GET', '/rows');
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual({ rows: 0 });
    full.grow();
    const ok = await svc.call('POST', '/rows', { n: 4 });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ rows: 4 });
  });
});
