// SQLite persistence: sessions, logged outcomes (the ml tier's training data), the
// trained model, llm/macro tasks, and player reputation with notes and flags.
import type { Database } from "bun:sqlite";
import { closeDatabase, openDatabase, type Migration } from "../../runtime/db.ts";
import type { MlModel, Sample } from "./engine/ml.ts";
import type { PlayerRecord } from "./engine/social/reputation.ts";

const MIGRATIONS: Migration[] = [
  `CREATE TABLE sessions (
     id TEXT PRIMARY KEY, client TEXT NOT NULL, client_version TEXT NOT NULL, pid INTEGER,
     capabilities TEXT NOT NULL, created_at INTEGER NOT NULL, last_seen INTEGER NOT NULL);
   CREATE TABLE outcome_log (
     id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, decision_tier TEXT NOT NULL,
     action_type TEXT NOT NULL, success INTEGER NOT NULL, outcome TEXT NOT NULL,
     processing_time_ms REAL, features TEXT, created_at INTEGER NOT NULL);
   CREATE TABLE ml_model (id INTEGER PRIMARY KEY CHECK (id = 1), model TEXT NOT NULL, trained_at INTEGER NOT NULL);
   CREATE TABLE tasks (
     id TEXT PRIMARY KEY, kind TEXT NOT NULL, session_id TEXT, status TEXT NOT NULL,
     created_at INTEGER NOT NULL, completed_at INTEGER, estimated_seconds INTEGER NOT NULL, result TEXT);
   CREATE TABLE players (
     player_id INTEGER PRIMARY KEY, record TEXT NOT NULL, updated_at INTEGER NOT NULL);`,
  // Sessions expire by last_seen; task ids keep counting after old tasks are pruned.
  `CREATE INDEX sessions_by_last_seen ON sessions(last_seen);
   CREATE INDEX tasks_by_completed ON tasks(completed_at);
   CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
   INSERT INTO counters (name, value) SELECT 'task', COUNT(*) FROM tasks;`,
];

export interface SessionRow { id: string; client: string; client_version: string; pid: number | null; capabilities: string; created_at: number; last_seen: number }
export interface TaskRow { id: string; kind: string; session_id: string | null; status: string; created_at: number; completed_at: number | null; estimated_seconds: number; result: string | null }

export class OpenkoreStore {
  readonly db: Database;
  private readonly q;

  constructor(dataDir: string) {
    this.db = openDatabase(dataDir, "openkore", MIGRATIONS);
    const db = this.db;
    this.q = {
      insSession: db.query<void, { id: string; client: string; client_version: string; pid: number | null; capabilities: string; now: number }>(
        "INSERT INTO sessions (id, client, client_version, pid, capabilities, created_at, last_seen) VALUES (:id, :client, :client_version, :pid, :capabilities, :now, :now)"),
      getSession: db.query<SessionRow, { id: string }>("SELECT * FROM sessions WHERE id = :id"),
      touch: db.query<void, { id: string; now: number }>("UPDATE sessions SET last_seen = :now WHERE id = :id"),
      delSession: db.query<void, { id: string }>("DELETE FROM sessions WHERE id = :id"),
      liveSessions: db.query<SessionRow, { since: number }>("SELECT * FROM sessions WHERE last_seen >= :since ORDER BY last_seen ASC, created_at ASC"),
      delSessionsBefore: db.query<void, { before: number }>("DELETE FROM sessions WHERE last_seen < :before"),
      getCounter: db.query<{ value: number }, { name: string }>("SELECT value FROM counters WHERE name = :name"),
      putCounter: db.query<void, { name: string; value: number }>(
        "INSERT INTO counters (name, value) VALUES (:name, :value) ON CONFLICT(name) DO UPDATE SET value = max(value, excluded.value)"),
      delTasksBefore: db.query<void, { before: number }>("DELETE FROM tasks WHERE completed_at IS NOT NULL AND completed_at < :before"),
      pruneLog: db.query<void, { keep: number }>("DELETE FROM outcome_log WHERE id <= (SELECT MAX(id) FROM outcome_log) - :keep"),
      countSessions: db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM sessions"),
      insLog: db.query<{ id: number }, { session_id: string; decision_tier: string; action_type: string; success: number; outcome: string; processing_time_ms: number | null; features: string | null; now: number }>(
        "INSERT INTO outcome_log (session_id, decision_tier, action_type, success, outcome, processing_time_ms, features, created_at) VALUES (:session_id, :decision_tier, :action_type, :success, :outcome, :processing_time_ms, :features, :now) RETURNING id"),
      countLogs: db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM outcome_log"),
      samples: db.query<{ action_type: string; success: number; features: string }, { limit: number }>(
        "SELECT action_type, success, features FROM outcome_log WHERE features IS NOT NULL ORDER BY id DESC LIMIT :limit"),
      getModel: db.query<{ model: string }, []>("SELECT model FROM ml_model WHERE id = 1"),
      putModel: db.query<void, { model: string; now: number }>(
        "INSERT INTO ml_model (id, model, trained_at) VALUES (1, :model, :now) ON CONFLICT(id) DO UPDATE SET model = excluded.model, trained_at = excluded.trained_at"),
      putTask: db.query<void, { id: string; kind: string; session_id: string | null; status: string; created_at: number; completed_at: number | null; estimated_seconds: number; result: string | null }>(
        `INSERT INTO tasks (id, kind, session_id, status, created_at, completed_at, estimated_seconds, result)
         VALUES (:id, :kind, :session_id, :status, :created_at, :completed_at, :estimated_seconds, :result)
         ON CONFLICT(id) DO UPDATE SET status = excluded.status, completed_at = excluded.completed_at, result = excluded.result`),
      getTask: db.query<TaskRow, { id: string }>("SELECT * FROM tasks WHERE id = :id"),
      countTasks: db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM tasks"),
      getPlayer: db.query<{ record: string }, { id: number }>("SELECT record FROM players WHERE player_id = :id"),
      putPlayer: db.query<void, { id: number; record: string; now: number }>(
        "INSERT INTO players (player_id, record, updated_at) VALUES (:id, :record, :now) ON CONFLICT(player_id) DO UPDATE SET record = excluded.record, updated_at = excluded.updated_at"),
    };
  }

