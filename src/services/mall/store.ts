// SQLite persistence: sessions (one per /init) with simulated playtime, the discovery and
// contradiction history, and the current world (its validated config and a snapshot of
// its dynamic state after the last acknowledged request).
import type { Database } from "bun:sqlite";
import { statSync } from "node:fs";
import { join } from "node:path";
import { closeDatabase, type Migration, openDatabase } from "../../runtime/db.ts";

/** 1,000 pages of 4 KiB: SQLite's own auto-checkpoint threshold. */
const WAL_FLUSH_BYTES = 1000 * 4096;
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
  // Ticks since the last snapshot; replayed on resume (the step is deterministic).
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
  journal: JournalRow[];
}

/** One acknowledged tick: its input (for replay) and what it produced. */
export interface TickRecord {
  sessionId: number;
  dt: number;
  simTime: number;
  at: number;
  /** JSON of the resolved player event, or null. */
  input: string | null;
  events: SimEvent[];
  /** When given, replaces the stored snapshot and empties the journal. */
  snapshot: Uint8Array | null;
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

const str = (v: string | number | null | undefined): string => (v === null || v === undefined ? "" : String(v));
const num = (v: string | number | null | undefined): number => (typeof v === "number" ? v : 0);

export class MallStore {
  private readonly db: Database;
  private readonly walFile: string;
  private counters: History;
  private readonly q;
  private readonly tickTx: ReturnType<MallStore["makeTickTx"]>;

