// Session lifetime: idle sessions expire (memory and SQLite), the total is bounded by
// evicting the least recently seen one, open sockets keep theirs, restarts keep live ones.
import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import type { TestService } from "../../helpers.ts";
import { AUTH, TOKEN, expectEnvelope, handshake, json, startOpenkore, stateBody, type Json } from "./http-helpers.ts";

function storedSessions(dataDir: string): string[] {
  const db = new Database(join(dataDir, "openkore.sqlite"), { readonly: true });
  try {
    return db.query<{ id: string }, []>("SELECT id FROM sessions ORDER BY id").all().map((r) => r.id);
  } finally {
    db.close();
  }
}

const state = (svc: TestService, sid: string): Promise<Response> => svc.call("POST", "/api/v1/state", stateBody(sid), AUTH);
const active = async (svc: TestService): Promise<number> => (await json(await svc.call("GET", "/api/v1/metrics", undefined, AUTH))).active_sessions as number;

describe("idle sessions expire", () => {
  test("a session idle past session_ttl_seconds is gone from memory and storage, with an error saying to handshake again", async () => {
    let clock = 1_000_000;
    const { svc } = await startOpenkore({ options: { session_ttl_seconds: 60 }, now: () => clock });
    try {
      const sid = await handshake(svc);
      expect(storedSessions(svc.dataDir)).toEqual([sid]);
      clock += 50_000;
      expect((await state(svc, sid)).status).toBe(200); // activity restarts the idle clock
      clock += 50_000;
      expect((await state(svc, sid)).status).toBe(200);
      clock += 61_000;
      const r = await state(svc, sid);
      expect(r.status).toBe(404);
      const b = await json(r);
      expectEnvelope(b, "SESSION_NOT_FOUND");
      expect(b.message).toBe(`Unknown or expired session_id ${sid} (sessions expire after 60 s without requests); call POST /api/v1/handshake for a new one`);
      expect(b.details).toEqual({ field: "session_id", session_id: sid, session_ttl_seconds: 60 });
      expect(storedSessions(svc.dataDir)).toEqual([]);
      expect(await active(svc)).toBe(0);
    } finally {
      await svc.stop();
    }
  });

  test("expired sessions are swept without being asked for: counts and storage drop", async () => {
    let clock = 5_000_000;
    const { svc } = await startOpenkore({ options: { session_ttl_seconds: 10 }, now: () => clock });
    try {
      for (let i = 0; i < 5; i++) await handshake(svc);
      const fresh = (clock += 9_000, await handshake(svc));
      expect(storedSessions(svc.dataDir)).toHaveLength(6);
      clock += 2_000;
      expect(await active(svc)).toBe(1);
      expect(storedSessions(svc.dataDir)).toEqual([fresh]);
      const health = await json(await svc.call("GET", "/api/v1/health"));
      expect(health.active_sessions).toBe(1);
    } finally {
      await svc.stop();
    }
  });

  test("sessions seen within the TTL survive a restart; older ones are dropped at start", async () => {
    let clock = 9_000_000;
    const first = await startOpenkore({ options: { session_ttl_seconds: 100 }, now: () => clock });
    const old = await handshake(first.svc);
    clock += 60_000;
    const recent = await handshake(first.svc);
    await first.svc.stop({ keepData: true });
    clock += 50_000; // old: 110 s idle, recent: 50 s
    const { svc } = await startOpenkore({ options: { session_ttl_seconds: 100 }, now: () => clock, dataDir: first.svc.dataDir });
    try {
      expect(storedSessions(svc.dataDir)).toEqual([recent]);
      expect((await state(svc, recent)).status).toBe(200);
      expect((await state(svc, old)).status).toBe(404);
    } finally {
      await svc.stop();
    }
  });
});

describe("the total is bounded", () => {
  test("past max_sessions the least recently seen session is replaced and its row deleted", async () => {
    let clock = 1_000;
    const { svc } = await startOpenkore({ options: { max_sessions: 3 }, now: () => clock });
    try {
      const a = await handshake(svc);
      clock += 10;
      const b = await handshake(svc);
      clock += 10;
      const c = await handshake(svc);
      clock += 10;
      expect((await state(svc, a)).status).toBe(200); // a is now the most recent; b the least
      clock += 10;
      const d = await handshake(svc);
      expect(storedSessions(svc.dataDir)).toEqual([a, c, d].sort());
      expect((await state(svc, b)).status).toBe(404);
      for (const s of [a, c, d]) expect((await state(svc, s)).status).toBe(200);
      expect(await active(svc)).toBe(3);
    } finally {
      await svc.stop();
    }
  });

  test("a session with an open WebSocket is never replaced: with all of them held, a handshake is 503", async () => {
    const { svc } = await startOpenkore({ options: { max_sessions: 1 } });
    const ws = new WebSocket(svc.url.replace("http", "ws") + "/ws/state-stream");
    try {
      const ok = new Promise<Json>((resolve) => ws.addEventListener("message", (e) => resolve(JSON.parse(String(e.data)) as Json), { once: true }));
      await new Promise((resolve) => ws.addEventListener("open", resolve, { once: true }));
      ws.send(JSON.stringify({ type: "auth", token: TOKEN }));
      expect((await ok).type).toBe("auth_ok");
      const r = await svc.call("POST", "/api/v1/handshake", { client: "OpenKore", client_version: "3.2.0" }, AUTH);
      expect(r.status).toBe(503);
      expect(r.headers.get("retry-after")).toBe("5");
      const b = await json(r);
      expectEnvelope(b, "SERVICE_UNAVAILABLE");
      expect(b.message).toBe("All 1 sessions hold an open WebSocket (max_sessions); close one or retry later");
    } finally {
      ws.close();
      await svc.stop();
    }
  });

  test("the implicit sessions of /api/v1/decide clients are bounded and expire like the others", async () => {
    let clock = 50_000;
    const { svc } = await startOpenkore({ options: { session_ttl_seconds: 30 }, now: () => clock });
    try {
      const body = { game_state: { character: { name: "K", level: 50, hp: 100, max_hp: 100, sp: 10, max_sp: 10, position: { map: "prontera", x: 1, y: 1 } } } };
      for (let i = 0; i < 3; i++) expect((await svc.call("POST", "/api/v1/decide", body, AUTH)).status).toBe(200);
      expect(storedSessions(svc.dataDir)).toHaveLength(1); // one per client, reused
      clock += 31_000;
      expect(await active(svc)).toBe(0);
      expect(storedSessions(svc.dataDir)).toEqual([]);
      expect((await svc.call("POST", "/api/v1/decide", body, AUTH)).status).toBe(200);
      expect(storedSessions(svc.dataDir)).toHaveLength(1);
    } finally {
      await svc.stop();
    }
  });
});

describe("state before a handshake", () => {
  test("a missing session_id is 400 telling the client to handshake first", async () => {
    const { svc } = await startOpenkore();
    try {
      const { session_id: _, ...body } = stateBody("x");
      const r = await svc.call("POST", "/api/v1/state", body, AUTH);
      expect(r.status).toBe(400);
      const b = await json(r);
      expectEnvelope(b, "INVALID_STATE");
      expect(b.message).toBe("Missing required field: session_id (call POST /api/v1/handshake first to get one)");
      expect(b.details).toMatchObject({ field: "session_id", expected: "session id from POST /api/v1/handshake" });
    } finally {
      await svc.stop();
    }
  });
});
