/**
 * Storage failures a request can meet (SQLite and file writes): a full disk is 507, a
 * data dir that became read-only or fails I/O is 503. Both say that nothing was stored,
 * and both end without a restart once space or write access returns (a failed SQLite
 * transaction rolls back whole, so nothing is half-written).
 */

export type StorageFailureKind = 'full' | 'unwritable';

export interface StorageFailure {
  kind: StorageFailureKind;
  /** The underlying error's own message (`database or disk is full`, `disk I/O error`). */
  cause: string;
}

const FULL_SQLITE = /^SQLITE_FULL(_|$)/;
const UNWRITABLE_SQLITE = /^SQLITE_(READONLY|IOERR|CANTOPEN)(_|$)/;
const FULL_ERRNO = new Set(['ENOSPC', 'EDQUOT']);
const UNWRITABLE_ERRNO = new Set(['EROFS', 'EIO']);

/** The storage failure behind `thrown` (bun:sqlite's SQLiteError, node:fs errors), or null for anything else. */
export function storageFailure(thrown: unknown): StorageFailure | null {
  if (!(thrown instanceof Error)) return null;
  const code = (thrown as { code?: unknown }).code;
  if (typeof code !== 'string') return null;
  if (FULL_SQLITE.test(code) || FULL_ERRNO.has(code)) return { kind: 'full', cause: thrown.message };
  if (UNWRITABLE_SQLITE.test(code) || UNWRITABLE_ERRNO.has(code)) return { kind: 'unwritable', cause: thrown.message };
  return null;
}

/** Client-facing text: what happened, that nothing was kept, and what brings writes back. */
export function storageFailureMessage(f: StorageFailure): string {
  return f.kind === 'full'
    ? `Storage is full (${f.cause}): the write was not stored. Free space in the data directory; writes resume without a restart.`
    : `Storage is not writable (${f.cause}): the write was not stored. The data directory is read-only or failing; reads still work.`;
}
