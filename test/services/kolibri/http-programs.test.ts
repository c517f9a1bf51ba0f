import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { TestService } from "../../helpers.ts";
import { counts, expectError, json, startKolibri } from "./helpers.ts";

let svc: TestService;
beforeAll(async () => {
  svc = await startKolibri({ options: { chainPerMinute: 1000, programPerMinute: 1000, dialogPerMinute: 1000 } });
});
afterAll(() => svc.stop());

const submit = (body: unknown) => svc.call("POST", "/api/v1/program/submit", body);
const chain = (body: unknown) => svc.call("POST", "/api/v1/chain/submit", body);

describe("POST /api/v1/program/submit", () => {
  test("the spec's example 3+4 is run, scored and stored as prog-000001", async () => {
    const res = await submit({ program: "3+4" });
    expect(res.status).toBe(200);
    const b = await json(res);
    expect(b.program_id).toBe("prog-000001");
    // PoE = 0.5·(1−4/2048) + 0.4/(1+6/64) + 0.1·ln(8)/8; MDL = len("3+4").
    const poe = 0.5 * (1 - 4 / 2048) + 0.4 / (1 + 6 / 64) + 0.1 * (Math.log(8) / 8);
    expect(b.poe).toBeCloseTo(poe, 6);
    expect(b.mdl).toBe(3);
    expect(b.score).toBeCloseTo(poe - 0.03, 6);
    expect(b.accepted).toBe(true);
    expect(b.vm_status).toBe("ok");
  });

  test("the assembly example and the formula/content/bytecode keys get sequential ids", async () => {
    const first = await json(await submit({ program: "PUSHd 2; PUSHd 3; MUL10; HALT" }));
    expect(first).toMatchObject({ accepted: true, vm_status: "ok", result: "6", mdl: "PUSHd 2; PUSHd 3; MUL10; HALT".length });
    const n = Number(String(first.program_id).slice(5));
    const ids = [];
    for (const body of [{ formula: "1+1" }, { content: "2*10" }, { bytecode: [1, 9, 18] }]) ids.push((await json(await submit(body))).program_id);
    expect(ids).toEqual([n + 1, n + 2, n + 3].map((i) => `prog-${String(i).padStart(6, "0")}`));
  });

  test("a 4-character program has mdl 4", async () => {
    expect((await json(await submit({ content: "2*10" }))).mdl).toBe(4);
  });

  test("a program that fails on the VM is stored but not accepted, with PoE 0", async () => {
    const b = await json(await submit({ program: "1/(2-2)" }));
    expect(b).toMatchObject({ accepted: false, vm_status: "div_by_zero", poe: 0, score: 0 });
  });

  test("accepted programs enter the F-KV under the program prefix", async () => {
    const b = await json(await submit({ program: [1, 7, 18] }));
    const key = `2${String(b.program_id).slice(5)}`;
    const f = await json(await svc.call("GET", `/api/v1/fkv/get?prefix=${key}`));
    expect(f.programs).toEqual([{ key, program: "001007018" }]);
  });

  test("bad input is 400 bad_request and stores nothing", async () => {
    const before = await counts(svc);
    await expectError(await submit({}), 400, "bad_request");
    await expectError(await submit({ program: true }), 400, "bad_request");
    await expectError(await submit({ program: [1, 256] }), 400, "bad_request");
    await expectError(await submit({ program: "PUSHd 2; BOGUS" }), 400, "bad_request");
    await expectError(await submit({ formula: "((1+2)" }), 400, "bad_request");
    await expectError(await submit({ content: "5%0" }), 400, "bad_request");
    await expectError(await submit({ program: new Array(5000).fill(17) }), 400, "bad_request");
    expect(await counts(svc)).toEqual(before);
  });
});

