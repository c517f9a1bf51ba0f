import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { counts, expectError, json, startKolibri } from "./helpers.ts";

describe("health and metrics", () => {
  test("GET /api/v1/health answers status, uptime_seconds, version, peers and blocks", async () => {
    let now = 1_000_000;
    const svc = await startKolibri({ now: () => now });
    now += 5_500;
    const b = await json(await svc.call("GET", "/api/v1/health"));
    expect(b).toMatchObject({ status: "ok", uptime_seconds: 5, version: "1.0.0", peers: 0, blocks: 0 });
    await svc.stop();
  });

  test("GET /api/v1/metrics exports kolibri_vm_latency_ms quantiles, per-route counters and chain figures", async () => {
    const svc = await startKolibri();
    await svc.call("POST", "/api/v1/vm/run", { program: "2+2" });
    const p = await json(await svc.call("POST", "/api/v1/program/submit", { program: "2+2" }));
    await svc.call("POST", "/api/v1/chain/submit", { program_id: p.program_id });
    await svc.call("POST", "/api/v1/chain/submit", { program_id: "prog-424242" });
    const res = await svc.call("GET", "/api/v1/metrics");
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain("# HELP kolibri_vm_latency_ms Δ-VM latency in milliseconds");
    for (const q of ["0.5", "0.95", "0.99"]) expect(text).toMatch(new RegExp(`kolibri_vm_latency_ms\\{quantile="${q}"\\} [0-9.]+`));
    expect(text).toContain('kolibri_requests_total{route="/api/v1/vm/run"} 1');
    expect(text).toContain('kolibri_errors_total{code="not_found",route="/api/v1/chain/submit"} 1');
    expect(text).toContain("kolibri_chain_height 1");
    expect(text).toMatch(/kolibri_mining_ms_count 1/);
    await svc.stop();
  });

  test("unknown paths answer 404 in the kolibri envelope", async () => {
    const svc = await startKolibri();
    await expectError(await svc.call("GET", "/api/v1/nothing"), 404, "not_found");
    await svc.stop();
  });
});

describe("rate limits per client IP", () => {
  test("the 61st dialog call in a minute is 429 with Retry-After", async () => {
    const svc = await startKolibri();
    for (let i = 0; i < 60; i++) expect((await svc.call("POST", "/api/v1/dialog", { input: "1+1" })).status).toBe(200);
    const res = await svc.call("POST", "/api/v1/dialog", { input: "1+1" });
    await expectError(res, 429, "rate_limited");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    await svc.stop();
  });

  test("program submissions allow 30 a minute and store nothing past the limit", async () => {
    const svc = await startKolibri();
    for (let i = 0; i < 30; i++) expect((await svc.call("POST", "/api/v1/program/submit", { program: "1+1" })).status).toBe(200);
    const before = await counts(svc);
    const res = await svc.call("POST", "/api/v1/program/submit", { program: "1+1" });
    await expectError(res, 429, "rate_limited");
    expect(res.headers.get("retry-after")).not.toBeNull();
    expect(await counts(svc)).toEqual(before);
    await svc.stop();
  });

  test("chain submissions allow 10 a minute and the bucket refills with time", async () => {
    let now = 5_000_000;
    const svc = await startKolibri({ now: () => now });
    for (let i = 0; i < 10; i++) expect((await svc.call("POST", "/api/v1/chain/submit", { program_id: "prog-000404" })).status).toBe(404);
    await expectError(await svc.call("POST", "/api/v1/chain/submit", { program_id: "prog-000404" }), 429, "rate_limited");
    now += 6_001; // 10/min refills one token every 6 s
    expect((await svc.call("POST", "/api/v1/chain/submit", { program_id: "prog-000404" })).status).toBe(404);
    await svc.stop();
  });
});

