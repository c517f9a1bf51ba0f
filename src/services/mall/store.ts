// SQLite persistence: sessions (one per /init) with simulated playtime, the discovery and
// contradiction history, and the current world (its validated config and a snapshot of
// its dynamic state with the last tick it covers). Ticks themselves go to the journal
// (journal.ts); their history rows, playtime and a fresh snapshot are committed together
// at each checkpoint, by a writer thread (runtime/db-writer.ts), so no commit or WAL
// checkpoint ever runs on the event loop while the world ticks. This connection reads,
// and writes only while the service starts (recovery).
import type { Database } from "bun:sqlite";
import { join } from "node:path";
import { closeDatabase, type Migration, openDatabase } from "../../runtime/db.ts";
import { DbWriter, type WriteStatement } from "../../runtime/db-writer.ts";
import type { History, SimEvent } from "./engine/index.ts";

const MIGRATIONS: Migration[] = [
  `CREATE TABLE sessions (
     id INTEGER PRIMARY KEY,
     started_at REAL NOT NULL,
     config_path TEXT NOT NULL,
     playtime REAL NOT NULL DEFAULT 0,
     ticks INTEGER NOT NULL DEFAULT 0
   );
   CREATE TABLE discoveries (
     id INTEGER PRIMARY KEY,
     session_id INTEGER NOT NULL,
     at REAL NOT NULL,
     sim_time REAL NOT NULL,
     zone TEXT NOT NULL,
     document TEXT NOT NULL,
     source TEXT NOT NULL,
     cloud_level REAL NOT NULL
   );
   CREATE TABLE contradictions (
     id INTEGER PRIMARY KEY,
     session_id INTEGER NOT NULL,
     at REAL NOT NULL,
     sim_time REAL NOT NULL,
     npc_id TEXT NOT NULL,
     zone TEXT NOT NULL,
     rule TEXT NOT NULL,
     cloud_level REAL NOT NULL
   );
   CREATE TABLE world (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     session_id INTEGER NOT NULL,
     config_path TEXT NOT NULL,
     files TEXT NOT NULL,
     snapshot BLOB NOT NULL
   );`,
  // Ticks since the last snapshot (before the file journal: still replayed when present).
  `CREATE TABLE journal (
     seq INTEGER PRIMARY KEY,
     dt REAL NOT NULL,
     event TEXT
   );`,
  // The snapshot gets a row of its own: updating it in the world row rewrote the whole
  // config JSON (megabytes for a large world) on every snapshot.
  `CREATE TABLE world_state (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     snapshot BLOB NOT NULL
   );
   INSERT INTO world_state (id, snapshot) SELECT 1, snapshot FROM world WHERE id = 1;
   UPDATE world SET snapshot = x'';`,
  // The last journaled tick the snapshot covers (the file journal's records carry it).
  `ALTER TABLE world_state ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;`,
];

export interface JournalRow {
  dt: number;
  event: string | null;
}

export interface StoredWorld {
  sessionId: number;
  configPath: string;
  files: string;
  snapshot: Uint8Array;
  /** Last tick sequence number the snapshot covers. */
  seq: number;
  /** Ticks journaled in SQLite by an older version, replayed before the file journal. */
  legacyJournal: JournalRow[];
}

export interface DiscoveryRow {
  session_id: number;
  at: number;
  sim_time: number;
  zone: string;
  document: string;
  source: string;
  cloud_level: number;
}

export interface ContradictionRow {
  session_id: number;
  at: number;
  sim_time: number;
  npc_id: string;
  zone: string;
  rule: string;
  cloud_level: number;
}

/**
 * What acknowledged ticks added since the last checkpoint. Rows are kept as JSON array
 * text, built a row at a time, so handing a thousand of them to the writer thread is one
 * string (cloning a thousand statement objects held the event loop for milliseconds).
 */
export interface PendingHistory {
  sessionId: number;
  ticks: number;
  playtime: number;
  discoveries: number;
  contradictions: number;
  /** `[session_id, at, sim_time, zone, document, source, cloud_level]` rows, comma-joined. */
  discoveryRows: string;
  /** `[session_id, at, sim_time, npc_id, zone, rule, cloud_level]` rows, comma-joined. */
  contradictionRows: string;
}

export const emptyPending = (sessionId: number): PendingHistory => ({
  sessionId, ticks: 0, playtime: 0, discoveries: 0, contradictions: 0, discoveryRows: "", contradictionRows: "",
});

