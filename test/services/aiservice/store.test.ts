import { describe, expect, test } from "bun:test";
import { decodeVector, encodeVector, AiStore } from "../../../src/services/aiservice/store.ts";
import { embed } from "../../../src/services/aiservice/engine/index.ts";
import { tempDir } from "../../helpers.ts";

describe("crew task records", () => {
  test("only the newest crew_tasks_retain rows are kept, and task numbers keep rising", () => {
    const store = new AiStore(tempDir());
    try {
      let last = 0;
      for (let i = 0; i < 2500; i++) last = store.addCrewTask("s", "strategic", "deterministic", i, 1, { i }, 1000);
      expect(last).toBe(2500);
      expect(store.countCrewTasks()).toBeLessThanOrEqual(1500);
      expect(store.countCrewTasks()).toBeGreaterThanOrEqual(1000);
      expect(store.db.query<{ id: number }, []>("SELECT MIN(id) AS id FROM crew_tasks").get()?.id).toBe(1001);
    } finally {
      store.close();
    }
  });
});

describe("embedding storage", () => {
  test("a local embedding is stored sparse and decodes to the same vector", () => {
    const v = embed({ type: "combat", location: "prontera", level: 85 }).vector;
    const { sparse, bytes } = encodeVector(v);
    expect(sparse).toBe(true);
    expect(bytes.byteLength).toBeLessThan(v.length);
    expect(Array.from(decodeVector(bytes, v.length, true))).toEqual(Array.from(v));
  });

  test("a dense vector is stored dense and decodes to the same vector", () => {
    const v = Float32Array.from({ length: 16 }, (_, i) => (i + 1) / 17);
    const { sparse, bytes } = encodeVector(v);
    expect(sparse).toBe(false);
    expect(bytes.byteLength).toBe(64);
    expect(Array.from(decodeVector(bytes, 16, false))).toEqual(Array.from(v));
  });

  test("the database runs in WAL mode with the §11.5 settings and reloads what it stored", () => {
    const dir = tempDir();
    const store = new AiStore(dir);
    expect(store.db.query<{ journal_mode: string }, []>("PRAGMA journal_mode").get()?.journal_mode).toBe("wal");
    expect(store.db.query<{ timeout: number }, []>("PRAGMA busy_timeout").get()?.timeout).toBe(5000);
    expect(store.db.query<{ synchronous: number }, []>("PRAGMA synchronous").get()?.synchronous).toBe(1);
    const vector = embed({ type: "loot" }).vector;
    const id = store.addMemory({ sessionId: "s", eventJson: '{"type":"loot"}', importance: 0.4, eventTime: 7, storedAt: 9, vector, generated: true });
    const seen: number[] = [];
    store.loadAll((m) => {
      seen.push(m.id);
      expect(m.sessionId).toBe("s");
      expect(Array.from(m.vector)).toEqual(Array.from(vector));
    });
    expect(seen).toEqual([id]);
    expect(store.getMemory(id)).toEqual({ id, event: { type: "loot" }, eventTime: 7, importance: 0.4 });
    store.close();
  });
});

describe("maintenance thread", () => {
  test("a checkpoint on the maintenance thread copies the WAL into the main file", async () => {
    const { statSync } = await import("node:fs");
    const { Maintenance } = await import("../../../src/services/aiservice/maintenance.ts");
    const dir = tempDir();
    const store = new AiStore(dir);
    store.db.exec("PRAGMA wal_autocheckpoint = 0");
    const before = statSync(store.path).size;
    const vector = embed({ type: "combat" }).vector;
    for (let i = 0; i < 500; i++) store.addMemory({ sessionId: "s", eventJson: `{"n":${i}}`, importance: 0.5, eventTime: i, storedAt: i, vector, generated: true });
    expect(statSync(store.path).size).toBe(before);
    const m = new Maintenance(store.path);
    await m.checkpoint();
    expect(statSync(store.path).size).toBeGreaterThan(before);
    const target = `${dir}/copy.sqlite`;
    await m.vacuumInto(target);
    const { Database } = await import("bun:sqlite");
    const copy = new Database(target, { readonly: true });
    expect(copy.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM memories").get()?.n).toBe(500);
    copy.close();
    m.close();
    store.close();
  });
});