describe("X-Request-Id idempotency and persistence", () => {
  test("a retried POST replays the first reply with no new id or block, across a restart", async () => {
    const svc = await startKolibri();
    const dataDir = svc.dataDir;
    const h = { "X-Request-Id": "req-abc" };
    const first = await svc.call("POST", "/api/v1/program/submit", { program: "2+3" }, h);
    const firstBody = await first.text();
    const again = await svc.call("POST", "/api/v1/program/submit", { program: "2+3" }, h);
    expect(await again.text()).toBe(firstBody);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const id = (JSON.parse(firstBody) as { program_id: string }).program_id;
    const block = await (await svc.call("POST", "/api/v1/chain/submit", { program_id: id }, { "X-Request-Id": "mine-1" })).text();
    await svc.stop({ keepData: true });

    const svc2 = await startKolibri({ dataDir });
    const replay = await svc2.call("POST", "/api/v1/program/submit", { program: "2+3" }, h);
    expect(await replay.text()).toBe(firstBody);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    const reblock = await svc2.call("POST", "/api/v1/chain/submit", { program_id: id }, { "X-Request-Id": "mine-1" });
    expect(await reblock.text()).toBe(block);
    const c = await counts(svc2);
    expect(c.programs).toBe(1);
    expect(c.blocks).toBe(1);
    // The id counter survived: the next new program is prog-000002.
    expect((await json(await svc2.call("POST", "/api/v1/program/submit", { program: "1+1" }))).program_id).toBe("prog-000002");
    await svc2.stop();
  });

  test("the same X-Request-Id with a different body is 409 conflict and stores nothing, also after a restart", async () => {
    const svc = await startKolibri();
    const h = { "X-Request-Id": "reuse-1" };
    const first = await json(await svc.call("POST", "/api/v1/program/submit", { program: "2+3" }, h));
    const before = await counts(svc);
    const err = await expectError(await svc.call("POST", "/api/v1/program/submit", { program: "9*9" }, h), 409, "conflict");
    expect(err.details).toEqual({ reason: "idempotency_key_reused" });
    expect(err.message).toContain("different request body");
    expect(await counts(svc)).toEqual(before);
    // Same body, other key order and spacing: still the same request, replayed.
    const same = await svc.call("POST", "/api/v1/program/submit", '{ "program" : "2+3" }', h);
    expect(same.headers.get("idempotent-replayed")).toBe("true");
    expect((await json(same)).program_id).toBe(first.program_id as string);
    const vm = { "X-Request-Id": "reuse-vm" };
    expect((await json(await svc.call("POST", "/api/v1/vm/run", { program: "2+2" }, vm))).result).toBe("4");
    await svc.stop({ keepData: true });

    const svc2 = await startKolibri({ dataDir: svc.dataDir });
    await expectError(await svc2.call("POST", "/api/v1/vm/run", { program: "3+3" }, vm), 409, "conflict");
    await expectError(await svc2.call("POST", "/api/v1/program/submit", { program: "9*9" }, h), 409, "conflict");
    expect((await json(await svc2.call("POST", "/api/v1/vm/run", { program: "2+2" }, vm))).result).toBe("4");
    const metrics = await (await svc2.call("GET", "/api/v1/metrics")).text();
    expect(metrics).toContain('kolibri_errors_total{code="conflict",route="/api/v1/vm/run"} 1');
    await svc2.stop();
  });

  test("an X-Request-Id that is too long or has spaces is a 400, not a key", async () => {
    const svc = await startKolibri();
    for (const id of ["x".repeat(201), "two words"]) {
      const err = await expectError(await svc.call("POST", "/api/v1/program/submit", { program: "1+1" }, { "X-Request-Id": id }), 400, "bad_request");
      expect(err.details.field).toBe("X-Request-Id");
    }
    expect((await counts(svc)).programs).toBe(0);
    // Outside idempotent routes such an id is not echoed; a fresh one is issued instead.
    const res = await svc.call("GET", "/api/v1/health", undefined, { "X-Request-Id": "x".repeat(300) });
    expect(res.headers.get("x-request-id")?.length).toBeLessThan(40);
    await svc.stop();
  });

  test("an error reply is replayed too, so a retry has no second effect", async () => {
    const svc = await startKolibri();
    const h = { "X-Request-Id": "bad-1" };
    await expectError(await svc.call("POST", "/api/v1/chain/submit", { program_id: "prog-000001" }, h), 404, "not_found");
    await svc.call("POST", "/api/v1/program/submit", { program: "4+4" });
    // prog-000001 exists now, but the same request id still answers the first reply.
    await expectError(await svc.call("POST", "/api/v1/chain/submit", { program_id: "prog-000001" }, h), 404, "not_found");
    expect((await counts(svc)).blocks).toBe(0);
    await svc.stop();
  });

  test("programs, F-KV entries and the chain survive a restart and the chain is verified on start", async () => {
    const svc = await startKolibri();
    const dataDir = svc.dataDir;
    const p = await json(await svc.call("POST", "/api/v1/program/submit", { program: "6+6" }));
    await svc.call("POST", "/api/v1/chain/submit", { program_id: p.program_id });
    await svc.call("POST", "/api/v1/dialog", { input: "3*3" });
    const before = await counts(svc);
    const fkv = await json(await svc.call("GET", "/api/v1/fkv/get?prefix=1"));
    await svc.stop({ keepData: true });

    const svc2 = await startKolibri({ dataDir });
    expect(await counts(svc2)).toEqual(before);
    expect(await json(await svc2.call("GET", "/api/v1/fkv/get?prefix=1"))).toEqual(fkv);
    expect((await json(await svc2.call("GET", "/api/v1/health"))).chain_valid).toBe(true);
    const d = await json(await svc2.call("POST", "/api/v1/dialog", { input: "1+1" }));
    expect(d.fkv_key).toBe("1000002");
    await svc2.stop({ keepData: true });

    // Tamper with the stored block: the restart finds it and refuses to extend the chain.
    const db = new Database(join(dataDir, "kolibri.sqlite"));
    db.exec("UPDATE blocks SET nonce = nonce + 1");
    db.close();
    const svc3 = await startKolibri({ dataDir });
    const h = await json(await svc3.call("GET", "/api/v1/health"));
    expect(h).toMatchObject({ status: "degraded", chain_valid: false });
    const v = await json(await svc3.call("GET", "/api/v1/chain/verify"));
    expect(v.valid).toBe(false);
    expect((v.problems as Array<{ reason: string }>)[0]?.reason).toBe("hash");
    const q = await json(await svc3.call("POST", "/api/v1/program/submit", { program: "7+7" }));
    await expectError(await svc3.call("POST", "/api/v1/chain/submit", { program_id: q.program_id }), 503, "service_unavailable");
    await svc3.stop();
  });

  test("with the chain disabled in config, chain submit is 503 service_unavailable", async () => {
    const svc = await startKolibri({ options: { chainEnabled: false } });
    const p = await json(await svc.call("POST", "/api/v1/program/submit", { program: "2+2" }));
    const err = await expectError(await svc.call("POST", "/api/v1/chain/submit", { program_id: p.program_id }), 503, "service_unavailable");
    expect(err.details.reason).toBe("chain_disabled");
    expect((await counts(svc)).blocks).toBe(0);
    await svc.stop();
  });

  test("a bad option stops startup with a message naming it", async () => {
    await expect(startKolibri({ options: { difficulty: -1 } })).rejects.toThrow("services.kolibri.options.difficulty");
    await expect(startKolibri({ options: { nonsense: 1 } })).rejects.toThrow("unknown option");
    await expect(startKolibri({ options: { dialogKeyPrefix: "1".repeat(17) } })).rejects.toThrow("services.kolibri.options.dialogKeyPrefix");
  });
});

