/**
 * `<dataDir>/eventbus/advisor.sqlite`: the strategy cache (by game-state signature, with
 * an expiry), requests taken from the bus and not yet answered (so a restart answers
 * them), the rate limits set at run time, and the consumer position.
 */
import type { Database } from 'bun:sqlite';
import { closeDatabase, openDatabase } from '../../../runtime/db.ts';
import type { RateLimits } from './bucket.ts';
import type { JsonObject } from '../wire/struct.ts';

const MIGRATIONS = [
  `CREATE TABLE cache (signature TEXT PRIMARY KEY, body TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, hits INTEGER NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL);
   CREATE INDEX cache_created ON cache(created_at);
   CREATE TABLE pending (seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL, received_ms INTEGER NOT NULL, payload TEXT NOT NULL);
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
];

export interface CacheEntry {
  signature: string;
  strategy: JsonObject;
  created_at: number;
  expires_at: number;
  hits: number;
  provider: string;
  model: string;
}

export interface PendingRequest {
  seq: number;
  event_id: string;
  received_ms: number;
  payload: JsonObject;
}

export class AdvisorStore {
  readonly db: Database;

  constructor(dataDir: string) {
    this.db = openDatabase(dataDir, 'advisor', MIGRATIONS);
  }

  cached(signature: string, now: number): CacheEntry | null {
    const r = this.db.query<{ signature: string; body: string; created_at: number; expires_at: number; hits: number; provider: string; model: string }, [string, number]>('SELECT * FROM cache WHERE signature = ? AND expires_at > ?').get(signature, now);
    if (!r) return null;
    this.db.prepare('UPDATE cache SET hits = hits + 1 WHERE signature = ?').run(signature);
    return { signature: r.signature, strategy: JSON.parse(r.body) as JsonObject, created_at: r.created_at, expires_at: r.expires_at, hits: r.hits + 1, provider: r.provider, model: r.model };
  }

  cache(e: Omit<CacheEntry, 'hits'>, maxEntries: number): void {
    this.db.prepare('INSERT OR REPLACE INTO cache VALUES ($signature, $body, $created_at, $expires_at, 0, $provider, $model)').run({ signature: e.signature, body: JSON.stringify(e.strategy), created_at: e.created_at, expires_at: e.expires_at, provider: e.provider, model: e.model });
    this.db.prepare('DELETE FROM cache WHERE signature IN (SELECT signature FROM cache ORDER BY created_at DESC LIMIT -1 OFFSET ?)').run(maxEntries);
  }

  entries(limit: number, now: number, signature: string | null): { entries: CacheEntry[]; size: number; fresh: number } {
    const rows = this.db.query<{ signature: string; body: string; created_at: number; expires_at: number; hits: number; provider: string; model: string }, [string, string, number]>(
      'SELECT * FROM cache WHERE (? = \'\' OR signature = ?) ORDER BY created_at DESC LIMIT ?').all(signature ?? '', signature ?? '', limit);
    const c = this.db.query<{ n: number; f: number }, [number]>('SELECT count(*) AS n, coalesce(sum(expires_at > ?), 0) AS f FROM cache').get(now)!;
    return { entries: rows.map((r) => ({ signature: r.signature, strategy: JSON.parse(r.body) as JsonObject, created_at: r.created_at, expires_at: r.expires_at, hits: r.hits, provider: r.provider, model: r.model })), size: c.n, fresh: c.f };
  }

  clear(): number {
    return this.db.prepare('DELETE FROM cache').run().changes;
  }

  addPending(p: PendingRequest[], position: number): void {
    this.db.transaction(() => {
      const st = this.db.prepare('INSERT OR IGNORE INTO pending VALUES ($seq, $event_id, $received_ms, $payload)');
      for (const x of p) st.run({ ...x, payload: JSON.stringify(x.payload) });
      this.setMeta('position', String(position));
    }).immediate();
  }

  donePending(seq: number): void {
    this.db.prepare('DELETE FROM pending WHERE seq = ?').run(seq);
  }

  pending(): PendingRequest[] {
    return this.db.query<{ seq: number; event_id: string; received_ms: number; payload: string }, []>('SELECT * FROM pending ORDER BY seq').all().map((r) => ({ ...r, payload: JSON.parse(r.payload) as JsonObject }));
  }

  meta(key: string): string | null {
    return this.db.query<{ value: string }, [string]>('SELECT value FROM meta WHERE key = ?').get(key)?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT OR REPLACE INTO meta VALUES (?, ?)').run(key, value);
  }

  limits(): RateLimits | null {
    const v = this.meta('rate_limits');
    return v ? (JSON.parse(v) as RateLimits) : null;
  }

  close(): void {
    closeDatabase(this.db);
  }
}