describe("POST /api/v1/chain/submit", () => {
  test("an accepted program is mined into a block with real SHA-256 proof of work", async () => {
    const p = await json(await submit({ program: "2+2" }));
    const before = await counts(svc);
    const res = await chain({ program_id: p.program_id });
    expect(res.status).toBe(200);
    const b = await json(res);
    expect(b.status).toBe("accepted");
    expect(b.program_id).toBe(p.program_id);
    expect(b.height).toBe(before.blocks + 1);
    expect(b.poe).toBe(p.poe);
    expect(b.mdl).toBe(p.mdl);
    expect(b.score).toBe(p.score);
    expect(String(b.block_hash)).toMatch(/^000[0-9a-f]{61}$/);
    // Recompute: prev_hash ‖ timestamp ‖ program bytes ‖ nonce.
    const want = createHash("sha256")
      .update(String(b.prev_hash))
      .update(String(b.timestamp))
      .update(Uint8Array.from([1, 2, 1, 2, 2, 18]))
      .update(String(b.nonce))
      .digest("hex");
    expect(b.block_hash).toBe(want);
  });

  test("blocks link from genesis and the chain verifies", async () => {
    const p = await json(await submit({ program: "9*9" }));
    await chain({ program_id: p.program_id });
    const list = await json(await svc.call("GET", "/api/v1/chain/blocks"));
    const blocks = list.blocks as Array<Record<string, unknown>>;
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    expect(blocks[0]?.prev_hash).toBe("0".repeat(64));
    expect(blocks[0]?.height).toBe(1);
    for (let i = 1; i < blocks.length; i++) expect(blocks[i]?.prev_hash).toBe(blocks[i - 1]?.hash);
    const v = await json(await svc.call("GET", "/api/v1/chain/verify"));
    expect(v).toMatchObject({ valid: true, blocks: blocks.length, problems: [] });
  });

  test("an unknown program id is 404 not_found and mines nothing", async () => {
    const before = await counts(svc);
    const err = await expectError(await chain({ program_id: "prog-999999" }), 404, "not_found");
    expect(err.details.program_id).toBe("prog-999999");
    expect(await counts(svc)).toEqual(before);
  });

  test("a missing or mistyped program_id is 400", async () => {
    await expectError(await chain({}), 400, "bad_request");
    await expectError(await chain({ program_id: 5 }), 400, "bad_request");
  });

  test("a program that was not accepted is 409 conflict", async () => {
    const p = await json(await submit({ program: "ADD10" }));
    const err = await expectError(await chain({ program_id: p.program_id }), 409, "conflict");
    expect(err.details.reason).toBe("not_accepted");
  });

  test("the PoE gate refuses a block whose PoE is above 0 and below 0.8", async () => {
    // A long-running program halts ok but burns most of its gas: PoE ≈ 0.4.
    const src = `${Array.from({ length: 300 }, () => "NOP").join("; ")}; HALT`;
    const p = await json(await submit({ program: src, gas_limit: 400 }));
    expect(p.accepted).toBe(true);
    expect(p.poe as number).toBeGreaterThan(0);
    expect(p.poe as number).toBeLessThan(0.8);
    const before = await counts(svc);
    const err = await expectError(await chain({ program_id: p.program_id }), 409, "conflict");
    expect(err.details).toMatchObject({ reason: "poe_below_threshold", poe: p.poe, threshold: 0.8 });
    expect(await counts(svc)).toEqual(before);
  });

  test("a program already on the chain is 409 conflict", async () => {
    const p = await json(await submit({ program: "5+5" }));
    expect((await chain({ program_id: p.program_id })).status).toBe(200);
    const err = await expectError(await chain({ program_id: p.program_id }), 409, "conflict");
    expect(err.details.reason).toBe("already_on_chain");
  });

  test("concurrent submissions append one block each, in order", async () => {
    const ids = [];
    for (const e of ["1+2", "3+5", "8+13"]) ids.push((await json(await submit({ program: e }))).program_id);
    const replies = await Promise.all(ids.map((id) => chain({ program_id: id }).then(json)));
    const heights = replies.map((r) => r.height as number).sort((a, b) => a - b);
    expect(heights[1]).toBe((heights[0] ?? 0) + 1);
    expect(heights[2]).toBe((heights[0] ?? 0) + 2);
    expect((await json(await svc.call("GET", "/api/v1/chain/verify"))).valid).toBe(true);
  });
});

describe("id and prefix limits", () => {
  test("a program_id over 64 characters or with control characters is 400; a prefix over 64 digits is 400", async () => {
    const long = await expectError(await chain({ program_id: "p".repeat(65) }), 400, "bad_request");
    expect(long.details).toMatchObject({ field: "program_id", received: "a string of 65 characters" });
    await expectError(await chain({ program_id: "prog-\u0000" }), 400, "bad_request");
    const prefix = await expectError(await svc.call("GET", `/api/v1/fkv/get?prefix=${"1".repeat(65)}`), 400, "bad_request");
    expect(prefix.details).toMatchObject({ field: "prefix", max_length: 64 });
    expect((await svc.call("GET", `/api/v1/fkv/get?prefix=${"1".repeat(64)}`)).status).toBe(200);
  });
});

