/**
 * SQLite persistence for kolibri: programs and their id counter, the dialog counter,
 * F-KV entries, the chain and the X-Request-Id replay cache (so a retry after a
 * restart still replays instead of storing or mining twice).
 */
import type { Database } from "bun:sqlite";
import type { StoredResponse, ReplayStore } from "../../runtime/idempotency.ts";
import type { Block } from "./engine/chain.ts";
import type { FkvEntry, FkvKind } from "./engine/fkv.ts";
import type { ProgramForm } from "./engine/program.ts";

export const MIGRATIONS = [
  `CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
   CREATE TABLE programs (
     id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, form TEXT NOT NULL, source TEXT NOT NULL,
     canonical TEXT NOT NULL, bytes BLOB NOT NULL, poe REAL NOT NULL, mdl INTEGER NOT NULL,
     score REAL NOT NULL, accepted INTEGER NOT NULL, vm_status TEXT NOT NULL, result TEXT NOT NULL,
     created_at INTEGER NOT NULL);
   CREATE TABLE fkv (key TEXT PRIMARY KEY, kind TEXT NOT NULL, payload TEXT NOT NULL, priority REAL NOT NULL);
   CREATE TABLE blocks (
     height INTEGER PRIMARY KEY, prev_hash TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, timestamp INTEGER NOT NULL,
     program BLOB NOT NULL, nonce INTEGER NOT NULL, difficulty INTEGER NOT NULL, program_id TEXT NOT NULL,
     poe REAL NOT NULL, mdl INTEGER NOT NULL, score REAL NOT NULL);
   CREATE TABLE replay (key TEXT PRIMARY KEY, status INTEGER NOT NULL, body TEXT NOT NULL,
     content_type TEXT NOT NULL, created_at INTEGER NOT NULL);`,
  // A replay is only for a retry of the same body: the request's fingerprint is kept with it.
  `ALTER TABLE replay ADD COLUMN fingerprint TEXT;`,
] as const;

export interface ProgramRecord {
  id: string;
  seq: number;
  form: ProgramForm;
  source: string;
  canonical: string;
  bytes: Uint8Array;
  poe: number;
  mdl: number;
  score: number;
  accepted: boolean;
  vmStatus: string;
  result: string;
  createdAt: number;
}

interface ProgramRow {
  id: string;
  seq: number;
  form: string;
  source: string;
  canonical: string;
  bytes: Uint8Array;
  poe: number;
  mdl: number;
  score: number;
  accepted: number;
  vm_status: string;
  result: string;
  created_at: number;
}

interface BlockRow {
  height: number;
  prev_hash: string;
  hash: string;
  timestamp: number;
  program: Uint8Array;
  nonce: number;
  difficulty: number;
  program_id: string;
  poe: number;
  mdl: number;
  score: number;
}

export const programId = (seq: number): string => `prog-${String(seq).padStart(6, "0")}`;

const toProgram = (r: ProgramRow): ProgramRecord => ({
  id: r.id,
  seq: r.seq,
  form: r.form as ProgramForm,
  source: r.source,
  canonical: r.canonical,
  bytes: new Uint8Array(r.bytes),
  poe: r.poe,
  mdl: r.mdl,
  score: r.score,
  accepted: r.accepted === 1,
  vmStatus: r.vm_status,
  result: r.result,
  createdAt: r.created_at,
});

const toBlock = (r: BlockRow): Block => ({
  height: r.height,
  prevHash: r.prev_hash,
  hash: r.hash,
  timestamp: r.timestamp,
  program: new Uint8Array(r.program),
  nonce: r.nonce,
  difficulty: r.difficulty,
  programId: r.program_id,
  poe: r.poe,
  mdl: r.mdl,
  score: r.score,
});

export class KolibriStore implements ReplayStore {
  private replayWrites = 0;

  constructor(
    private readonly db: Database,
    private readonly now: () => number,
    private readonly replayMax = 100_000,
  ) {}

  private counter(name: string): number {
    return this.db.query<{ value: number }, [string]>("SELECT value FROM counters WHERE name = ?").get(name)?.value ?? 0;
  }

  private bump(name: string): number {
    const next = this.counter(name) + 1;
    this.db.query("INSERT INTO counters (name, value) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET value = ?2").run(name, next);
    return next;
  }

