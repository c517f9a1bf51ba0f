import { describe, expect, test } from 'bun:test';
import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bearerToken, checkBearer, hashToken, loadOrCreateToken, safeEqual } from '../../src/runtime/auth.ts';
import { tempDir } from '../helpers.ts';

describe('auth', () => {
  test('extracts bearer tokens case-insensitively and rejects other schemes', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken(null)).toBeNull();
  });

  test('checks tokens by value, including length differences', () => {
    expect(checkBearer('Bearer secret', 'secret')).toBe(true);
    expect(checkBearer('Bearer secreT', 'secret')).toBe(false);
    expect(checkBearer('Bearer secret2', 'secret')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
  });

  test('the environment token wins over any file', () => {
    const dir = tempDir();
    expect(loadOrCreateToken('from-env', join(dir, 't'))).toEqual({ token: 'from-env', generated: false, from: 'env' });
  });

  test('generates a token once, writes it 0600, and reads it back after', () => {
    const file = join(tempDir(), 'sub', 'token');
    const first = loadOrCreateToken(undefined, file);
    expect(first.generated).toBe(true);
    expect(first.token).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.token);
    const second = loadOrCreateToken('', file);
    expect(second).toEqual({ token: first.token, generated: false, from: 'file' });
  });

  test('hashes tokens with sha-256', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
