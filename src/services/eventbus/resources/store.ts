/**
 * Grants in SQLite (`<dataDir>/eventbus/resources.sqlite`): active ones survive a restart
 * with their expiry; ended ones are kept for a day (release of an already released grant is
 * a 409, not a 404). Writes are gathered and committed together right after the calls that
 * made them (write-behind, one transaction per turn of the event loop), so a request or a
 * release costs no commit of its own; reads and shutdown write what is waiting first.
 */
import type { Database, Statement } from 'bun:sqlite';
import { closeDatabase, openDatabase } from '../../../runtime/db.ts';
import type { Grant, Priority, ResourceType } from './engine/allocator.ts';

export type GrantState = 'active' | 'released' | 'expired';

export interface GrantRow {
  grant_id: string;
  request_id: string;
  component: string;
  type: ResourceType;
  amount: number;
  priority: Priority;
  duration_ms: number;
  granted_at: number;
  expires_at: number;
  state: GrantState;
  ended_at: number | null;
}

const MIGRATIONS = [
  `CREATE TABLE grants (
    grant_id TEXT PRIMARY KEY, request_id TEXT NOT NULL, component TEXT NOT NULL, type TEXT NOT NULL, amount INTEGER NOT NULL,
    priority TEXT NOT NULL, duration_ms INTEGER NOT NULL, granted_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
    state TEXT NOT NULL, ended_at INTEGER)`,
  'CREATE INDEX grants_state ON grants(state, ended_at)',
];

export class ResourceStore {
  readonly db: Database;
  private readonly ins: Statement;
  private readonly end: Statement;
  private readonly one: Statement<GrantRow, [string]>;

  constructor(dataDir: string) {
    this.db = openDatabase(dataDir, 'resources', MIGRATIONS);
    this.ins = this.db.prepare('INSERT INTO grants VALUES ($grant_id, $request_id, $component, $type, $amount, $priority, $duration_ms, $granted_at, $expires_at, \'active\', NULL)');
    this.end = this.db.prepare('UPDATE grants SET state = $state, ended_at = $at WHERE grant_id = $id AND state = \'active\'');
    this.one = this.db.query<GrantRow, [string]>('SELECT * FROM grants WHERE grant_id = ?');
  }

  private queue: (() => void)[] = [];
  private scheduled = false;
  flushes = 0;

  private later(op: () => void): void {
    this.queue.push(op);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Commits the waiting writes in one transaction. */
  flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const ops = this.queue;
    this.queue = [];
    this.db.transaction(() => {
      for (const op of ops) op();
    }).immediate();
    this.flushes++;
  }

  insert(g: Grant): void {
    const row = { grant_id: g.grantId, request_id: g.requestId, component: g.component, type: g.type, amount: g.amount, priority: g.priority, duration_ms: g.durationMs, granted_at: g.grantedAt, expires_at: g.expiresAt };
    this.later(() => this.ins.run(row));
  }

  finish(grantId: string, state: 'released' | 'expired', at: number): void {
    this.later(() => this.end.run({ id: grantId, state, at }));
  }

  get(grantId: string): GrantRow | null {
    this.flush();
    return this.one.get(grantId);
  }

  active(): Grant[] {
    this.flush();
    return this.db.query<GrantRow, []>('SELECT * FROM grants WHERE state = \'active\'').all().map((r) => ({
      grantId: r.grant_id, requestId: r.request_id, component: r.component, type: r.type, amount: r.amount, priority: r.priority, durationMs: r.duration_ms, grantedAt: r.granted_at, expiresAt: r.expires_at,
    }));
  }

  prune(before: number): number {
    return this.db.prepare('DELETE FROM grants WHERE state != \'active\' AND ended_at < ?').run(before).changes;
  }

  close(): void {
    this.flush();
    closeDatabase(this.db);
  }
}