describe("GET /api/v1/fkv/get", () => {
  test("the spec's example: key 123 with value 45 is found under prefix 12, programs listed apart", async () => {
    await svc.call("POST", "/api/v1/vm/run", { program: "PUSHd 123; PUSHd 45; WRITE_FKV; HALT" });
    const res = await svc.call("GET", "/api/v1/fkv/get?prefix=12");
    expect(res.status).toBe(200);
    const b = await json(res);
    expect(b.values).toEqual([{ key: "123", value: "45" }]);
    expect(b.programs).toEqual([]);
  });

  test("missing or non-digit prefixes are 400 and store nothing", async () => {
    const before = await counts(svc);
    await expectError(await svc.call("GET", "/api/v1/fkv/get"), 400, "bad_request");
    await expectError(await svc.call("GET", "/api/v1/fkv/get?prefix="), 400, "bad_request");
    const err = await expectError(await svc.call("GET", "/api/v1/fkv/get?prefix=12a"), 400, "bad_request");
    expect(err.details).toMatchObject({ field: "prefix", received: "12a" });
    await expectError(await svc.call("GET", "/api/v1/fkv/get?prefix=1&limit=0"), 400, "bad_request");
    expect(await counts(svc)).toEqual(before);
  });

  test("a prefix that matches nothing gives empty arrays", async () => {
    const res = await svc.call("GET", "/api/v1/fkv/get?prefix=99999999");
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ prefix: "99999999", values: [], programs: [] });
  });

  test("limit caps the entries returned", async () => {
    for (const e of ["1+1", "2+2", "3+3"]) await svc.call("POST", "/api/v1/dialog", { input: e });
    const all = await json(await svc.call("GET", "/api/v1/fkv/get?prefix=1"));
    expect((all.values as unknown[]).length).toBeGreaterThanOrEqual(3);
    const one = await json(await svc.call("GET", "/api/v1/fkv/get?prefix=1&limit=1"));
    expect((one.values as unknown[]).length).toBe(1);
  });
});

describe("POST /api/v1/dialog", () => {
  test("the spec's example 2+2 answers 4 with trace steps, poe, mdl and gas_used", async () => {
    const res = await svc.call("POST", "/api/v1/dialog", { input: "2+2", context: { session_id: "optional" } });
    expect(res.status).toBe(200);
    const b = await json(res);
    expect(b.answer).toBe("4");
    const steps = (b.trace as { steps: Array<Record<string, unknown>> }).steps;
    expect(steps[0]).toMatchObject({ pc: 0, op: "PUSHd", stack: [2], gas: 2047 });
    expect(steps[3]).toMatchObject({ op: "HALT", stack: [4] });
    expect(typeof b.poe).toBe("string");
    expect(Number(b.poe)).toBeGreaterThan(0.8);
    expect(b.mdl).toBe("3");
    expect(b.gas_used).toBe(4);
    expect(b.session_id).toBe("optional");
  });

  test("each answer is stored in the F-KV under the next dialog counter key", async () => {
    const a = await json(await svc.call("POST", "/api/v1/dialog", { input: "6*7" }));
    const b = await json(await svc.call("POST", "/api/v1/dialog", { input: "what is 10-3?" }));
    expect(b.answer).toBe("7");
    expect(Number(String(b.fkv_key))).toBe(Number(String(a.fkv_key)) + 1);
    const f = await json(await svc.call("GET", `/api/v1/fkv/get?prefix=${String(a.fkv_key)}`));
    expect((f.values as unknown[])[0]).toEqual({ key: a.fkv_key, value: "42" });
  });

  test("a mentioned program id is answered by running that program", async () => {
    const p = await json(await submit({ program: "PUSHd 8; PUSHd 5; MUL10; HALT" }));
    const b = await json(await svc.call("POST", "/api/v1/dialog", { input: `run ${String(p.program_id)} please` }));
    expect(b).toMatchObject({ answer: "40", source: "program", program_id: p.program_id });
  });

  test("other input gets a clear pending status and stores nothing", async () => {
    const before = await counts(svc);
    const b = await json(await svc.call("POST", "/api/v1/dialog", { input: "hello kolibri" }));
    expect(b).toMatchObject({ answer: null, status: "pending", source: "none", gas_used: 0 });
    expect(await counts(svc)).toEqual(before);
  });

  test("a runtime failure answers null with the VM status and stores nothing", async () => {
    const before = await counts(svc);
    const b = await json(await svc.call("POST", "/api/v1/dialog", { input: "4/(2-2)" }));
    expect(b).toMatchObject({ answer: null, status: "div_by_zero", poe: "0" });
    expect(await counts(svc)).toEqual(before);
  });

  test("an overflowing expression answers null with integer_overflow and stores nothing", async () => {
    const before = await counts(svc);
    const b = await json(await svc.call("POST", "/api/v1/dialog", { input: "what is 123456789*987654321*1000?" }));
    expect(b).toMatchObject({ answer: null, status: "integer_overflow", poe: "0", source: "vm" });
    expect(b.fkv_key).toBeUndefined();
    expect(await counts(svc)).toEqual(before);
    const p = await json(await svc.call("POST", "/api/v1/program/submit", { program: "9223372036854775807*2" }));
    expect(p).toMatchObject({ accepted: false, vm_status: "integer_overflow", poe: 0 });
  });

  test("free text has limits: input 4096 characters, session_id 256, no control characters, nothing stored", async () => {
    const before = await counts(svc);
    const cases: Array<[unknown, string, string]> = [
      [{ input: "2+2".padEnd(4097, " ") }, "input", "a string of 4097 characters"],
      [{ input: "2+2\u0000" }, "input", "a string with control character U+0000 at index 3"],
      [{ input: "2+2", context: { session_id: "s".repeat(257) } }, "context.session_id", "a string of 257 characters"],
      [{ input: "2+2", context: { session_id: "a\nb" } }, "context.session_id", "a string with control character U+000A at index 1"],
    ];
    for (const [body, field, received] of cases) {
      const err = await expectError(await svc.call("POST", "/api/v1/dialog", body), 400, "bad_request");
      expect(err.details).toMatchObject({ field, received });
    }
    // Tabs and newlines are text, not control noise.
    expect((await json(await svc.call("POST", "/api/v1/dialog", { input: "what is\n\t6*7?" }))).answer).toBe("42");
    const after = await counts(svc);
    expect(after.programs).toBe(before.programs);
    expect(after.fkv).toBe(before.fkv + 1);
  });

  test("malformed arithmetic and missing input are 400 and store nothing", async () => {
    const before = await counts(svc);
    await expectError(await svc.call("POST", "/api/v1/dialog", { input: "(2+2" }), 400, "bad_request");
    await expectError(await svc.call("POST", "/api/v1/dialog", { input: "8/0" }), 400, "bad_request");
    await expectError(await svc.call("POST", "/api/v1/dialog", {}), 400, "bad_request");
    await expectError(await svc.call("POST", "/api/v1/dialog", { input: 4 }), 400, "bad_request");
    expect(await counts(svc)).toEqual(before);
  });
});