describe("WebSocket /api/v1/events", () => {
  test("streams VM traces, accepted programs and new blocks as they happen", async () => {
    const svc = await startKolibri();
    const ws = new WebSocket(`${svc.url.replace("http", "ws")}/api/v1/events`);
    const seen: Array<Record<string, unknown>> = [];
    ws.onmessage = (e) => seen.push(JSON.parse(String(e.data)) as Record<string, unknown>);
    await new Promise<void>((resolve) => {
      ws.onopen = () => resolve();
    });
    const waitFor = async (type: string): Promise<Record<string, unknown>> => {
      for (let i = 0; i < 200; i++) {
        const m = seen.find((x) => x.type === type);
        if (m) return m;
        await Bun.sleep(10);
      }
      throw new Error(`no ${type} event`);
    };
    expect((await waitFor("hello")).topics).toEqual(["vm", "programs", "blocks"]);
    const p = await json(await svc.call("POST", "/api/v1/program/submit", { program: "2+5" }));
    expect(await waitFor("vm.trace")).toMatchObject({ status: "ok", result: "7", program_source: "PUSHd 2; PUSHd 5; ADD10; HALT" });
    expect(await waitFor("program.accepted")).toMatchObject({ program_id: p.program_id });
    const b = await json(await svc.call("POST", "/api/v1/chain/submit", { program_id: p.program_id }));
    expect(await waitFor("block.mined")).toMatchObject({ height: 1, block_hash: b.block_hash });
    ws.send(JSON.stringify({ type: "unsubscribe", topics: ["vm"] }));
    expect((await waitFor("subscribed")).topics).toEqual(["programs", "blocks"]);
    ws.close();
    await svc.stop();
  });
});
