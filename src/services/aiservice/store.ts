// SQLite persistence (§11.5): WAL, busy_timeout 5000, synchronous NORMAL (runtime/db.ts);
// every write in an IMMEDIATE transaction, reads in DEFERRED ones.
//
// Embeddings are stored compactly: a sparse vector (fewer than dim/4 non-zeros, the
// usual case for local embeddings) as uint16 indices followed by float32 values, a
// dense one as float32s (a local embedding: ~150 bytes instead of 1 KB).

import type { Database, Statement } from "bun:sqlite";
import { statSync } from "node:fs";
import { join } from "node:path";
import { closeDatabase, openDatabase, type Migration } from "../../runtime/db.ts";

const MIGRATIONS: readonly Migration[] = [
  `CREATE TABLE memories (
     id INTEGER PRIMARY KEY,
     session_id TEXT NOT NULL,
     event TEXT NOT NULL,
     importance REAL NOT NULL,
     event_time INTEGER NOT NULL,
     stored_at INTEGER NOT NULL,
     dim INTEGER NOT NULL,
     sparse INTEGER NOT NULL,
     embedding BLOB NOT NULL,
     embedding_generated INTEGER NOT NULL
   );
   CREATE INDEX memories_by_session ON memories(session_id, id);
   CREATE TABLE crew_tasks (
     id INTEGER PRIMARY KEY,
     session_id TEXT NOT NULL,
     task_type TEXT NOT NULL,
     planner TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     processing_time_ms REAL NOT NULL,
     result TEXT NOT NULL
   );`,
];

export interface NewMemory {
  readonly sessionId: string;
  readonly eventJson: string;
  readonly importance: number;
  readonly eventTime: number;
  readonly storedAt: number;
  readonly vector: Float32Array;
  readonly generated: boolean;
}

export interface LoadedMemory {
  readonly id: number;
  readonly sessionId: string;
  readonly importance: number;
  readonly eventTime: number;
  readonly vector: Float32Array;
}

export interface MemoryRecord {
  readonly id: number;
  readonly event: unknown;
  readonly eventTime: number;
  readonly importance: number;
}

interface MemoryRow {
  id: number;
  session_id: string;
  importance: number;
  event_time: number;
  dim: number;
  sparse: number;
  embedding: Uint8Array;
}

export function encodeVector(v: Float32Array): { sparse: boolean; bytes: Uint8Array } {
  let nz = 0;
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) nz++;
  if (nz * 4 >= v.length || v.length > 65_536) {
    const dense = new Uint8Array(v.length * 4);
    const dv = new DataView(dense.buffer);
    for (let i = 0; i < v.length; i++) dv.setFloat32(i * 4, v[i] ?? 0, true);
    return { sparse: false, bytes: dense };
  }
  const buf = new ArrayBuffer(nz * 6);
  // Little-endian through a DataView: values follow the indices with no alignment needs.
  const view = new DataView(buf);
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i] ?? 0;
    if (x === 0) continue;
    view.setUint16(n * 2, i, true);
    view.setFloat32(nz * 2 + n * 4, x, true);
    n++;
  }
  return { sparse: true, bytes: new Uint8Array(buf) };
}

export function decodeVector(bytes: Uint8Array, dim: number, sparse: boolean): Float32Array {
  const out = new Float32Array(dim);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!sparse) {
    const n = Math.min(dim, bytes.byteLength >> 2);
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
    return out;
  }
  const nz = bytes.byteLength / 6;
  for (let k = 0; k < nz; k++) {
    const i = view.getUint16(k * 2, true);
    if (i < dim) out[i] = view.getFloat32(nz * 2 + k * 4, true);
  }
  return out;
}

export class AiStore {
  readonly db: Database;
  readonly path: string;
  private readonly insertMemory: Statement;
  private readonly selectMemory: Statement<{ id: number; event: string; event_time: number; importance: number }, [{ id: number }]>;
  private readonly insertTask: Statement;