/** `b` after `a`: what a failed checkpoint left, then what came since. */
export function mergePending(a: PendingHistory, b: PendingHistory): PendingHistory {
  const join = (x: string, y: string): string => (x === "" ? y : y === "" ? x : `${x},${y}`);
  return {
    sessionId: b.sessionId,
    ticks: a.ticks + b.ticks,
    playtime: a.playtime + b.playtime,
    discoveries: a.discoveries + b.discoveries,
    contradictions: a.contradictions + b.contradictions,
    discoveryRows: join(a.discoveryRows, b.discoveryRows),
    contradictionRows: join(a.contradictionRows, b.contradictionRows),
  };
}

const str = (v: string | number | null | undefined): string => (v === null || v === undefined ? "" : String(v));
const num = (v: string | number | null | undefined): number => (typeof v === "number" ? v : 0);

/** Adds one tick's playtime and history rows to `p`. */
export function addTick(p: PendingHistory, dt: number, simTime: number, at: number, events: SimEvent[]): void {
  p.ticks++;
  p.playtime += dt;
  for (const e of events) {
    const x = e.details;
    if (e.type === "discovery_made") {
      const row = JSON.stringify([p.sessionId, at, simTime, str(x.zone), str(x.document), str(x.source), num(x.cloud_level)]);
      p.discoveryRows = p.discoveries++ === 0 ? row : `${p.discoveryRows},${row}`;
    } else if (e.type === "contradiction_triggered") {
      const row = JSON.stringify([p.sessionId, at, simTime, str(x.npc_id), str(x.zone), str(x.rule), num(x.cloud_level)]);
      p.contradictionRows = p.contradictions++ === 0 ? row : `${p.contradictionRows},${row}`;
    }
  }
}

const SQL = {
  playtime: "UPDATE sessions SET playtime = playtime + :dt, ticks = ticks + :n WHERE id = :id",
  discoveries: `INSERT INTO discoveries (session_id, at, sim_time, zone, document, source, cloud_level)
                SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6 FROM json_each(:rows)`,
  contradictions: `INSERT INTO contradictions (session_id, at, sim_time, npc_id, zone, rule, cloud_level)
                   SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6 FROM json_each(:rows)`,
  newSession: "INSERT INTO sessions (started_at, config_path) VALUES (:at, :path) RETURNING id",
  setWorld: `INSERT INTO world (id, session_id, config_path, files, snapshot)
             VALUES (1, (SELECT MAX(id) FROM sessions), :path, :files, x'')
             ON CONFLICT (id) DO UPDATE SET session_id = excluded.session_id, config_path = :path, files = :files`,
  setSnapshot: "INSERT INTO world_state (id, snapshot, seq) VALUES (1, :snap, :seq) ON CONFLICT (id) DO UPDATE SET snapshot = :snap, seq = :seq",
  clearJournal: "DELETE FROM journal",
  clearDiscoveries: "DELETE FROM discoveries",
  clearContradictions: "DELETE FROM contradictions",
} as const;

/** The statements that commit a batch of pending history. */
function historyStatements(p: PendingHistory): WriteStatement[] {
  const out: WriteStatement[] = [];
  if (p.ticks > 0) out.push({ sql: SQL.playtime, params: { dt: p.playtime, n: p.ticks, id: p.sessionId } });
  if (p.discoveries > 0) out.push({ sql: SQL.discoveries, params: { rows: `[${p.discoveryRows}]` } });
  if (p.contradictions > 0) out.push({ sql: SQL.contradictions, params: { rows: `[${p.contradictionRows}]` } });
  return out;
}

export class MallStore {
  private readonly db: Database;
  private readonly path: string;
  private writer: DbWriter | null = null;
  private counters: History;

  constructor(dataDir: string) {
    this.db = openDatabase(dataDir, "mall", MIGRATIONS);
    this.path = join(dataDir, "mall.sqlite");
    // Commits run on the writer thread, with SQLite's automatic checkpoint (it fsyncs)
    // inside them there; this connection writes only during startup recovery.
    this.db.exec("PRAGMA wal_autocheckpoint = 0");
    this.counters = this.readCounters();
  }

  private readCounters(): History {
    const one = <T>(sql: string) => this.db.query<T, []>(sql).get() as T;
    const s = one<{ n: number; t: number | null }>("SELECT COUNT(*) AS n, SUM(playtime) AS t FROM sessions");
    return {
      sessions: s.n,
      total_playtime: s.t ?? 0,
      discoveries: one<{ n: number }>("SELECT COUNT(*) AS n FROM discoveries").n,
      contradictions: one<{ n: number }>("SELECT COUNT(*) AS n FROM contradictions").n,
    };
  }

