/** Bearer-token checks in constant time, and a token persisted on first start. */
import { timingSafeEqual, randomBytes, createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname } from 'node:path';

/** Compares digests so neither length nor content leaks through timing. */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}

/** Extracts the token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | null): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}

export function checkBearer(header: string | null, expected: string): boolean {
  const got = bearerToken(header);
  return got !== null && safeEqual(got, expected);
}

export interface TokenSource {
  token: string;
  /** true when the token was generated now (the caller prints it once). */
  generated: boolean;
  from: 'env' | 'file' | 'generated';
}

/** Env var wins; else a token file under the data dir; else a new one written 0600. */
export function loadOrCreateToken(envValue: string | undefined, file: string): TokenSource {
  if (envValue && envValue.trim() !== '') return { token: envValue.trim(), generated: false, from: 'env' };
  if (existsSync(file)) {
    const t = readFileSync(file, 'utf8').trim();
    if (t !== '') return { token: t, generated: false, from: 'file' };
  }
  const token = randomBytes(32).toString('hex');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, token + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, generated: true, from: 'generated' };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
