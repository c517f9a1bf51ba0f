import { describe, expect, test } from "bun:test";
import {
  createWorld,
  generateWorldFiles,
  resolvePlayerEvent,
  step,
  tickFrame,
} from "../../../src/services/mall/engine/index.ts";
import { createMallService } from "../../../src/services/mall/index.ts";
import { MallStore } from "../../../src/services/mall/store.ts";
import { startTestService } from "../../helpers.ts";
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
});
