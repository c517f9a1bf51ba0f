/**
 * Replay cache keyed by `X-Request-Id`: the first response for an id is stored and
 * returned again for any retry, so the retry has no second effect. A retry must carry
 * the same request: with a fingerprint of the body (`fingerprint(ctx.body)`), re-using
 * an id for a different body is refused with a 409 `conflict` (the Idempotency-Key
 * convention) instead of replaying an answer to another question. Concurrent
 * duplicates wait for the first to finish. An optional store makes replays survive
 * restarts.
 */
import { createHash } from 'node:crypto';
import { KernelFailure } from './errors.ts';

export interface StoredResponse {
  status: number;
  body: string;
  contentType: string;
  /** Fingerprint of the request that produced it; absent for entries stored without one. */
  fingerprint?: string;
}

export interface ReplayStore {
  get(key: string): StoredResponse | undefined;
  set(key: string, value: StoredResponse): void;
}

export class MemoryReplayStore implements ReplayStore {
  private readonly map = new Map<string, StoredResponse>();
  constructor(private readonly max = 10_000) {}
  get(key: string): StoredResponse | undefined {
    return this.map.get(key);
  }
  set(key: string, value: StoredResponse): void {
    if (this.map.size >= this.max) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
    this.map.set(key, value);
  }
}

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` are the same request. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** SHA-256 (hex) of a parsed request body, independent of key order and whitespace. */
export function fingerprint(body: unknown): string {
  return createHash('sha256').update(canonical(body)).digest('hex');
}

/** Longest `X-Request-Id` accepted as an idempotency key (or echoed at all: see server.ts). */
export const MAX_REQUEST_ID_LENGTH = 200;
const REQUEST_ID = /^[\x21-\x7e]+$/;

/** True for a usable `X-Request-Id`: 1-200 visible ASCII characters. */
export function isValidRequestId(id: string): boolean {
  return id.length <= MAX_REQUEST_ID_LENGTH && REQUEST_ID.test(id);
}

export class Idempotency {
  private readonly pending = new Map<string, { done: Promise<StoredResponse>; fingerprint: string | undefined }>();

  constructor(private readonly store: ReplayStore = new MemoryReplayStore()) {}

  /**
   * Runs `produce` once per key. Responses with status >= 500 are not cached, so a
   * retry after a server failure is attempted again. With `requestFingerprint`, a key
   * already used (or in flight) for a different fingerprint throws a `conflict`
   * KernelFailure (409 in the service's envelope) and nothing runs.
   */
  async once(key: string, produce: () => Promise<Response>, requestFingerprint?: string): Promise<Response> {
    const hit = this.store.get(key);
    if (hit) {
      mustMatch(key, hit.fingerprint, requestFingerprint);
      return toResponse(hit, true);
    }
    const inflight = this.pending.get(key);
    if (inflight) {
      mustMatch(key, inflight.fingerprint, requestFingerprint);
      return toResponse(await inflight.done, true);
    }
    const done = (async (): Promise<StoredResponse> => {
      const res = await produce();
      const stored: StoredResponse = { status: res.status, body: await res.text(), contentType: res.headers.get('content-type') ?? 'application/json' };
      if (requestFingerprint !== undefined) stored.fingerprint = requestFingerprint;
      if (stored.status < 500) this.store.set(key, stored);
      return stored;
    })();
    this.pending.set(key, { done, fingerprint: requestFingerprint });
    try {
      return toResponse(await done, false);
    } finally {
      this.pending.delete(key);
    }
  }
}

function mustMatch(key: string, stored: string | undefined, incoming: string | undefined): void {
  if (stored === undefined || incoming === undefined || stored === incoming) return;
  throw new KernelFailure('conflict', 'X-Request-Id was already used for a different request body; use a new id for a new request', { reason: 'idempotency_key_reused' });
}

function toResponse(s: StoredResponse, replayed: boolean): Response {
  const headers: Record<string, string> = { 'Content-Type': s.contentType };
  if (replayed) headers['Idempotent-Replayed'] = 'true';
  return new Response(s.body, { status: s.status, headers });
}
