import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { TestService } from "../../helpers.ts";
import { counts, expectError, json, startKolibri } from "./helpers.ts";

let svc: TestService;
beforeAll(async () => {
  svc = await startKolibri({ options: { maxProgramBytes: 256 } });
});
afterAll(() => svc.stop());

const run = (body: unknown, headers?: Record<string, string>) => svc.call("POST", "/api/v1/vm/run", body, headers);

describe("POST /api/v1/vm/run", () => {
  test("the spec's assembly example answers status, result, stack, halted, steps, gas, source and trace", async () => {
    const res = await run({ program: "PUSHd 2; PUSHd 2; ADD10; HALT", gas_limit: 1024 });
    expect(res.status).toBe(200);
    const b = await json(res);
    expect(b.status).toBe("ok");
    expect(b.result).toBe("4");
    expect(b.stack).toEqual(["4"]);
    expect(b.halted).toBe(true);
    expect(b.steps).toBe(4);
    expect(b.gas_used).toBe(4);
    expect(b.program_source).toBe("PUSHd 2; PUSHd 2; ADD10; HALT");
    const trace = b.trace as Array<Record<string, unknown>>;
    expect(trace.length).toBe(4);
    expect(trace[0]).toEqual({ step: 0, ip: 0, offset: 0, opcode: 1, stack_top: 2, gas_left: 1024 });
    // ip counts instructions as in the spec example; offset is the byte position (PUSHd has a one-byte operand).
    expect(trace[1]).toEqual({ step: 1, ip: 1, offset: 2, opcode: 1, stack_top: 2, gas_left: 1023 });
    expect(trace[2]).toMatchObject({ step: 2, ip: 2, offset: 4, opcode: 2, stack_top: 4 });
  });

  test("the spec's expression example 2+2 with gas_limit 256 gives the same run", async () => {
    const b = await json(await run({ program: "2+2", gas_limit: 256 }));
    expect(b).toMatchObject({ status: "ok", result: "4", stack: ["4"], halted: true, steps: 4, gas_used: 4, program_source: "PUSHd 2; PUSHd 2; ADD10; HALT" });
    expect((b.trace as Array<Record<string, unknown>>)[0]).toEqual({ step: 0, ip: 0, offset: 0, opcode: 1, stack_top: 2, gas_left: 256 });
  });

  test("formula, expression and bytecode keys and opcode arrays are accepted", async () => {
    for (const body of [{ formula: "(3+4)*5" }, { expression: "(3+4)*5" }]) {
      expect((await json(await run(body))).result).toBe("35");
    }
    for (const body of [{ program: [1, 2, 1, 3, 4, 18] }, { bytecode: [1, 2, 1, 3, 4, 18] }]) {
      const b = await json(await run(body));
      expect(b).toMatchObject({ result: "6", program_source: "PUSHd 2; PUSHd 3; MUL10; HALT" });
    }
  });

  test("123456789*987654321 is exact in the decimal-string result", async () => {
    expect((await json(await run({ program: "123456789*987654321" }))).result).toBe("121932631112635269");
  });

  test("int64 overflow is reported with the exact value, never answered as a wrapped number", async () => {
    const b = await json(await run({ program: "123456789*987654321*1000" }));
    expect(b).toMatchObject({ status: "integer_overflow", halted: false, result: "1000", stack: ["121932631112635269", "1000"] });
    expect((b.fault as { message: string }).message).toBe("121932631112635269 * 1000 = 121932631112635269000 is outside the signed 64-bit range");
    // Every operator, including the unary minus of the smallest int64.
    for (const program of ["9223372036854775807+1", "0-9223372036854775807-2", "3037000500*3037000500", "(0-9223372036854775807-1)/(0-1)", "0-(0-9223372036854775807-1)"]) {
      expect((await json(await run({ program }))).status).toBe("integer_overflow");
    }
    expect((await json(await run({ program: "9223372036854775806+1" }))).result).toBe("9223372036854775807");
  });

  test("the configured gas limit applies when none is given", async () => {
    const b = await json(await run({ program: "top: PUSHd 1; JNZ top" }));
    expect(b).toMatchObject({ status: "gas_exhausted", gas_used: 2048, gas_limit: 2048, halted: false });
  });

  test("VM failures are statuses with HTTP 200", async () => {
    const cases: Array<[unknown, string]> = [
      [{ program: [255] }, "invalid_opcode"],
      [{ program: "ADD10" }, "stack_underflow"],
      [{ program: "f: CALL f" }, "stack_overflow"],
      [{ program: "1/(1-1)" }, "div_by_zero"],
      [{ program: "top: NOP; PUSHd 1; JNZ top", gas_limit: 50 }, "gas_exhausted"],
      [{ program: "123456789*987654321*1000" }, "integer_overflow"],
    ];
    for (const [body, status] of cases) {
      const res = await run(body);
      expect(res.status).toBe(200);
      const b = await json(res);
      expect(b.status).toBe(status);
      expect(b.fault).toBeDefined();
    }
  });

  test("large-gas runs complete through the pool with the trace capped at the configured depth", async () => {
    const b = await json(await run({ program: "top: PUSHd 1; JNZ top", gas_limit: 200_000 }));
    expect(b).toMatchObject({ status: "gas_exhausted", gas_used: 200_000 });
    expect((b.trace as unknown[]).length).toBe(64);
  });

  test("a long F-KV program runs beside the trie in slices and its writes are visible", async () => {
    const nops = Array.from({ length: 20 }, () => "NOP").join("; ");
    const program = `PUSHd 77; PUSHd 250; WRITE_FKV
      loop: ${nops}; PUSHd 77; PUSHd 77; READ_FKV; PUSHd 1; SUB10; WRITE_FKV; PUSHd 77; READ_FKV; JNZ loop
      PUSHd 78; PUSHd 9; WRITE_FKV; PUSHd 78; READ_FKV; HALT`;
    const b = await json(await run({ program, gas_limit: 500_000 }));
    expect(b).toMatchObject({ status: "ok", result: "9" });
    expect(b.steps as number).toBeGreaterThan(5000);
    const f = await json(await svc.call("GET", "/api/v1/fkv/get?prefix=77"));
    expect(f.values).toEqual([{ key: "77", value: "0" }]);
    const m = await (await svc.call("GET", "/api/v1/metrics")).text();
    expect(m).toContain('kolibri_vm_runs_total{status="ok",where="sliced"} 1');
    expect(m).toContain('kolibri_vm_runs_total{status="gas_exhausted",where="pool"} 1');
  });

  test("a large gas limit on a program that halts early stays inline", async () => {
    const before = await (await svc.call("GET", "/api/v1/metrics")).text();
    const count = (t: string): number => Number(/kolibri_vm_runs_total\{status="ok",where="inline"\} (\d+)/.exec(t)?.[1] ?? 0);
    expect((await json(await run({ program: "2*3", gas_limit: 9_000_000 }))).result).toBe("6");
    const after = await (await svc.call("GET", "/api/v1/metrics")).text();
    expect(count(after)).toBe(count(before) + 1);
  });

  test("RANDOM10 is reproducible for a given seed", async () => {
    const a = await json(await run({ program: "RANDOM10; HALT", seed: 5 }));
    const b = await json(await run({ program: "RANDOM10; HALT", seed: 5 }));
    expect(a.result).toBe(String((1664525 * 5 + 1013904223) % 2 ** 32));
    expect(b.result).toBe(a.result);
  });
});

