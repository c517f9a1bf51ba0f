/**
 * Replay cache keyed by `X-Request-Id`: the first response for an id is stored and
 * returned again for any retry, so the retry has no second effect. Concurrent
 * duplicates wait for the first to finish. An optional store makes replays survive
 * restarts.
 */

export interface StoredResponse {
  status: number;
  body: string;
  contentType: string;
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

export class Idempotency {
  private readonly pending = new Map<string, Promise<StoredResponse>>();

  constructor(private readonly store: ReplayStore = new MemoryReplayStore()) {}

  /**
   * Runs `produce` once per key. Responses with status >= 500 are not cached, so a
   * retry after a server failure is attempted again.
   */
  async once(key: string, produce: () => Promise<Response>): Promise<Response> {
    const hit = this.store.get(key);
    if (hit) return toResponse(hit, true);
    const inflight = this.pending.get(key);
    if (inflight) return toResponse(await inflight, true);
    const p = (async (): Promise<StoredResponse> => {
      const res = await produce();
      const stored = { status: res.status, body: await res.text(), contentType: res.headers.get('content-type') ?? 'application/json' };
      if (stored.status < 500) this.store.set(key, stored);
      return stored;
    })();
    this.pending.set(key, p);
    try {
      return toResponse(await p, false);
    } finally {
      this.pending.delete(key);
    }
  }
}

function toResponse(s: StoredResponse, replayed: boolean): Response {
  const headers: Record<string, string> = { 'Content-Type': s.contentType };
  if (replayed) headers['Idempotent-Replayed'] = 'true';
  return new Response(s.body, { status: s.status, headers });
}
