import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { cpSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  createWorld,
  generateWorldFiles,
  resolvePlayerEvent,
  step,
  tickFrame,
} from "../../../src/services/mall/engine/index.ts";
import { createMallService } from "../../../src/services/mall/index.ts";
import { MallStore } from "../../../src/services/mall/store.ts";
import { startTestService, tempDir } from "../../helpers.ts";
import { TickJournal } from "../../../src/services/mall/journal.ts";
import { defOf, tinyFiles, writeWorld } from "./fixtures.ts";

const NOW_MS = 1_700_000_000_000;
const start = (o: { dataDir?: string; options?: Record<string, unknown> } = {}) =>
  startTestService("mall", createMallService, { now: () => NOW_MS, ...o });

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

describe("persistence", () => {
  for (const snapshotEvery of [1, 2, 100]) {
    test(`a restart resumes the world and history exactly where the last reply left them (snapshot every ${snapshotEvery})`, async () => {
      const options = { snapshotEvery };
      const a = await start({ options });
      const script = [
        { dt: 0.25, player_event: { type: "move", to_zone: "FC-ARCADE" } },
        { dt: 0.5, player_event: { type: "discover", document: "log_017", zone: "SERVICE_HALL" } },
        { dt: 0.25, player_event: { type: "run", zone: "SERVICE_HALL" } },
      ];
      await a.call("POST", "/init");
      await a.call("POST", "/init");
      for (const t of script) await a.call("POST", "/tick", t);
      const status = await json(await a.call("GET", "/status"));
      expect(status.session).toEqual({ count: 2, total_playtime: 1 });
      const reference = await start();
      await reference.call("POST", "/init");
      for (const t of script) await reference.call("POST", "/tick", t);
      await a.stop({ keepData: true });

      const b = await start({ dataDir: a.dataDir, options });
      try {
        expect(await json(await b.call("GET", "/health"))).toMatchObject({ world_initialized: true });
        expect(await json(await b.call("GET", "/status"))).toEqual(status);
        const next = { dt: 0.25, player_event: { type: "interact", target: "bag_of_screams", zone: "FC-ARCADE" } };
        expect(await (await b.call("POST", "/tick", next)).text()).toBe(await (await reference.call("POST", "/tick", next)).text());
        await b.call("POST", "/init");
        expect((await json(await b.call("GET", "/status"))).session).toMatchObject({ count: 3 });
      } finally {
        await b.stop();
        await reference.stop();
      }
    });
  }

  test("acknowledged ticks survive a crash: each is journaled before its reply, and replayed on start", async () => {
    const a = await start({ options: { snapshotEvery: 1000 } });
    const reference = await start();
    const script = [
      { dt: 0.25, player_event: { type: "move", to_zone: "FC-ARCADE" } },
      { dt: 0.5, player_event: { type: "discover", document: "log_017", zone: "SERVICE_HALL" } },
      { dt: 0.25, player_event: { type: "interact", target: "bag_of_screams", zone: "FC-ARCADE" } },
    ];
    let crashed = "";
    try {
      for (const s of [a, reference]) {
        await s.call("POST", "/init");
        for (const t of script) await s.call("POST", "/tick", t);
      }
      const status = await json(await a.call("GET", "/status"));
      expect(status.stats).toMatchObject({ discoveries: 2 });
      // The process dies here: its files as they are, with no shutdown and no checkpoint.
      crashed = tempDir();
      cpSync(a.dataDir, crashed, { recursive: true });
      const b = await start({ dataDir: crashed });
      try {
        expect(await json(await b.call("GET", "/status"))).toEqual(status);
        const next = { dt: 0.25, player_event: { type: "run", zone: "FC-ARCADE" } };
        expect(await (await b.call("POST", "/tick", next)).text()).toBe(await (await reference.call("POST", "/tick", next)).text());
      } finally {
        await b.stop({ keepData: true });
      }
      const store = new MallStore(crashed);
      try {
        expect(store.discoveries().map((d) => [d.document, d.source, d.sim_time])).toEqual([["log_017", "discover", 0.75], ["bag_of_screams", "interact", 1]]);
        expect(store.history()).toMatchObject({ sessions: 1, total_playtime: 1.25 });
      } finally {
        store.close();
      }
    } finally {
      await a.stop();
      await reference.stop();
      if (crashed) rmSync(crashed, { recursive: true, force: true });
    }
  });

  test("checkpoints commit journaled history while the world runs, then drop the journal they cover", async () => {
    const svc = await start({ options: { snapshotEvery: 2 } });
    try {
      await svc.call("POST", "/init");
      for (let i = 0; i < 5; i++) await svc.call("POST", "/tick", { dt: 0.25, player_event: { type: "discover", document: `log_${i}`, zone: "SERVICE_HALL" } });
      const journal = new TickJournal(join(svc.dataDir, "mall", "journal"));
      const committed = (): number => {
        const db = new Database(join(svc.dataDir, "mall.sqlite"), { readonly: true });
        try {
          return (db.query("SELECT COUNT(*) AS n FROM discoveries").get() as { n: number }).n;
        } finally {
          db.close();
        }
      };
      // Every second tick is due a checkpoint; what is committed leaves the journal.
      const settled = (): boolean => committed() >= 4 && committed() + journal.readAll().length === 5;
      for (let i = 0; i < 200 && !settled(); i++) await Bun.sleep(10);
      const n = committed();
      expect(n).toBeGreaterThanOrEqual(4);
      expect(journal.readAll().map((r) => r.q)).toEqual([1, 2, 3, 4, 5].slice(n));
      expect((await json(await svc.call("GET", "/status"))).stats).toMatchObject({ discoveries: 5 });
    } finally {
      await svc.stop();
    }
  });

  test("discoveries and contradictions are logged with zone, NPC and time", async () => {
    const files = tinyFiles({ cloud: { initial_level: 90 }, npcs: { contradiction_chance: 1 } });
    const svc = await start();
    await svc.call("POST", "/init", { config_path: writeWorld(files) });
    const f = await json(
      await svc.call("POST", "/tick", { dt: 0.5, player_event: { type: "discover", document: "diary_p2", zone: "B" } }),
    );
    expect((f.events as { type: string }[]).map((e) => e.type).sort()).toEqual([
      "contradiction_triggered",
      "discovery_made",
      "zone_entered",
    ]);
    expect((await json(await svc.call("GET", "/status"))).stats).toMatchObject({ discoveries: 1, contradictions: 1 });
    await svc.stop({ keepData: true });
    const store = new MallStore(svc.dataDir);
    try {
      expect(store.discoveries()).toEqual([
        { session_id: 1, at: NOW_MS / 1000, sim_time: 0.5, zone: "B", document: "diary_p2", source: "discover", cloud_level: 90 },
      ]);
      const [c] = store.contradictions();
      expect(c).toMatchObject({ session_id: 1, at: NOW_MS / 1000, sim_time: 0.5, npc_id: "guard", zone: "A", cloud_level: 90 });
      expect(["never sits", "never sings"]).toContain(c?.rule ?? "");
    } finally {
      store.close();
    }
  });

  test("reset without memory clears logged history in the database too", async () => {
    const svc = await start();
    await svc.call("POST", "/init");
    await svc.call("POST", "/tick", { dt: 0.25, player_event: { type: "discover", document: "log_017", zone: "SERVICE_HALL" } });
    await svc.call("POST", "/reset", { keep_memory: false });
    await svc.stop({ keepData: true });
    const store = new MallStore(svc.dataDir);
    try {
      expect(store.discoveries()).toEqual([]);
      expect(store.history()).toMatchObject({ sessions: 1, discoveries: 0, total_playtime: 0.25 });
    } finally {
      store.close();
    }
  });
});