  /**
   * Allocates the next `prog-NNNNNN` id and stores the program in one transaction, with
   * its F-KV entry when `fkvFor` gives one (an accepted program): a crash never leaves a
   * counted program without its entry.
   */
  insertProgram(p: Omit<ProgramRecord, "id" | "seq">, fkvFor?: (rec: ProgramRecord) => FkvEntry | null): { rec: ProgramRecord; fkv: FkvEntry | null } {
    return this.db.transaction((): { rec: ProgramRecord; fkv: FkvEntry | null } => {
      const seq = this.bump("program");
      const rec: ProgramRecord = { ...p, id: programId(seq), seq };
      this.db
        .query(
          `INSERT INTO programs (id, seq, form, source, canonical, bytes, poe, mdl, score, accepted, vm_status, result, created_at)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)`,
        )
        .run(rec.id, seq, rec.form, rec.source, rec.canonical, rec.bytes, rec.poe, rec.mdl, rec.score, rec.accepted ? 1 : 0, rec.vmStatus, rec.result, rec.createdAt);
      const fkv = fkvFor?.(rec) ?? null;
      if (fkv) this.putFkv(fkv);
      return { rec, fkv };
    }).immediate();
  }

  getProgram(id: string): ProgramRecord | undefined {
    const row = this.db.query<ProgramRow, [string]>("SELECT * FROM programs WHERE id = ?").get(id);
    return row ? toProgram(row) : undefined;
  }

  programCount(): number {
    return this.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM programs").get()?.n ?? 0;
  }

  /** Takes the next dialog counter and stores the entry made for it, in one transaction. */
  insertDialogEntry(make: (counter: number) => FkvEntry): FkvEntry {
    return this.db.transaction((): FkvEntry => {
      const e = make(this.bump("dialog"));
      this.putFkv(e);
      return e;
    }).immediate();
  }

  putFkv(e: FkvEntry): void {
    this.db
      .query("INSERT INTO fkv (key, kind, payload, priority) VALUES (?1, ?2, ?3, ?4) ON CONFLICT(key) DO UPDATE SET kind = ?2, payload = ?3, priority = ?4")
      .run(e.key, e.kind, e.payload, e.priority);
  }

  /** Entries in priority order, so replaying them rebuilds the same trie. */
  loadFkv(): FkvEntry[] {
    return this.db
      .query<{ key: string; kind: string; payload: string; priority: number }, []>("SELECT key, kind, payload, priority FROM fkv ORDER BY priority")
      .all()
      .map((r) => ({ key: r.key, kind: r.kind as FkvKind, payload: r.payload, priority: r.priority }));
  }

  fkvCount(): number {
    return this.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM fkv").get()?.n ?? 0;
  }

  appendBlock(b: Block): void {
    this.db
      .query(
        `INSERT INTO blocks (height, prev_hash, hash, timestamp, program, nonce, difficulty, program_id, poe, mdl, score)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)`,
      )
      .run(b.height, b.prevHash, b.hash, b.timestamp, b.program, b.nonce, b.difficulty, b.programId, b.poe, b.mdl, b.score);
  }

  loadBlocks(): Block[] {
    return this.db.query<BlockRow, []>("SELECT * FROM blocks ORDER BY height").all().map(toBlock);
  }

  get(key: string): StoredResponse | undefined {
    const r = this.db
      .query<{ status: number; body: string; content_type: string; fingerprint: string | null }, [string]>("SELECT status, body, content_type, fingerprint FROM replay WHERE key = ?")
      .get(key);
    if (!r) return undefined;
    const out: StoredResponse = { status: r.status, body: r.body, contentType: r.content_type };
    if (r.fingerprint !== null) out.fingerprint = r.fingerprint;
    return out;
  }

  set(key: string, value: StoredResponse): void {
    this.db
      .query("INSERT OR REPLACE INTO replay (key, status, body, content_type, created_at, fingerprint) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
      .run(key, value.status, value.body, value.contentType, this.now(), value.fingerprint ?? null);
    // Bounded: every so often drop the oldest rows past the cache size.
    if (++this.replayWrites % 512 !== 0) return;
    this.db.query("DELETE FROM replay WHERE rowid IN (SELECT rowid FROM replay ORDER BY created_at, rowid LIMIT max(0, (SELECT COUNT(*) FROM replay) - ?))").run(this.replayMax);
  }

  replayCount(): number {
    return this.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM replay").get()?.n ?? 0;
  }
}
