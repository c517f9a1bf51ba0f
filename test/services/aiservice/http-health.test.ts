import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createAiService } from "../../../src/services/aiservice/index.ts";
import { startTestService, tempDir } from "../../helpers.ts";

type Json = Record<string, unknown>;

async function json(res: Response): Promise<Json> {
  return (await res.json()) as Json;
}

async function until(cond: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error("condition not reached in time");
    await Bun.sleep(20);
  }
}

const store = (session: string, i: number) => ({ session_id: session, event: { type: "combat", location: "prontera", n: i }, importance: 0.5 });

describe("GET /api/health", () => {
  test("reports services, database size, memory count and no backup yet, field by field", async () => {
    const svc = await startTestService("aiservice", createAiService);
    try {
      for (let i = 0; i < 3; i++) await svc.call("POST", "/api/memory/store", store("h", i));
      const res = await svc.call("GET", "/api/health");
      expect(res.status).toBe(200);
      const body = await json(res);
      expect(body["status"]).toBe("healthy");
      expect(body["services"]).toEqual({ openmemory: "operational", crewai: "operational", database: "operational" });
      const db = body["database"] as Json;
      expect(db["size_mb"]).toBeGreaterThan(0);
      expect(db["memories_stored"]).toBe(3);
      expect(db["last_backup"]).toBeNull();
    } finally {
      await svc.stop();
    }
  });

  test("periodic VACUUM INTO backups are written, reported and pruned to the retention count", async () => {
    let clock = 1_800_000_000_000;
    const svc = await startTestService("aiservice", createAiService, {
      options: { backup_interval_minutes: 0.002, backup_retain: 2 },
      now: () => (clock += 1000),
    });
    try {
      await svc.call("POST", "/api/memory/store", store("b", 1));
      const dir = join(svc.dataDir, "aiservice", "backups");
      await until(() => existsSync(dir) && readdirSync(dir).filter((f) => f.endsWith(".sqlite")).length >= 2, 8000);
      await Bun.sleep(400);
      const files = readdirSync(dir).filter((f) => f.endsWith(".sqlite"));
      expect(files.length).toBe(2);
      const newest = files.map((f) => Number(/(\d+)/.exec(f)?.[1])).sort((a, b) => b - a)[0];
      const health = await json(await svc.call("GET", "/api/health"));
      expect((health["database"] as Json)["last_backup"]).toBeGreaterThanOrEqual(newest ?? Infinity);
      // A backup is a complete database holding the stored memory.
      const copy = new Database(join(dir, files[0] ?? ""), { readonly: true });
      expect(copy.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM memories").get()?.n).toBe(1);
      copy.close();
    } finally {
      await svc.stop();
    }
  });
});

describe("persistence and search paths", () => {
  test("memories survive a restart and are searchable again", async () => {
    const dataDir = tempDir();
    const first = await startTestService("aiservice", createAiService, { dataDir });
    const stored = await json(await first.call("POST", "/api/memory/store", { session_id: "p", event: { type: "death", location: "gl_knt01", situation: "surrounded by Raydric" }, importance: 0.9 }));
    await first.call("POST", "/api/memory/store", { session_id: "p", event: { type: "trade", location: "prontera" }, importance: 0.2 });
    await first.stop({ keepData: true });
    const second = await startTestService("aiservice", createAiService, { dataDir });
    try {
      const health = await json(await second.call("GET", "/api/health"));
      expect((health["database"] as Json)["memories_stored"]).toBe(2);
      const body = await json(await second.call("POST", "/api/memory/retrieve", { session_id: "p", current_state: { location: "gl_knt01", situation: "surrounded" }, top_k: 1 }));
      expect((body["memories"] as Json[])[0]?.["memory_id"]).toBe(stored["memory_id"]);
      const next = await json(await second.call("POST", "/api/memory/store", store("p", 3)));
      expect(next["memory_id"]).not.toBe(stored["memory_id"]);
    } finally {
      await second.stop();
    }
  });

  test("a pool-split search returns the same ranking as an inline one", async () => {
    const inline = await startTestService("aiservice", createAiService, { options: { pool_search_threshold: 1e12 } });
    const pooled = await startTestService("aiservice", createAiService, { options: { pool_search_threshold: 0, search_slices: 3 } });
    try {
      const locations = ["prontera", "geffen", "payon", "c_tower3", "gl_knt01"];
      for (let i = 0; i < 60; i++) {
        const event = { type: i % 2 ? "combat" : "trade", location: locations[i % 5], level: 50 + (i % 40), situation: i % 3 ? "monsters nearby" : "quiet" };
        for (const svc of [inline, pooled]) await svc.call("POST", "/api/memory/store", { session_id: "s", event, importance: (i % 10) / 10 });
      }
      const query = { session_id: "s", current_state: { location: "c_tower3", level: 85, situation: "multiple monsters nearby" }, top_k: 10 };
      const a = (await json(await inline.call("POST", "/api/memory/retrieve", query)))["memories"] as Json[];
      const tasksBefore = pooled.app.pool.stats().completed;
      const b = (await json(await pooled.call("POST", "/api/memory/retrieve", query)))["memories"] as Json[];
      expect(pooled.app.pool.stats().completed - tasksBefore).toBe(3);
      expect(b.length).toBe(10);
      expect(b.map((m) => [m["event"], m["score"]])).toEqual(a.map((m) => [m["event"], m["score"]]));
    } finally {
      await inline.stop();
      await pooled.stop();
    }
  });

  test("with require_token, requests without the bearer token get 401 INVALID_TOKEN", async () => {
    const svc = await startTestService("aiservice", createAiService, { options: { require_token: true }, env: { OPENKORE_AI_TOKEN: "s3cret" } });
    try {
      const denied = await svc.call("POST", "/api/memory/store", store("t", 1));
      expect(denied.status).toBe(401);
      expect((await json(denied))["error_code"]).toBe("INVALID_TOKEN");
      const ok = await svc.call("POST", "/api/memory/store", store("t", 1), { Authorization: "Bearer s3cret" });
      expect(ok.status).toBe(200);
      const health = await json(await svc.call("GET", "/api/health", undefined, { Authorization: "Bearer s3cret" }));
      expect((health["database"] as Json)["memories_stored"]).toBe(1);
    } finally {
      await svc.stop();
    }
  });

  test("bad options stop startup with a message naming the key", async () => {
    await expect(startTestService("aiservice", createAiService, { options: { importance_weight: 0.8, recency_weight: 0.5 } })).rejects.toThrow("importance_weight");
    await expect(startTestService("aiservice", createAiService, { options: { top_secret: 1 } })).rejects.toThrow("top_secret");
  });
});