  createSession(r: { id: string; client: string; client_version: string; pid: number | null; capabilities: string[] }, now: number): void {
    this.q.insSession.run({ ...r, capabilities: JSON.stringify(r.capabilities), now });
  }
  session(id: string): SessionRow | null { return this.q.getSession.get({ id }); }
  touchSession(id: string, now: number): void { this.q.touch.run({ id, now }); }
  /** Persist many last_seen times in one transaction. */
  touchSessions(rows: readonly { id: string; now: number }[]): void {
    if (rows.length === 0) return;
    this.db.transaction(() => { for (const r of rows) this.q.touch.run(r); }).immediate();
  }
  deleteSessions(ids: readonly string[]): void {
    if (ids.length === 0) return;
    this.db.transaction(() => { for (const id of ids) this.q.delSession.run({ id }); }).immediate();
  }
  /** Drop sessions idle since before `before`; returns the rest, least recently seen first. */
  liveSessions(before: number): SessionRow[] {
    this.q.delSessionsBefore.run({ before });
    return this.q.liveSessions.all({ since: before });
  }
  sessionCount(): number { return this.q.countSessions.get()?.n ?? 0; }

  logOutcome(r: { session_id: string; decision_tier: string; action_type: string; success: boolean; outcome: unknown; processing_time_ms?: number; features: number[] | null }, now: number): number {
    const row = this.q.insLog.get({
      session_id: r.session_id, decision_tier: r.decision_tier, action_type: r.action_type, success: r.success ? 1 : 0,
      outcome: JSON.stringify(r.outcome), processing_time_ms: r.processing_time_ms ?? null,
      features: r.features ? JSON.stringify(r.features) : null, now,
    });
    return row?.id ?? 0;
  }
  outcomeCount(): number { return this.q.countLogs.get()?.n ?? 0; }
  /** Most recent outcomes that carry situation features, as training samples. */
  samples(limit: number): Sample[] {
    return this.q.samples.all({ limit }).map((r) => ({ action_type: r.action_type, success: r.success === 1, features: JSON.parse(r.features) as number[] }));
  }

  model(): MlModel | null {
    const r = this.q.getModel.get();
    return r ? (JSON.parse(r.model) as MlModel) : null;
  }
  saveModel(m: MlModel, now: number): void { this.q.putModel.run({ model: JSON.stringify(m), now }); }

  putTask(t: TaskRow): void { this.q.putTask.run(t); }
  /** Highest task number ever issued (ids are never reused after pruning). */
  maxTaskSeq(): number { return this.q.getCounter.get({ name: "task" })?.value ?? 0; }
  setTaskSeq(n: number): void { this.q.putCounter.run({ name: "task", value: n }); }
  pruneTasks(before: number): void { this.q.delTasksBefore.run({ before }); }
  /** Keep the newest `keep` logged outcomes (the ml tier trains on the newest training_window). */
  pruneOutcomes(keep: number): void { this.q.pruneLog.run({ keep }); }
  task(id: string): TaskRow | null { return this.q.getTask.get({ id }); }
  /** Marks every task still "processing" as failed with `result` (work a previous process did not finish); returns how many. */
  failUnfinishedTasks(result: string, now: number): number {
    return this.db.run("UPDATE tasks SET status = 'failed', completed_at = ?1, result = ?2 WHERE status = 'processing'", [now, result]).changes;
  }
  taskCount(): number { return this.q.countTasks.get()?.n ?? 0; }

  player(id: number): PlayerRecord | null {
    const r = this.q.getPlayer.get({ id });
    return r ? (JSON.parse(r.record) as PlayerRecord) : null;
  }
  savePlayer(p: PlayerRecord, now: number): void { this.q.putPlayer.run({ id: p.player_id, record: JSON.stringify(p), now }); }

  close(): void { closeDatabase(this.db); }
}