  constructor(dataDir: string) {
    this.db = openDatabase(dataDir, "mall", MIGRATIONS);
    this.walFile = join(dataDir, "mall.sqlite-wal");
    // SQLite's automatic checkpoint runs inside whichever commit crosses 1,000 WAL pages,
    // which put ~28 ms on one tick after a large /init. The bridge checkpoints after replies
    // instead (flushWal), so no tick pays for it.
    this.db.exec("PRAGMA wal_autocheckpoint = 0");
    const db = this.db;
    this.q = {
      newSession: db.query<{ id: number }, { at: number; path: string }>(
        "INSERT INTO sessions (started_at, config_path) VALUES (:at, :path) RETURNING id",
      ),
      playtime: db.query("UPDATE sessions SET playtime = playtime + :dt, ticks = ticks + 1 WHERE id = :id"),
      discovery: db.query(
        `INSERT INTO discoveries (session_id, at, sim_time, zone, document, source, cloud_level)
         VALUES (:session_id, :at, :sim_time, :zone, :document, :source, :cloud_level)`,
      ),
      contradiction: db.query(
        `INSERT INTO contradictions (session_id, at, sim_time, npc_id, zone, rule, cloud_level)
         VALUES (:session_id, :at, :sim_time, :npc_id, :zone, :rule, :cloud_level)`,
      ),
      setWorld: db.query(
        `INSERT INTO world (id, session_id, config_path, files, snapshot) VALUES (1, :sid, :path, :files, x'')
         ON CONFLICT (id) DO UPDATE SET session_id = :sid, config_path = :path, files = :files`,
      ),
      setSnapshot: db.query(
        "INSERT INTO world_state (id, snapshot) VALUES (1, :snap) ON CONFLICT (id) DO UPDATE SET snapshot = :snap",
      ),
      journal: db.query("INSERT INTO journal (dt, event) VALUES (:dt, :event)"),
      clearJournal: db.query("DELETE FROM journal"),
    };
    this.tickTx = this.makeTickTx();
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

  history(): History {
    return { ...this.counters };
  }

  /** A new session and the world it runs, in one transaction. */
  openSession(configPath: string, files: string, snap: Uint8Array, at: number): number {
    const id = this.db.transaction(() => {
      const row = this.q.newSession.get({ at, path: configPath });
      if (!row) throw new Error("session insert returned no id");
      this.q.setWorld.run({ sid: row.id, path: configPath, files });
      this.q.setSnapshot.run({ snap });
      this.q.clearJournal.run();
      return row.id;
    }).immediate();
    this.counters.sessions++;
    return id;
  }

  /** Everything one tick changed, committed together before the reply is sent. */
  recordTick(t: TickRecord): void {
    const [d, c] = this.tickTx.immediate(t);
    this.counters.total_playtime += t.dt;
    this.counters.discoveries += d;
    this.counters.contradictions += c;
  }

  /** Replaces the stored snapshot and drops the journal it covers, atomically. */
  checkpoint(snap: Uint8Array): void {
    this.db.transaction(() => {
      this.q.setSnapshot.run({ snap });
      this.q.clearJournal.run();
    }).immediate();
  }

  /**
   * Copies the WAL into the database file (between requests) once it holds more than
   * SQLite's default auto-checkpoint size: a checkpoint fsyncs, so doing it on every
   * snapshot would put a few-ms stall in front of the next request at high tick rates.
   */
  flushWal(force = false): void {
    if (!force) {
      let size = 0;
      try {
        size = statSync(this.walFile).size;
      } catch {
        return; // no WAL file: nothing to copy
      }
      if (size < WAL_FLUSH_BYTES) return;
    }
    this.db.exec("PRAGMA wal_checkpoint(PASSIVE)");
  }

  /** Built once: creating a transaction wrapper per tick costs a third of the commit. */
  private makeTickTx() {
    return this.db.transaction((t: TickRecord): [number, number] => {
      let d = 0;
      let c = 0;
      const { sessionId, at, simTime } = t;
      this.q.playtime.run({ dt: t.dt, id: sessionId });
      for (const e of t.events) {
        const x = e.details;
        if (e.type === "discovery_made") {
          this.q.discovery.run({
            session_id: sessionId, at, sim_time: simTime, zone: str(x.zone),
            document: str(x.document), source: str(x.source), cloud_level: num(x.cloud_level),
          });
          d++;
        } else if (e.type === "contradiction_triggered") {
          this.q.contradiction.run({
            session_id: sessionId, at, sim_time: simTime, npc_id: str(x.npc_id),
            zone: str(x.zone), rule: str(x.rule), cloud_level: num(x.cloud_level),
          });
          c++;
        }
      }
      if (t.snapshot) {
        this.q.setSnapshot.run({ snap: t.snapshot });
        this.q.clearJournal.run();
      } else {
        this.q.journal.run({ dt: t.dt, event: t.input });
      }
      return [d, c];
    });
  }

  /** After /reset: the new snapshot, and the history cleared unless memory is kept. */
  reset(keepMemory: boolean, snap: Uint8Array): void {
    this.db.transaction(() => {
      if (!keepMemory) {
        this.db.run("DELETE FROM discoveries");
        this.db.run("DELETE FROM contradictions");
      }
      this.q.setSnapshot.run({ snap });
      this.q.clearJournal.run();
    }).immediate();
    if (!keepMemory) {
      this.counters.discoveries = 0;
      this.counters.contradictions = 0;
    }
  }

  loadWorld(): StoredWorld | null {
    const row = this.db
      .query<{ session_id: number; config_path: string; files: string; snapshot: Uint8Array }, []>(
        "SELECT w.session_id, w.config_path, w.files, s.snapshot FROM world w JOIN world_state s ON s.id = 1 WHERE w.id = 1",
      )
      .get();
    if (!row) return null;
    const journal = this.db.query<JournalRow, []>("SELECT dt, event FROM journal ORDER BY seq").all();
    return { sessionId: row.session_id, configPath: row.config_path, files: row.files, snapshot: row.snapshot, journal };
  }

  discoveries(): DiscoveryRow[] {
    return this.db.query<DiscoveryRow, []>("SELECT session_id, at, sim_time, zone, document, source, cloud_level FROM discoveries ORDER BY id").all();
  }

  contradictions(): ContradictionRow[] {
    return this.db.query<ContradictionRow, []>("SELECT session_id, at, sim_time, npc_id, zone, rule, cloud_level FROM contradictions ORDER BY id").all();
  }

  close(): void {
    closeDatabase(this.db);
  }
}