describe("large worlds in the pool", () => {
  test("a pooled world gives the same frames as the engine run in-process", async () => {
    const files = generateWorldFiles({ zones: 300, entities: 1500, npcs: 30, seed: 3 });
    const svc = await start({ options: { poolMinZones: 200 } });
    const local = createWorld(defOf(files));
    try {
      const init = await json(await svc.call("POST", "/init", { config_path: writeWorld(files) }));
      expect(init).toMatchObject({ zones_loaded: 300, npcs_loaded: 30 });
      const events = [{ type: "move", to_zone: "Z00005" }, { type: "run", zone: "Z00005" }, null, { type: "discover", document: "E1", zone: "Z00007" }];
      for (let i = 0; i < 24; i++) {
        const raw = events[i % events.length];
        const remote = await (await svc.call("POST", "/tick", { dt: 0.25, player_event: raw })).text();
        const ev = resolvePlayerEvent(local.index, raw);
        if (!ev.ok) throw new Error(ev.error);
        const mine = JSON.stringify(tickFrame(local, step(local, { dt: 0.25, event: ev.event }), NOW_MS / 1000));
        expect(remote).toBe(mine);
      }
      const s = await json(await svc.call("GET", "/status"));
      expect(s).toMatchObject({ zones_count: 300, npcs_count: 30, session: { total_playtime: 6 } });
    } finally {
      await svc.stop();
    }
  });

  test("a world gives the same frames ticked inline and in the pool, before and after a restart", async () => {
    const dir = writeWorld(generateWorldFiles({ zones: 240, entities: 1200, npcs: 24, seed: 5 }));
    const pooled = await start({ options: { poolMinZones: 200, zoneSlices: 2 } });
    const inline = await start({ options: { poolMinZones: 100_000 } });
    const script = (i: number) => ({ dt: 0.25, player_event: [{ type: "move", to_zone: `Z${String(i).padStart(5, "0")}` }, { type: "discover", document: "E2", zone: "Z00003" }, null][i % 3] });
    let restarted: Awaited<ReturnType<typeof start>> | null = null;
    try {
      for (const s of [pooled, inline]) await s.call("POST", "/init", { config_path: dir });
      for (let i = 0; i < 25; i++) {
        expect(await (await pooled.call("POST", "/tick", script(i))).text()).toBe(await (await inline.call("POST", "/tick", script(i))).text());
      }
      await pooled.stop({ keepData: true });
      restarted = await start({ dataDir: pooled.dataDir, options: { poolMinZones: 200, zoneSlices: 3 } });
      for (let i = 25; i < 35; i++) {
        expect(await (await restarted.call("POST", "/tick", script(i))).text()).toBe(await (await inline.call("POST", "/tick", script(i))).text());
      }
    } finally {
      await restarted?.stop();
      await inline.stop();
    }
  });
});