  constructor(dataDir: string) {
    this.db = openDatabase(dataDir, "aiservice", MIGRATIONS);
    this.path = join(dataDir, "aiservice.sqlite");
    this.insertMemory = this.db.prepare(
      `INSERT INTO memories (session_id, event, importance, event_time, stored_at, dim, sparse, embedding, embedding_generated)
       VALUES ($session_id, $event, $importance, $event_time, $stored_at, $dim, $sparse, $embedding, $generated)`,
    );
    this.selectMemory = this.db.prepare("SELECT id, event, event_time, importance FROM memories WHERE id = $id");
    this.insertTask = this.db.prepare(
      `INSERT INTO crew_tasks (session_id, task_type, planner, created_at, processing_time_ms, result)
       VALUES ($session_id, $task_type, $planner, $created_at, $ms, $result)`,
    );
  }

  /** Inserts one memory in an IMMEDIATE transaction; returns its row id. */
  addMemory(m: NewMemory): number {
    const { sparse, bytes } = encodeVector(m.vector);
    return this.db
      .transaction(() => {
        const r = this.insertMemory.run({
          session_id: m.sessionId,
          event: m.eventJson,
          importance: m.importance,
          event_time: m.eventTime,
          stored_at: m.storedAt,
          dim: m.vector.length,
          sparse: sparse ? 1 : 0,
          embedding: bytes,
          generated: m.generated ? 1 : 0,
        });
        return Number(r.lastInsertRowid);
      })
      .immediate();
  }

  getMemory(id: number): MemoryRecord | undefined {
    const row = this.selectMemory.get({ id });
    if (!row) return undefined;
    return { id: row.id, event: JSON.parse(row.event) as unknown, eventTime: row.event_time, importance: row.importance };
  }

  /** Every memory in id order, in one DEFERRED (read) transaction, for rebuilding the indexes. */
  loadAll(visit: (m: LoadedMemory, dim: number) => void): number {
    const q = this.db.query<MemoryRow, []>("SELECT id, session_id, importance, event_time, dim, sparse, embedding FROM memories ORDER BY id");
    let n = 0;
    this.db
      .transaction(() => {
        for (const row of q.iterate()) {
          const vector = decodeVector(row.embedding, row.dim, row.sparse === 1);
          visit({ id: row.id, sessionId: row.session_id, importance: row.importance, eventTime: row.event_time, vector }, row.dim);
          n++;
        }
      })
      .deferred();
    return n;
  }

  /** Records a finished crew task in an IMMEDIATE transaction; returns its number. */
  /** Records a crew task; every 1,000th insert drops all but the newest `retain` rows (ids keep rising). */
  addCrewTask(sessionId: string, taskType: string, planner: string, createdAt: number, ms: number, result: unknown, retain = Infinity): number {
    return this.db
      .transaction(() => {
        const id = Number(
          this.insertTask.run({ session_id: sessionId, task_type: taskType, planner, created_at: createdAt, ms, result: JSON.stringify(result) })
            .lastInsertRowid,
        );
        if (Number.isFinite(retain) && id % 1000 === 0) this.db.run("DELETE FROM crew_tasks WHERE id <= ?", [id - retain]);
        return id;
      })
      .immediate();
  }

  countMemories(): number {
    return this.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM memories").get()?.n ?? 0;
  }

  countCrewTasks(): number {
    return this.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM crew_tasks").get()?.n ?? 0;
  }

  ping(): boolean {
    return this.db.query<{ ok: number }, []>("SELECT 1 AS ok").get()?.ok === 1;
  }

  /** Main file plus WAL, in bytes. */
  sizeBytes(): number {
    let total = 0;
    for (const file of [this.path, `${this.path}-wal`]) {
      try {
        total += statSync(file).size;
      } catch {
        // No WAL file yet.
      }
    }
    return total;
  }

  close(): void {
    closeDatabase(this.db);
  }
}