describe("POST /api/v1/vm/run bad input", () => {
  test("a missing program is 400 bad_request naming the accepted keys", async () => {
    const err = await expectError(await run({ gas_limit: 10 }), 400, "bad_request");
    expect(err.details.accepted_keys).toEqual(["program", "bytecode", "formula", "expression"]);
  });

  test("wrong types are 400 bad_request", async () => {
    await expectError(await run({ program: 42 }), 400, "bad_request");
    await expectError(await run({ program: "2+2", gas_limit: "many" }), 400, "bad_request");
    await expectError(await run({ program: "2+2", gas_limit: 0 }), 400, "bad_request");
    await expectError(await run({ formula: [1, 2] }), 400, "bad_request");
    await expectError(await run("not json"), 400, "bad_request");
  });

  test("an opcode outside 0–255 is 400 naming its index", async () => {
    const err = await expectError(await run({ program: [1, 2, 300] }), 400, "bad_request");
    expect(err.details).toMatchObject({ index: 2, value: 300 });
    await expectError(await run({ bytecode: [-1] }), 400, "bad_request");
  });

  test("unparsable assembly is 400 naming the token and position", async () => {
    const err = await expectError(await run({ program: "PUSHd 2; JUMP 3" }), 400, "bad_request");
    expect(err.details).toMatchObject({ token: "JUMP", position: 9 });
    expect(err.message).toContain("JUMP");
  });

  test("unbalanced parentheses and division by a literal zero are 400", async () => {
    const paren = await expectError(await run({ program: "(2+3" }), 400, "bad_request");
    expect(paren.details).toMatchObject({ token: "(", position: 0 });
    const zero = await expectError(await run({ expression: "7/0" }), 400, "bad_request");
    expect(zero.message).toContain("division by a literal zero");
  });

  test("an oversized program is 400 with the limit", async () => {
    const err = await expectError(await run({ program: new Array(300).fill(17) }), 400, "bad_request");
    expect(err.details).toMatchObject({ size: 300, max_bytes: 256 });
  });

  test("program text is bounded (32 characters per allowed byte) and control characters are refused", async () => {
    const long = await expectError(await run({ program: `NOP; ${"# comment\n".repeat(1000)}HALT` }), 400, "bad_request");
    expect(long.details).toMatchObject({ unit: "characters", max_bytes: 256 });
    const nul = await expectError(await run({ program: "PUSHd 2;\u0000 HALT" }), 400, "bad_request");
    expect(nul.message).toContain("assembly error");
  });

  test("a non-integer opcode is named by type, not echoed; a deeply nested one is a 400 too", async () => {
    const err = await expectError(await run({ program: [1, { big: "x".repeat(1000) }] }), 400, "bad_request");
    expect(err.details).toEqual({ index: 1, value: "object" });
    const deep = await expectError(await run(`{"program": [${"[".repeat(100_000)}${"]".repeat(100_000)}]}`), 400, "bad_request");
    expect(deep.details).toEqual({ index: 0, value: "array" });
    const key = await expectError(await run(`{"program": "1+1", "x": ${"[".repeat(100_000)}${"]".repeat(100_000)}}`, { "X-Request-Id": "deep-1" }), 400, "bad_request");
    expect(key.details).toEqual({ max_depth: 64 });
  });

  test("a gas limit above the maximum is 400", async () => {
    await expectError(await run({ program: "HALT", gas_limit: 10_000_001 }), 400, "bad_request");
  });

  test("refused runs store nothing", async () => {
    const before = await counts(svc);
    await run({ program: "(((" });
    await run({ program: [999] });
    expect(await counts(svc)).toEqual(before);
  });
});

describe("F-KV writes from the VM are bounded", () => {
  test("a write loop stops at maxFkvWritesPerRun with fkv_quota_exceeded; the writes before it stay", async () => {
    const s = await startKolibri({ options: { maxFkvWritesPerRun: 10 } });
    // fkv[0] counts turns; each turn writes fkv[0] = c+1 and fkv[c+1] = 7, forever.
    const loop = "top: PUSHd 0; PUSHd 0; READ_FKV; PUSHd 1; ADD10; WRITE_FKV; PUSHd 0; READ_FKV; PUSHd 7; WRITE_FKV; PUSHd 1; JNZ top";
    const b = await json(await s.call("POST", "/api/v1/vm/run", { program: loop, gas_limit: 100_000 }));
    expect(b).toMatchObject({ status: "fkv_quota_exceeded", halted: false, fault: { message: "more than 10 F-KV writes in one run" } });
    expect((await counts(s)).fkv).toBe(6); // key 0 and keys 1..5
    const f = await json(await s.call("GET", "/api/v1/fkv/get?prefix=0"));
    expect(f.values).toEqual([{ key: "0", value: "5" }]);
    await s.stop();
  });
});