describe("stored writes are atomic", () => {
  test("a dialog answer and its counter are stored together: when the entry cannot be written, the next answer takes the same key", async () => {
    const first = await json(await svc.call("POST", "/api/v1/dialog", { input: "7+1" }));
    const before = await counts(svc);
    const db = new Database(join(svc.dataDir, "kolibri.sqlite"));
    db.run("CREATE TRIGGER drill_fkv_fails BEFORE INSERT ON fkv BEGIN SELECT RAISE(ABORT, 'fkv write failed'); END");
    try {
      expect((await svc.call("POST", "/api/v1/dialog", { input: "7+2" })).status).toBe(500);
      expect(await counts(svc)).toEqual(before);
    } finally {
      db.run("DROP TRIGGER drill_fkv_fails");
      db.close();
    }
    const next = await json(await svc.call("POST", "/api/v1/dialog", { input: "7+3" }));
    expect(Number(String(next.fkv_key))).toBe(Number(String(first.fkv_key)) + 1);
    const f = await json(await svc.call("GET", `/api/v1/fkv/get?prefix=${String(next.fkv_key)}`));
    expect(f.values).toEqual([{ key: next.fkv_key, value: "10" }]);
  });

  test("an accepted program and its F-KV entry are stored together: when the entry cannot be written, neither is kept and the id is not used", async () => {
    const before = await counts(svc);
    const db = new Database(join(svc.dataDir, "kolibri.sqlite"));
    db.run("CREATE TRIGGER drill_fkv_fails BEFORE INSERT ON fkv BEGIN SELECT RAISE(ABORT, 'fkv write failed'); END");
    try {
      const res = await submit({ program: "5+6" });
      expect(res.status).toBe(500);
      expect(await counts(svc)).toEqual(before);
    } finally {
      db.run("DROP TRIGGER drill_fkv_fails");
      db.close();
    }
    const ok = await json(await submit({ program: "5+6" }));
    expect(ok.accepted).toBe(true);
    expect(ok.program_id).toBe(`prog-${String(before.programs + 1).padStart(6, "0")}`);
    expect(await counts(svc)).toEqual({ ...before, programs: before.programs + 1, fkv: before.fkv + 1 });
  });
});
