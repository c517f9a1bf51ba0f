/** Sessions, their hashed tokens and their archived summaries. */
import type { Database, Statement } from 'bun:sqlite';
import type { Permission, Preferences, SessionRow } from '../types.ts';

export interface TokenRow {
  hash: string;
  session_id: string;
  issued_at: number;
  expires_at: number;
  permissions: string;
  revoked_at: number | null;
}

export interface NewToken {
  hash: string;
  issuedAt: number;
  expiresAt: number;
  permissions: readonly Permission[];
}

export interface SummaryHistoryRow {
  summary: string;
  key_topics: string | null;
  trigger: string | null;
  set_at: number | null;
  archived_at: number;
}

export class SessionStore {
  private readonly byId: Statement<SessionRow, [{ id: string }]>;
  private readonly tokenByHash: Statement<TokenRow, [{ hash: string }]>;
  private readonly insertTokenStmt: Statement<unknown, [Record<string, string | number>]>;
  private readonly touchStmt: Statement<unknown, [{ id: string; now: number }]>;

  constructor(private readonly db: Database) {
    this.byId = db.query('SELECT * FROM sessions WHERE id = $id');
    this.tokenByHash = db.query('SELECT * FROM tokens WHERE hash = $hash');
    this.insertTokenStmt = db.query(
      'INSERT INTO tokens (hash, session_id, issued_at, expires_at, permissions) VALUES ($hash, $session_id, $issued_at, $expires_at, $permissions)',
    );
    this.touchStmt = db.query('UPDATE sessions SET last_active = $now WHERE id = $id AND last_active < $now');
  }

  create(s: { id: string; key: string; now: number; prefs: Preferences; initialContext: string }, token: NewToken): void {
    this.db.transaction(() => {
      this.db.query(
        `INSERT INTO sessions (id, key, created_at, last_active, retention_days, context_depth, auto_summarize, initial_context)
         VALUES ($id, $key, $now, $now, $retention, $depth, $auto, $initial)`,
      ).run({ id: s.id, key: s.key, now: s.now, retention: s.prefs.memory_retention_days, depth: s.prefs.context_depth, auto: s.prefs.auto_summarize ? 1 : 0, initial: s.initialContext });
      this.db.query('INSERT INTO context_stats (session_id) VALUES ($id)').run({ id: s.id });
      this.insertToken(s.id, token);
    }).immediate();
  }

  get(id: string): SessionRow | null {
    return this.byId.get({ id });
  }

  /** Marks activity; a no-op when the stored time is already as new (cheap on hot paths). */
  touch(id: string, now: number): void {
    this.touchStmt.run({ id, now });
  }

  updatePreferences(id: string, p: Preferences, now: number): void {
    this.db.query('UPDATE sessions SET retention_days = $r, context_depth = $d, auto_summarize = $a, last_active = max(last_active, $now) WHERE id = $id')
      .run({ id, r: p.memory_retention_days, d: p.context_depth, a: p.auto_summarize ? 1 : 0, now });
  }

  /** Archives the session and its conversations, and withdraws `write` from every token it has. */
  archive(id: string, now: number): number {
    return this.db.transaction(() => {
      this.db.query("UPDATE sessions SET status = 'archived', archived_at = $now WHERE id = $id").run({ id, now });
      const n = this.db.query("UPDATE conversations SET status = 'archived' WHERE session_id = $id AND status != 'archived'").run({ id }).changes;
      const tokens = this.db.query<{ hash: string; permissions: string }, [{ id: string }]>('SELECT hash, permissions FROM tokens WHERE session_id = $id').all({ id });
      const update = this.db.query('UPDATE tokens SET permissions = $p WHERE hash = $hash');
      for (const t of tokens) {
        const kept = (JSON.parse(t.permissions) as Permission[]).filter((p) => p !== 'write');
        update.run({ hash: t.hash, p: JSON.stringify(kept) });
      }
      return n;
    }).immediate();
  }

  /** Deletes the session and everything under it (cascades); returns the export files to remove. */
  delete(id: string): string[] {
    return this.db.transaction(() => {
      const files = this.db.query<{ file: string }, [{ id: string }]>('SELECT file FROM exports WHERE session_id = $id AND file IS NOT NULL').all({ id }).map((r) => r.file);
      this.db.query('DELETE FROM sessions WHERE id = $id').run({ id });
      return files;
    }).immediate();
  }

  /** Stores a new summary; the previous stored one, if there was one, goes to the history. Returns whether one was archived. */
  setSummary(id: string, summary: string, keyTopics: readonly string[] | null, trigger: string | null, now: number): boolean {
    return this.db.transaction(() => {
      const prev = this.byId.get({ id });
      const had = prev !== null && prev.summary !== null;
      if (had) {
        this.db.query('INSERT INTO summary_history (session_id, summary, key_topics, trigger, set_at, archived_at) VALUES ($id, $s, $k, $t, $set, $now)')
          .run({ id, s: prev.summary ?? '', k: prev.key_topics, t: prev.summary_trigger, set: prev.summary_updated_at, now });
      }
      this.db.query('UPDATE sessions SET summary = $s, key_topics = $k, summary_trigger = $t, summary_updated_at = $now, last_active = max(last_active, $now) WHERE id = $id')
        .run({ id, s: summary, k: keyTopics === null ? null : JSON.stringify(keyTopics), t: trigger, now });
      return had;
    }).immediate();
  }

  summaryHistory(id: string, limit: number): SummaryHistoryRow[] {
    return this.db.query<SummaryHistoryRow, [{ id: string; limit: number }]>(
      'SELECT summary, key_topics, trigger, set_at, archived_at FROM summary_history WHERE session_id = $id ORDER BY id DESC LIMIT $limit',
    ).all({ id, limit });
  }

  insertToken(sessionId: string, t: NewToken): void {
    this.insertTokenStmt.run({ hash: t.hash, session_id: sessionId, issued_at: t.issuedAt, expires_at: t.expiresAt, permissions: JSON.stringify(t.permissions) });
  }

  token(hash: string): TokenRow | null {
    return this.tokenByHash.get({ hash });
  }

  revokeToken(hash: string, now: number): void {
    this.db.query('UPDATE tokens SET revoked_at = $now WHERE hash = $hash AND revoked_at IS NULL').run({ hash, now });
  }

  /** Forgets tokens that expired before `before` (they can no longer authenticate anyway). */
  purgeTokens(before: number): number {
    return this.db.query('DELETE FROM tokens WHERE expires_at < $before').run({ before }).changes;
  }

  count(): number {
    return this.db.query<{ n: number }, []>('SELECT count(*) AS n FROM sessions').get()?.n ?? 0;
  }
}
