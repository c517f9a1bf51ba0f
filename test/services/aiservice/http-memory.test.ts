import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { createAiService } from "../../../src/services/aiservice/index.ts";
import { startTestService, type TestService } from "../../helpers.ts";

type Json = Record<string, unknown>;

const SESSION = "550e8400-e29b-41d4-a716-446655440000";
const specStore = {
  session_id: SESSION,
  event: {
    type: "combat",
    timestamp: 1738744800000,
    location: "prontera",
    actors: ["Player", "Poring"],
    outcome: "success",
    exp_gained: 1250,
    damage_taken: 450,
  },
  importance: 0.7,
};
const specRetrieve = {
  session_id: SESSION,
  current_state: { location: "prontera", level: 85, job: "Knight", situation: "multiple monsters nearby" },
  top_k: 5,
};

const NOW = 1738744900000;
let svc: TestService;

function memoryRows(): number {
  const db = new Database(join(svc.dataDir, "aiservice.sqlite"), { readonly: true });
  try {
    return db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM memories").get()?.n ?? -1;
  } finally {
    db.close();
  }
}

async function json(res: Response): Promise<Json> {
  return (await res.json()) as Json;
}

function expectEnvelope(body: Json, code: string): void {
  expect(body["status"]).toBe("error");
  const error = body["error"] as Json;
  expect(error["code"]).toBe(code);
  expect(typeof error["message"]).toBe("string");
  expect(typeof error["details"]).toBe("object");
  const meta = body["metadata"] as Json;
  expect(typeof meta["timestamp"]).toBe("number");
  expect(typeof meta["request_id"]).toBe("string");
}

beforeAll(async () => {
  svc = await startTestService("aiservice", createAiService, { now: () => NOW });
});
afterAll(async () => {
  await svc.stop();
});

describe("POST /api/memory/store", () => {
  test("the spec example is stored and answered field by field", async () => {
    const res = await svc.call("POST", "/api/memory/store", specStore);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    const body = await json(res);
    expect(body["status"]).toBe("success");
    expect(String(body["memory_id"])).toMatch(/^mem-\d+$/);
    expect(body["embedding_generated"]).toBe(true);
    expect(body["stored_at"]).toBe(NOW);
    expect((body["metadata"] as Json)["version"]).toBe("2.0");
  });

  test("importance defaults to 0.5 when omitted", async () => {
    const session = "importance-default";
    const res = await svc.call("POST", "/api/memory/store", { session_id: session, event: { type: "loot", item: "Jellopy" } });
    expect(res.status).toBe(200);
    const got = await json(await svc.call("POST", "/api/memory/retrieve", { session_id: session, current_state: { type: "loot" }, top_k: 1 }));
    const first = (got["memories"] as Json[])[0];
    expect(first?.["importance"]).toBe(0.5);
  });

  test("an event with no usable features is stored with embedding_generated=false", async () => {
    const res = await svc.call("POST", "/api/memory/store", { session_id: "empty-events", event: {}, importance: 0.1 });
    expect(res.status).toBe(200);
    expect((await json(res))["embedding_generated"]).toBe(false);
  });

  const bad: Array<[string, unknown, string]> = [
    ["missing session_id", { event: specStore.event, importance: 0.5 }, "session_id"],
    ["empty session_id", { ...specStore, session_id: "" }, "session_id"],
    ["event as a string", { ...specStore, event: "combat" }, "event"],
    ["event as an array", { ...specStore, event: [1, 2] }, "event"],
    ["event as null", { ...specStore, event: null }, "event"],
    ["missing event", { session_id: SESSION, importance: 0.5 }, "event"],
    ["importance above 1", { ...specStore, importance: 1.5 }, "importance"],
    ["importance below 0", { ...specStore, importance: -0.1 }, "importance"],
    ["importance as a string", { ...specStore, importance: "high" }, "importance"],
    ["an oversized event", { ...specStore, event: { note: "x".repeat(20_000) } }, "event"],
  ];
  for (const [what, payload, field] of bad) {
    test(`rejects ${what} with 400 INVALID_REQUEST and stores nothing`, async () => {
      const before = memoryRows();
      const res = await svc.call("POST", "/api/memory/store", payload);
      expect(res.status).toBe(400);
      const body = await json(res);
      expectEnvelope(body, "INVALID_REQUEST");
      expect((body["error"] as Json)["details"]).toMatchObject({ field });
      expect(memoryRows()).toBe(before);
    });
  }

  test("a missing field is named in the message", async () => {
    const body = await json(await svc.call("POST", "/api/memory/store", { event: {}, importance: 0.5 }));
    expect((body["error"] as Json)["message"]).toBe("Missing required field: session_id");
  });

  test("malformed JSON is a 400 in the same envelope and stores nothing", async () => {
    const before = memoryRows();
    const res = await svc.call("POST", "/api/memory/store", "{not json");
    expect(res.status).toBe(400);
    expectEnvelope(await json(res), "INVALID_REQUEST");
    expect(memoryRows()).toBe(before);
  });
});

