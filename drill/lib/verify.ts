/** Helpers for the `verify` step of durable writes: one ledger, a few ways to look things up. */
import { excerpt, send, type Exchange, type SendOptions } from './http.ts';
import type { LedgerEntry, VerifyResult, WriteResult } from './types.ts';

export function emptyResult(): VerifyResult {
  return { found: 0, lost: [], duplicated: [], halfPresent: [], phantom: [], unknownPresent: 0, notes: [] };
}

/** A reply to a write: 2xx is an acknowledgement, no reply is unknown, the rest a refusal. */
export function outcomeOf(x: Exchange, data: (x: Exchange) => unknown = (e) => e.json): WriteResult {
  if (x.status === 0) return { kind: 'unknown', reason: x.error ?? 'no reply' };
  if (x.status >= 200 && x.status < 300) return { kind: 'acked', data: data(x) };
  return { kind: 'rejected', status: x.status, reply: excerpt(x.text, 200), exchange: x };
}

/** Sends a write; what came back decides the ledger outcome. */
export async function write(method: string, url: string, o: SendOptions, data?: (x: Exchange) => unknown): Promise<WriteResult> {
  return outcomeOf(await send(method, url, { timeoutMs: 15_000, ...o }), data);
}

/**
 * The check every count-only write shares: `n` committed since the baseline must lie
 * between what was acknowledged and that plus the writes in flight at the kill.
 */
export function countCheck(what: string, n: number, ledger: readonly LedgerEntry[]): VerifyResult {
  const r = emptyResult();
  const acked = ledger.filter((e) => e.outcome === 'acked').length;
  const unknown = ledger.filter((e) => e.outcome === 'unknown').length;
  r.found = Math.min(n, acked);
  if (n < acked) r.lost.push(`${acked - n} acknowledged ${what} missing (${n} stored, ${acked} acknowledged)`);
  if (n > acked + unknown) r.phantom.push(`${n - acked - unknown} more ${what} stored than were acknowledged or in flight (${n} stored, ${acked} acknowledged, ${unknown} in flight)`);
  r.unknownPresent = Math.max(0, Math.min(unknown, n - acked));
  return r;
}

export const sha = (s: string): string => new Bun.CryptoHasher('sha256').update(s).digest('hex').slice(0, 16);
