import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createMallService } from "../../../src/services/mall/index.ts";
import { TickJournal } from "../../../src/services/mall/journal.ts";
import { DT_RANGE, NOT_INITIALIZED } from "../../../src/services/mall/routes.ts";
import { startTestService, type TestService } from "../../helpers.ts";
import { generateWorldFiles } from "../../../src/services/mall/engine/index.ts";
import { tinyFiles, writeWorld } from "./fixtures.ts";

let svc: TestService;
const NOW_MS = 1_700_000_000_000;

async function body(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

/** Everything a rejected request must leave alone, as the API shows it. */
async function observable(s: TestService): Promise<string> {
  return JSON.stringify(await body(await s.call("GET", "/status")));
}

async function expectError(res: Response, status: number, message: string | RegExp): Promise<void> {
  expect(res.status).toBe(status);
  const b = await body(res);
  expect(Object.keys(b)).toEqual(["error"]);
  if (typeof message === "string") expect(b.error).toBe(message);
  else expect(String(b.error)).toMatch(message);
}

beforeAll(async () => {
  svc = await startTestService("mall", createMallService, { now: () => NOW_MS });
});
afterAll(() => svc.stop());

describe("before /init", () => {
  test("status, tick and reset answer 503 with the spec's message", async () => {
    await expectError(await svc.call("GET", "/status"), 503, NOT_INITIALIZED);
    await expectError(await svc.call("POST", "/tick", { dt: 0.25 }), 503, NOT_INITIALIZED);
    await expectError(await svc.call("POST", "/tick", { dt: -1 }), 503, NOT_INITIALIZED);
    await expectError(await svc.call("POST", "/reset", { keep_memory: false }), 503, NOT_INITIALIZED);
  });

  test("a missing config path is 400 and leaves the service uninitialised with no session", async () => {
    await expectError(await svc.call("POST", "/init", { config_path: "no/such/folder" }), 400, "Config path not found: no/such/folder");
    expect(await body(await svc.call("GET", "/health"))).toMatchObject({ world_initialized: false });
    await svc.call("POST", "/init");
    expect(JSON.parse(await observable(svc)).session.count).toBe(1);
  });
});

describe("rejected requests change nothing", () => {
  test("a config_path that is not a string is 400", async () => {
    const before = await observable(svc);
    await expectError(await svc.call("POST", "/init", { config_path: 5 }), 400, /config_path/);
    expect(await observable(svc)).toBe(before);
  });

  test("a broken config file is 500 naming file and field, and the current world stays", async () => {
    await svc.call("POST", "/tick", { dt: 0.25, player_event: { type: "discover", document: "d", zone: "SERVICE_HALL" } });
    const before = await observable(svc);
    const files = tinyFiles();
    files.zones = { zones: [{ id: "A", neighbours: ["NOPE"] }] };
    const dir = writeWorld(files);
    await expectError(
      await svc.call("POST", "/init", { config_path: dir }),
      500,
      'Initialization failed: zones.json: zones[0].neighbours[0]: unknown zone "NOPE"',
    );
    expect(await observable(svc)).toBe(before);
  });

  test("a config file that is not JSON is 500 naming the file", async () => {
    const dir = writeWorld(tinyFiles());
    writeFileSync(join(dir, "entities", "e.json"), "{ not json");
    const before = await observable(svc);
    await expectError(await svc.call("POST", "/init", { config_path: dir }), 500, /^Initialization failed: Config file entities\/e\.json is not valid JSON/);
    expect(await observable(svc)).toBe(before);
  });

  test("dt outside (0, 10], missing or not a number is 400 with the spec's message", async () => {
    const before = await observable(svc);
    for (const dt of [0, -0.25, 10.0001, 1e9, "0.25", null, true, undefined]) {
      await expectError(await svc.call("POST", "/tick", { dt, player_event: null }), 400, DT_RANGE);
    }
    expect(await observable(svc)).toBe(before);
  });

  test("bad player events are 400 naming the problem", async () => {
    const before = await observable(svc);
    const cases: [unknown, string][] = [
      [{ type: "teleport" }, 'Unknown player_event.type "teleport"; expected one of move, interact, discover, wait, run'],
      [{ type: "move" }, 'player_event.to_zone is required for type "move"'],
      [{ type: "move", to_zone: "ROOFTOP" }, 'Unknown zone "ROOFTOP" in player_event.to_zone'],
      [{ type: "move", to_zone: "CORRIDOR", from_zone: "ROOFTOP" }, 'Unknown zone "ROOFTOP" in player_event.from_zone'],
      [{ type: "interact", target: "bag_of_screams" }, 'player_event.zone is required for type "interact"'],
      [{ type: "discover", zone: "SERVICE_HALL" }, 'player_event.document is required for type "discover"'],
      [{ type: "run", zone: "ROOFTOP" }, 'Unknown zone "ROOFTOP" in player_event.zone'],
      [{ zone: "CORRIDOR" }, "player_event.type is required"],
      [[1, 2], 'Invalid field "player_event": expected null or an object, received array'],
      [{ type: "move", to_zone: 7 }, 'Invalid field "player_event.to_zone": expected null or a string of at most 128 characters without control characters, received number'],
    ];
    for (const [player_event, msg] of cases) {
      await expectError(await svc.call("POST", "/tick", { dt: 0.25, player_event }), 400, msg);
    }
    expect(await observable(svc)).toBe(before);
  });

  test("over-long or control-character ids and paths are 400 and nothing is stored", async () => {
    const before = await observable(svc);
    const rows = (): Record<string, number> => {
      const db = new Database(join(svc.dataDir, "mall.sqlite"), { readonly: true });
      try {
        const n = (t: string) => (db.query(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
        const longest = (db.query("SELECT COALESCE(MAX(LENGTH(document)), 0) AS n FROM discoveries").get() as { n: number }).n;
        return { discoveries: n("discoveries"), journal: new TickJournal(join(svc.dataDir, "mall", "journal")).readAll().length, sessions: n("sessions"), longest };
      } finally {
        db.close();
      }
    };
    const stored = rows();
    const cases: [string, unknown, string][] = [
      ["/tick", { dt: 0.25, player_event: { type: "discover", document: "d".repeat(100_000), zone: "SERVICE_HALL" } },
        'Invalid field "player_event.document": expected null or a string of at most 128 characters without control characters, received a string of 100000 characters'],
      ["/tick", { dt: 0.25, player_event: { type: "discover", document: "log\u0000017", zone: "SERVICE_HALL" } },
        'Invalid field "player_event.document": expected null or a string of at most 128 characters without control characters, received a string with control character U+0000 at index 3'],
      ["/tick", { dt: 0.25, player_event: { type: "interact", target: "bag\nof_screams", zone: "FC-ARCADE" } }, 'Invalid field "player_event.target": expected null or a string of at most 128 characters without control characters, received a string with control character U+000A at index 3'],
      ["/tick", { dt: 0.25, player_event: { type: "run".repeat(20), zone: "FC-ARCADE" } }, 'Invalid field "player_event.type": expected a string of at most 32 characters without control characters, received a string of 60 characters'],
      ["/init", { config_path: "config\u0000/mall" }, 'Invalid field "config_path": expected a string of 1-4096 characters without control characters, received a string with control character U+0000 at index 6'],
      ["/init", { config_path: "c".repeat(5000) }, 'Invalid field "config_path": expected a string of 1-4096 characters without control characters, received a string of 5000 characters'],
    ];
    for (const [path, req, msg] of cases) {
      await expectError(await svc.call("POST", path, req), 400, msg);
    }
    expect(await observable(svc)).toBe(before);
    expect(rows()).toEqual(stored);
    expect(stored.longest).toBeLessThanOrEqual(128);
  });

  test("malformed JSON is 400 in the envelope", async () => {
    const before = await observable(svc);
    await expectError(await svc.call("POST", "/tick", "{ dt: 0.25"), 400, /.+/);
    expect(await observable(svc)).toBe(before);
  });

  test("keep_memory that is not a boolean is 400 and the world is not reset", async () => {
    const before = await observable(svc);
    expect(JSON.parse(before).stats.discoveries).toBeGreaterThan(0);
    await expectError(await svc.call("POST", "/reset", { keep_memory: "yes" }), 400, /keep_memory/);
    expect(await observable(svc)).toBe(before);
  });

  test("a rejected tick does not advance the world or its RNG", async () => {
    const a = await startTestService("mall", createMallService, { now: () => NOW_MS });
    const b = await startTestService("mall", createMallService, { now: () => NOW_MS });
    try {
      const ok = { dt: 0.25, player_event: { type: "run", zone: "FC-ARCADE" } };
      for (const s of [a, b]) {
        await s.call("POST", "/init");
        await s.call("POST", "/tick", ok);
      }
      await a.call("POST", "/tick", { dt: 0.25, player_event: { type: "move", to_zone: "ROOFTOP" } });
      await a.call("POST", "/tick", { dt: 11 });
      const fa = await (await a.call("POST", "/tick", ok)).text();
      const fb = await (await b.call("POST", "/tick", ok)).text();
      expect(fa).toBe(fb);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});

describe("logging", () => {
  test("\"World not initialized\" is a warning without a stack, a bad tick an info line", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const s = await startTestService("mall", createMallService, { logLevel: "info", logSink: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    try {
      await s.call("POST", "/tick", { dt: 0.25 });
      await s.call("POST", "/init");
      await s.call("POST", "/tick", { dt: 99 });
      const failures = lines.filter((l) => l.status !== undefined);
      expect(failures.map((l) => [l.level, l.status, l.error])).toEqual([
        ["warn", 503, NOT_INITIALIZED],
        ["info", 400, DT_RANGE],
      ]);
      expect(failures.some((l) => "stack" in l)).toBe(false);
    } finally {
      await s.stop();
    }
  });
});

describe("server failures", () => {
  test("a simulation failure is 500 with a traceback in debug mode, and the tick is undone", async () => {
    const dbg = await startTestService("mall", createMallService, {
      debug: true,
      options: { poolMinZones: 2, tickTimeoutMs: 1 },
    });
    try {
      // 1,000 zones take milliseconds per tick: a 1 ms budget cannot be met
      await dbg.call("POST", "/init", { config_path: writeWorld(generateWorldFiles({ zones: 1000, entities: 2000, npcs: 20 })) });
      await dbg.call("POST", "/tick", { dt: 0.25 });
      const before = await observable(dbg);
      const failed = await dbg.call("POST", "/tick", { dt: 0.25 });
      expect(failed.status).toBe(500);
      const b = await body(failed);
      expect(Object.keys(b).sort()).toEqual(["error", "traceback"]);
      expect(String(b.error)).toStartWith("Simulation error: ");
      expect(String(b.traceback)).toContain("at ");
      expect(await observable(dbg)).toBe(before);
    } finally {
      await dbg.stop();
    }
  });
});