describe("POST /api/memory/retrieve", () => {
  test("the spec example returns similar memories field by field", async () => {
    const res = await svc.call("POST", "/api/memory/retrieve", specRetrieve);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body["status"]).toBe("success");
    expect(typeof body["query_time_ms"]).toBe("number");
    const memories = body["memories"] as Json[];
    expect(memories.length).toBe(1);
    const m = memories[0] ?? {};
    expect(String(m["memory_id"])).toMatch(/^mem-\d+$/);
    expect(m["similarity"]).toBeGreaterThan(0);
    expect(m["similarity"]).toBeLessThanOrEqual(1);
    expect(m["event"]).toEqual(specStore.event);
    expect(m["timestamp"]).toBe(specStore.event.timestamp);
  });

  test("memories are ranked by score and capped at top_k within the session", async () => {
    const session = "ranking";
    const events = [
      { type: "combat", location: "c_tower3", situation: "multiple monsters nearby", job: "Knight", level: 85 },
      { type: "trade", location: "prontera", situation: "buying potions" },
      { type: "combat", location: "c_tower3", situation: "many monsters nearby", job: "Knight", level: 86 },
      { type: "chat", location: "geffen", situation: "party invite" },
    ];
    for (const event of events) expect((await svc.call("POST", "/api/memory/store", { session_id: session, event, importance: 0.5 })).status).toBe(200);
    await svc.call("POST", "/api/memory/store", { session_id: "other-session", event: events[0], importance: 1 });
    const body = await json(await svc.call("POST", "/api/memory/retrieve", { session_id: session, current_state: { location: "c_tower3", situation: "multiple monsters nearby", job: "Knight", level: 85 }, top_k: 2 }));
    const memories = body["memories"] as Json[];
    expect(memories.length).toBe(2);
    expect(memories.map((m) => (m["event"] as Json)["location"])).toEqual(["c_tower3", "c_tower3"]);
    const scores = memories.map((m) => Number(m["score"]));
    expect(scores[0]).toBeGreaterThanOrEqual(scores[1] ?? 0);
  });

  test("an unknown session returns no memories", async () => {
    const body = await json(await svc.call("POST", "/api/memory/retrieve", { ...specRetrieve, session_id: "never-seen" }));
    expect(body["memories"]).toEqual([]);
  });

  const bad: Array<[string, unknown, string]> = [
    ["missing session_id", { current_state: {}, top_k: 5 }, "session_id"],
    ["top_k of 0", { ...specRetrieve, top_k: 0 }, "top_k"],
    ["top_k of 101", { ...specRetrieve, top_k: 101 }, "top_k"],
    ["a fractional top_k", { ...specRetrieve, top_k: 2.5 }, "top_k"],
    ["current_state as a list", { ...specRetrieve, current_state: ["prontera"] }, "current_state"],
  ];
  for (const [what, payload, field] of bad) {
    test(`rejects ${what} with 400 INVALID_REQUEST`, async () => {
      const before = memoryRows();
      const res = await svc.call("POST", "/api/memory/retrieve", payload);
      expect(res.status).toBe(400);
      const body = await json(res);
      expectEnvelope(body, "INVALID_REQUEST");
      expect((body["error"] as Json)["details"]).toMatchObject({ field });
      expect(memoryRows()).toBe(before);
    });
  }
});

describe("memory bounds", () => {
  test("past max_memories, or max_memory_sessions for a new session, a store is 503 naming the option and stores nothing", async () => {
    const small = await startTestService("aiservice", createAiService, { options: { max_memories: 3, max_memory_sessions: 2 } });
    try {
      const store = (session_id: string): Promise<Response> => small.call("POST", "/api/memory/store", { ...specStore, session_id });
      expect((await store("a")).status).toBe(200);
      expect((await store("b")).status).toBe(200);
      const third = await store("c");
      expect(third.status).toBe(503);
      const body = await json(third);
      expectEnvelope(body, "SERVICE_UNAVAILABLE");
      expect(body["message"]).toBe("Memory store is full: 2 sessions (max_memory_sessions); nothing stored");
      expect((await store("a")).status).toBe(200); // a known session may still store
      const full = await json(await store("b"));
      expect(full["message"]).toBe("Memory store is full: 3 memories (max_memories); nothing stored");
      const health = await json(await small.call("GET", "/api/health"));
      expect((health["database"] as Json)["memories_stored"]).toBe(3);
      expect(health["sessions"]).toBe(2);
    } finally {
      await small.stop();
    }
  });
});