  /** Sessions, playtime and logged history, acknowledged ticks included (committed or still journaled). */
  history(): History {
    return { ...this.counters };
  }

  /** Counts an acknowledged tick in the history figures (its rows are committed at the next checkpoint). */
  countTick(dt: number, discoveries: number, contradictions: number): void {
    this.counters.total_playtime += dt;
    this.counters.discoveries += discoveries;
    this.counters.contradictions += contradictions;
  }

  /** The writer thread starts with the service (it takes a few ms to come up); a read-only store never starts one. */
  startWriter(): void {
    this.writer ??= new DbWriter(this.path);
  }

  private get write(): DbWriter {
    return (this.writer ??= new DbWriter(this.path));
  }

  /**
   * A new session and the world it runs, in one transaction with what the previous world's
   * ticks left pending; resolves with the session id once committed.
   */
  async openSession(configPath: string, files: string, snap: Uint8Array, seq: number, at: number, pending: PendingHistory | null): Promise<number> {
    const rows = await this.write.transaction([
      ...(pending ? historyStatements(pending) : []),
      { sql: SQL.newSession, params: { at, path: configPath }, rows: true },
      { sql: SQL.setWorld, params: { path: configPath, files } },
      { sql: SQL.setSnapshot, params: { snap, seq } },
      { sql: SQL.clearJournal },
    ]);
    const id = (rows.at(-4)?.[0] as { id: number } | undefined)?.id;
    if (id === undefined) throw new Error("session insert returned no id");
    this.counters.sessions++;
    return id;
  }

  /** Commits pending history with the snapshot that covers it (off the event loop); the snapshot's buffer moves. */
  checkpoint(pending: PendingHistory, snap: Uint8Array, seq: number): Promise<void> {
    return this.write
      .transaction([...historyStatements(pending), { sql: SQL.setSnapshot, params: { snap, seq } }, { sql: SQL.clearJournal }], [snap.buffer as ArrayBuffer])
      .then(() => undefined);
  }

  /** After /reset: pending history, then the new snapshot; the history cleared unless memory is kept. */
  async reset(keepMemory: boolean, snap: Uint8Array, seq: number, pending: PendingHistory): Promise<void> {
    await this.write.transaction([
      ...historyStatements(pending),
      ...(keepMemory ? [] : [{ sql: SQL.clearDiscoveries }, { sql: SQL.clearContradictions }]),
      { sql: SQL.setSnapshot, params: { snap, seq } },
      { sql: SQL.clearJournal },
    ]);
    if (!keepMemory) {
      this.counters.discoveries = 0;
      this.counters.contradictions = 0;
    }
  }

  /**
   * Startup: commits what the journal replay recovered (history rows and the snapshot
   * after them) on this connection, synchronously, before the service takes requests;
   * then reads the history figures.
   */
  recover(pending: PendingHistory, snap: Uint8Array, seq: number): void {
    this.db.transaction(() => {
      for (const st of [...historyStatements(pending), { sql: SQL.setSnapshot, params: { snap, seq } }, { sql: SQL.clearJournal }]) {
        this.db.query(st.sql).run(st.params ?? {});
      }
    }).immediate();
    this.counters = this.readCounters();
  }

  loadWorld(): StoredWorld | null {
    const row = this.db
      .query<{ session_id: number; config_path: string; files: string; snapshot: Uint8Array; seq: number }, []>(
        "SELECT w.session_id, w.config_path, w.files, s.snapshot, s.seq FROM world w JOIN world_state s ON s.id = 1 WHERE w.id = 1",
      )
      .get();
    if (!row) return null;
    const legacyJournal = this.db.query<JournalRow, []>("SELECT dt, event FROM journal ORDER BY seq").all();
    return { sessionId: row.session_id, configPath: row.config_path, files: row.files, snapshot: row.snapshot, seq: row.seq, legacyJournal };
  }

  discoveries(): DiscoveryRow[] {
    return this.db.query<DiscoveryRow, []>("SELECT session_id, at, sim_time, zone, document, source, cloud_level FROM discoveries ORDER BY id").all();
  }

  contradictions(): ContradictionRow[] {
    return this.db.query<ContradictionRow, []>("SELECT session_id, at, sim_time, npc_id, zone, rule, cloud_level FROM contradictions ORDER BY id").all();
  }

  /** Finishes queued writes, then closes both connections (the WAL is folded into the file). */
  async close(): Promise<void> {
    await this.writer?.close();
    closeDatabase(this.db);
  }
}
