import { describe, expect, test } from "bun:test";
import { assemble } from "../../../src/services/kolibri/engine/assembler.ts";
import { Op } from "../../../src/services/kolibri/engine/opcodes.ts";
import { FkvTrie, trieFkvPort } from "../../../src/services/kolibri/engine/fkv.ts";
import { INT64_MAX, INT64_MIN, createVm, mayUseFkv, runSlice, runVm, vmOptions, vmResult, type VmOptions } from "../../../src/services/kolibri/engine/vm.ts";

const opts = (p: Partial<VmOptions> = {}): VmOptions => vmOptions({ clock: () => 1_700_000_000_123, ...p });
const asm = (src: string): Uint8Array => {
  const a = assemble(src);
  if (!a.ok) throw new Error(a.error.message);
  return a.bytes;
};
const run = (src: string, p: Partial<VmOptions> = {}) => runVm(asm(src), opts(p));

describe("Δ-VM arithmetic", () => {
  test("the spec example PUSHd 2; PUSHd 2; ADD10; HALT halts ok with 4 in 4 steps", () => {
    const r = run("PUSHd 2; PUSHd 2; ADD10; HALT", { gasLimit: 1024 });
    expect(r.status).toBe("ok");
    expect(r.result).toBe(4n);
    expect(r.stack).toEqual([4n]);
    expect(r.halted).toBe(true);
    expect(r.steps).toBe(4);
    expect(r.gasUsed).toBe(4);
  });

  test("SUB10, MUL10, DIV10 and MOD10 take b from the top and a beneath it", () => {
    expect(run("PUSHd 9; PUSHd 4; SUB10; HALT").result).toBe(5n);
    expect(run("PUSHd 9; PUSHd 4; MUL10; HALT").result).toBe(36n);
    expect(run("PUSHd 9; PUSHd 4; DIV10; HALT").result).toBe(2n);
    expect(run("PUSHd 9; PUSHd 4; MOD10; HALT").result).toBe(1n);
  });

  test("division truncates toward zero and MOD10 keeps the dividend's sign", () => {
    expect(run("PUSHd 0; PUSHd 7; SUB10; PUSHd 2; DIV10; HALT").result).toBe(-3n);
    expect(run("PUSHd 0; PUSHd 7; SUB10; PUSHd 2; MOD10; HALT").result).toBe(-1n);
  });

  test("123456789*987654321 is exact beyond 2^53", () => {
    // Build both factors from bytes so the check exercises MUL10 on large values.
    const build = (n: number): string => {
      const d = String(n);
      return [`PUSHd ${d[0]}`, ...[...d.slice(1)].map((c) => `PUSHd 10; MUL10; PUSHd ${c}; ADD10`)].join("; ");
    };
    const r = run(`${build(123456789)}; ${build(987654321)}; MUL10; HALT`);
    expect(r.result).toBe(123456789n * 987654321n);
    expect(r.result.toString()).toBe("121932631112635269");
  });

  test("results at the int64 limits are exact", () => {
    const r = run(`${num(INT64_MAX)}; HALT`, { gasLimit: 4096 });
    expect(r).toMatchObject({ status: "ok", result: INT64_MAX });
    expect(run(`${num(INT64_MIN)}; HALT`, { gasLimit: 4096 })).toMatchObject({ status: "ok", result: INT64_MIN });
    expect(run(`${num(INT64_MIN)}; PUSHd 1; SUB10; PUSHd 1; ADD10; HALT`, { gasLimit: 4096 }).status).toBe("integer_overflow");
  });

  test("CMP pushes -1, 0 or 1", () => {
    expect(run("PUSHd 1; PUSHd 2; CMP; HALT").result).toBe(-1n);
    expect(run("PUSHd 2; PUSHd 2; CMP; HALT").result).toBe(0n);
    expect(run("PUSHd 3; PUSHd 2; CMP; HALT").result).toBe(1n);
  });
});

describe("Δ-VM statuses", () => {
  test("division by zero is the div_by_zero status with the faulting ip", () => {
    const r = run("PUSHd 1; PUSHd 0; DIV10; HALT");
    expect(r.status).toBe("div_by_zero");
    expect(r.halted).toBe(false);
    expect(r.fault?.ip).toBe(4);
    expect(run("PUSHd 1; PUSHd 0; MOD10; HALT").status).toBe("div_by_zero");
  });

  test("a byte that is not an opcode is invalid_opcode", () => {
    const r = runVm(Uint8Array.from([Op.PUSHd, 1, 0xff, Op.HALT]), opts());
    expect(r.status).toBe("invalid_opcode");
    expect(r.fault).toEqual({ ip: 2, opcode: 0xff, message: "byte 0xff is not an opcode" });
    expect(runVm(Uint8Array.from([0x00]), opts()).status).toBe("invalid_opcode");
    expect(runVm(Uint8Array.from([0x13]), opts()).status).toBe("invalid_opcode");
  });

  test("an operand cut off by the end of the program is invalid_opcode", () => {
    expect(runVm(Uint8Array.from([Op.PUSHd]), opts()).status).toBe("invalid_opcode");
    expect(runVm(Uint8Array.from([Op.PUSHd, 1, Op.JZ, 0]), opts()).status).toBe("invalid_opcode");
  });

  test("popping an empty stack is stack_underflow", () => {
    expect(run("ADD10").status).toBe("stack_underflow");
    expect(run("PUSHd 1; MUL10").status).toBe("stack_underflow");
    expect(run("JZ 0").status).toBe("stack_underflow");
    expect(run("HASH10").status).toBe("stack_underflow");
  });

  test("pushing past maxStack is stack_overflow", () => {
    const r = run(Array.from({ length: 5 }, () => "PUSHd 1").join(";"), { maxStack: 4 });
    expect(r.status).toBe("stack_overflow");
    expect(r.steps).toBe(5);
    expect(r.stack.length).toBe(4);
  });

  test("running out of gas is gas_exhausted with gas_used equal to the limit", () => {
    const r = run("top: NOP; PUSHd 1; JNZ top", { gasLimit: 100 });
    expect(r.status).toBe("gas_exhausted");
    expect(r.gasUsed).toBe(100);
  });

  test("a program that exactly uses its gas and halts is ok", () => {
    expect(run("NOP; HALT", { gasLimit: 2 }).status).toBe("ok");
    expect(run("NOP; NOP; HALT", { gasLimit: 2 }).status).toBe("gas_exhausted");
  });

  test("running off the end stops with ok but not halted", () => {
    const r = run("PUSHd 7");
    expect(r).toMatchObject({ status: "ok", halted: false, result: 7n, steps: 1 });
  });

  test("an empty stack gives result 0", () => {
    expect(run("HALT").result).toBe(0n);
  });
});

describe("Δ-VM control flow", () => {
  test("JZ jumps relative to the next instruction when the value is zero", () => {
    // JZ at 2 (3 bytes) → next = 5; +2 skips "PUSHd 9".
    expect(run("PUSHd 0; JZ 2; PUSHd 9; PUSHd 4; HALT").stack).toEqual([4n]);
    expect(run("PUSHd 1; JZ 2; PUSHd 9; PUSHd 4; HALT").stack).toEqual([9n, 4n]);
  });

  test("JNZ jumps when the value is non-zero and falls through on zero", () => {
    expect(run("PUSHd 3; JNZ 2; PUSHd 9; PUSHd 4; HALT").stack).toEqual([4n]);
    expect(run("PUSHd 0; JNZ 2; PUSHd 9; PUSHd 4; HALT").stack).toEqual([9n, 4n]);
    expect(run("PUSHd 1; JNZ -5").status).toBe("gas_exhausted"); // jumps back onto itself
  });

  test("a loop summing 1..10 gives 55", () => {
    // stack: [sum, i]; while i != 0: sum += i; i -= 1
    const src = `PUSHd 0; PUSHd 10
      loop: CALL dup2; ADD10; CALL swapdec; PUSHd 0; CALL peek; JNZ loop; HALT
      dup2: RET`;
    // Without DUP the loop uses F-KV as registers instead.
    const trie = new FkvTrie();
    const prog = `PUSHd 1; PUSHd 10; WRITE_FKV; PUSHd 2; PUSHd 0; WRITE_FKV
      loop: PUSHd 2; PUSHd 2; READ_FKV; PUSHd 1; READ_FKV; ADD10; WRITE_FKV
      PUSHd 1; PUSHd 1; READ_FKV; PUSHd 1; SUB10; WRITE_FKV
      PUSHd 1; READ_FKV; JNZ loop; PUSHd 2; READ_FKV; HALT`;
    expect(assemble(src).ok).toBe(false); // 'swapdec' and 'peek' are undefined labels
    const r = run(prog, { fkv: trieFkvPort(trie), gasLimit: 10_000 });
    expect(r.status).toBe("ok");
    expect(r.result).toBe(55n);
    expect(trie.exact("2")?.payload).toBe("55");
  });

  test("CALL pushes the return address and RET returns to it", () => {
    const r = run("CALL f; PUSHd 2; ADD10; HALT; f: PUSHd 40; RET");
    expect(r).toMatchObject({ status: "ok", result: 42n, halted: true });
  });

  test("RET with an empty call stack stops with halted=false", () => {
    const r = run("PUSHd 3; RET; PUSHd 9; HALT");
    expect(r).toMatchObject({ status: "ok", halted: false, result: 3n, steps: 2 });
  });

  test("recursion deeper than the call depth is stack_overflow", () => {
    expect(run("f: CALL f", { maxCallDepth: 32 }).status).toBe("stack_overflow");
    expect(run("f: CALL f", { maxCallDepth: 32 }).steps).toBe(33);
  });

  test("a jump before the start of the program is invalid_opcode", () => {
    expect(run("PUSHd 0; JZ -100").status).toBe("invalid_opcode");
  });
});

describe("Δ-VM environment opcodes", () => {
  test("HASH10 pushes (v·2654435761) mod 10^10", () => {
    expect(run("PUSHd 7; HASH10; HALT").result).toBe((7n * 2654435761n) % 10_000_000_000n);
    expect(run("PUSHd 0; PUSHd 7; SUB10; HASH10; HALT").result).toBe(10_000_000_000n - ((7n * 2654435761n) % 10_000_000_000n));
  });

  test("RANDOM10 follows the seeded LCG and repeats for the same seed", () => {
    const a = run("RANDOM10; RANDOM10; HALT", { seed: 42 });
    const s1 = (1664525 * 42 + 1013904223) % 2 ** 32;
    const s2 = Number((1664525n * BigInt(s1) + 1013904223n) % 2n ** 32n);
    expect(a.stack).toEqual([BigInt(s1), BigInt(s2)]);
    expect(run("RANDOM10; RANDOM10; HALT", { seed: 42 }).stack).toEqual(a.stack);
    expect(run("RANDOM10; HALT", { seed: 43 }).result).not.toBe(a.stack[0]);
  });

  test("TIME10 pushes the injected clock in milliseconds", () => {
    expect(run("TIME10; HALT", { clock: () => 1234.9 }).result).toBe(1234n);
  });

  test("READ_FKV pushes the first value under the key and 0 when absent", () => {
    const trie = new FkvTrie();
    trie.put("123", "value", "45");
    const port = trieFkvPort(trie);
    expect(run("PUSHd 123; READ_FKV; HALT", { fkv: port }).result).toBe(45n);
    expect(run("PUSHd 12; READ_FKV; HALT", { fkv: port }).result).toBe(45n);
    expect(run("PUSHd 99; READ_FKV; HALT", { fkv: port }).result).toBe(0n);
    expect(run("PUSHd 1; READ_FKV; HALT").result).toBe(0n);
  });

  test("WRITE_FKV pops value then key and stores it in the trie", () => {
    const trie = new FkvTrie();
    const written: string[] = [];
    const r = run("PUSHd 77; PUSHd 5; WRITE_FKV; HALT", { fkv: trieFkvPort(trie, (e) => written.push(e.key)) });
    expect(r.stack).toEqual([]);
    expect(trie.exact("77")?.payload).toBe("5");
    expect(written).toEqual(["77"]);
  });

  test("WRITE_FKV past the per-run quota or into a full store stops with fkv_quota_exceeded, on both paths", () => {
    for (const wide of [false, true]) {
      const trie = new FkvTrie();
      const code = asm("PUSHd 1; PUSHd 5; WRITE_FKV; PUSHd 2; PUSHd 5; WRITE_FKV; PUSHd 3; PUSHd 5; WRITE_FKV; HALT");
      const o = opts({ fkv: trieFkvPort(trie, undefined, { writesPerRun: 2, maxEntries: 100 }) });
      const s = createVm(code, o);
      if (wide) s.wide = new BigInt64Array(o.maxStack);
      runSlice(s, Number.POSITIVE_INFINITY);
      const r = vmResult(s);
      expect(r.status).toBe("fkv_quota_exceeded");
      expect(r.fault?.message).toBe("more than 2 F-KV writes in one run");
      expect(trie.size).toBe(2);
    }
    const full = new FkvTrie();
    full.put("1", "value", "0");
    const r = runVm(asm("PUSHd 1; PUSHd 7; WRITE_FKV; PUSHd 2; PUSHd 7; WRITE_FKV; HALT"), opts({ fkv: trieFkvPort(full, undefined, { writesPerRun: 10, maxEntries: 1 }) }));
    expect(r.status).toBe("fkv_quota_exceeded");
    expect(r.fault?.message).toBe("the F-KV is full (1 entries)");
    expect(full.exact("1")?.payload).toBe("7"); // overwriting an existing key is still allowed
    expect(full.exact("2")).toBeUndefined();
  });

  test("mayUseFkv flags any byte that could execute as an F-KV opcode", () => {
    expect(mayUseFkv(asm("PUSHd 1; READ_FKV"))).toBe(true);
    expect(mayUseFkv(asm("PUSHd 13; HALT"))).toBe(true);
    expect(mayUseFkv(asm("PUSHd 1; HALT"))).toBe(false);
  });
});

describe("Δ-VM trace", () => {
  test("entries carry step, ip, opcode, stack_top after the step and gas_left before it", () => {
    const r = run("PUSHd 2; PUSHd 3; ADD10; HALT", { gasLimit: 1024 });
    expect(r.trace.map((t) => [t.step, t.ip, t.opcode, t.stackTop, t.gasLeft])).toEqual([
      [0, 0, 1, 2n, 1024],
      [1, 2, 1, 3n, 1023],
      [2, 4, 2, 5n, 1022],
      [3, 5, 0x12, 5n, 1021],
    ]);
    expect(r.trace[0]?.stack).toBeUndefined();
  });

  test("the trace is capped by traceDepth", () => {
    const r = run("top: PUSHd 1; JNZ top", { gasLimit: 500, traceDepth: 10 });
    expect(r.trace.length).toBe(10);
    expect(run("HALT", { traceDepth: 0 }).trace).toEqual([]);
  });

  test("traceStack snapshots the whole stack per entry", () => {
    const r = run("PUSHd 2; PUSHd 3; HALT", { traceStack: true });
    expect(r.trace.map((t) => t.stack)).toEqual([[2n], [2n, 3n], [2n, 3n]]);
  });
});

describe("Δ-VM slicing", () => {
  test("running in slices gives the same result as one run", () => {
    const code = asm(`PUSHd 1; PUSHd 200; WRITE_FKV; PUSHd 0
      loop: RANDOM10; HASH10; PUSHd 0; MUL10; PUSHd 1; PUSHd 1; READ_FKV; PUSHd 1; SUB10; WRITE_FKV; ADD10
      PUSHd 1; READ_FKV; JNZ loop; HALT`);
    const whole = runVm(code, opts({ gasLimit: 100_000, seed: 7, fkv: trieFkvPort(new FkvTrie()) }));
    const s = createVm(code, opts({ gasLimit: 100_000, seed: 7, fkv: trieFkvPort(new FkvTrie()) }));
    let slices = 0;
    while (!runSlice(s, 37)) slices++;
    const sliced = vmResult(s);
    expect(slices).toBeGreaterThan(3);
    expect(whole.status).toBe("ok");
    expect(whole.steps).toBeGreaterThan(2000);
    expect(sliced.status).toBe(whole.status);
    expect(sliced.steps).toBe(whole.steps);
    expect(sliced.stack).toEqual(whole.stack);
  });
});

/** Assembly that leaves exactly `v` on the stack (digits by multiply-add; a negative as 0 − |v|). */
function num(v: bigint): string {
  if (v === INT64_MIN) return `${num(-INT64_MAX)}; PUSHd 1; SUB10`; // −MAX − 1: |MIN| itself is not an int64
  const digits = (x: bigint): string => {
    const d = x.toString();
    return [`PUSHd ${d[0]}`, ...[...d.slice(1)].map((c) => `PUSHd 10; MUL10; PUSHd ${c}; ADD10`)].join("; ");
  };
  return v < 0n ? `PUSHd 0; ${digits(-v)}; SUB10` : digits(v);
}

describe("Δ-VM integer overflow is a status, never a wrapped number", () => {
  const MAX = INT64_MAX;
  const MIN = INT64_MIN;
  /** Every arithmetic op at and just past the limit, as [a, op, b, exact result]. */
  const cases: Array<[bigint, string, bigint, bigint]> = [
    [MAX, "ADD10", 1n, MAX + 1n],
    [MIN, "SUB10", 1n, MIN - 1n],
    [-MAX, "SUB10", 2n, -MAX - 2n],
    [MAX, "MUL10", 2n, MAX * 2n],
    [MIN, "MUL10", -1n, -MIN],
    [MIN, "DIV10", -1n, -MIN],
    [123456789n * 987654321n, "MUL10", 1000n, 123456789n * 987654321n * 1000n],
  ];
  const both = (src: string, gasLimit = 8192) => {
    const code = asm(src);
    const o = opts({ gasLimit });
    const fast = runVm(code, o);
    const s = createVm(code, o);
    s.wide = new BigInt64Array(o.maxStack); // the exact loop from the first instruction
    runSlice(s, Number.POSITIVE_INFINITY);
    return [fast, vmResult(s)] as const;
  };

  test("ADD, SUB, MUL and MIN / −1 past the range stop with integer_overflow on both paths", () => {
    for (const [a, op, b, exact] of cases) {
      for (const r of both(`${num(a)}; ${num(b)}; ${op}; HALT`)) {
        expect(r.status).toBe("integer_overflow");
        expect(r.halted).toBe(false);
        // The operands stay on the stack; nothing wrapped was pushed.
        expect(r.stack).toEqual([a, b]);
        expect(r.fault?.message).toBe(`${a} ${{ ADD10: "+", SUB10: "-", MUL10: "*", DIV10: "/" }[op]} ${b} = ${exact} is outside the signed 64-bit range`);
      }
    }
  });

  test("the same ops one step inside the range stay exact", () => {
    const inside: Array<[bigint, string, bigint, bigint]> = [[MAX - 1n, "ADD10", 1n, MAX], [MIN + 1n, "SUB10", 1n, MIN], [MIN, "DIV10", 1n, MIN], [MIN, "MOD10", -1n, 0n], [-(2n ** 62n), "MUL10", 2n, MIN]];
    for (const [a, op, b, exact] of inside) {
      for (const r of both(`${num(a)}; ${num(b)}; ${op}; HALT`)) expect(r).toMatchObject({ status: "ok", result: exact });
    }
  });

  test("an overflow straight out of the float fast path is caught by the exact loop", () => {
    // 2^52 · 2^52: both operands are narrow, the product is not even int64.
    const twoTo52 = ["PUSHd 1", ...Array.from({ length: 52 }, () => "PUSHd 2; MUL10")].join("; ");
    const s = createVm(asm(`${twoTo52}; ${twoTo52}; MUL10; HALT`), opts({ gasLimit: 4096 }));
    runSlice(s, Number.POSITIVE_INFINITY);
    expect(s.wide).toBeDefined();
    expect(vmResult(s).status).toBe("integer_overflow");
  });

  test("HASH10 is computed in full before the modulo, so it never overflows", () => {
    for (const v of [MAX, MIN, -1n]) {
      for (const r of both(`${num(v)}; HASH10; HALT`)) {
        expect(r.status).toBe("ok");
        expect(r.result).toBe((((v * 2654435761n) % 10_000_000_000n) + 10_000_000_000n) % 10_000_000_000n);
      }
    }
  });

  test("an F-KV value outside the range is an overflow, not a wrapped read", () => {
    const trie = new FkvTrie();
    trie.put("7", "value", "99999999999999999999");
    for (const r of [runVm(asm("PUSHd 7; READ_FKV; HALT"), opts({ fkv: trieFkvPort(trie) }))]) {
      expect(r.status).toBe("integer_overflow");
      expect(r.fault?.message).toContain("99999999999999999999");
    }
  });
});

describe("Δ-VM float fast path", () => {
  const exact = (code: Uint8Array, o: VmOptions) => {
    const s = createVm(code, o);
    s.wide = new BigInt64Array(o.maxStack); // start on the exact loop
    runSlice(s, Number.POSITIVE_INFINITY);
    return vmResult(s);
  };

  test("a value past 2^53 moves the run to exact arithmetic without losing a bit", () => {
    const doubles = Array.from({ length: 53 }, () => "PUSHd 2; MUL10").join("; ");
    const r = run(`PUSHd 1; ${doubles}; PUSHd 1; ADD10; HALT`, { gasLimit: 4096 });
    expect(r.result).toBe(2n ** 53n + 1n);
    expect(r.status).toBe("ok");
  });

  test("random programs give identical results, traces and F-KV writes on both paths", () => {
    let x = 987654321;
    const rnd = (n: number): number => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return (x >>> 8) % n;
    };
    const ops = [Op.PUSHd, Op.PUSHd, Op.PUSHd, Op.ADD10, Op.SUB10, Op.MUL10, Op.MUL10, Op.DIV10, Op.MOD10, Op.CMP, Op.JZ, Op.JNZ, Op.CALL, Op.RET, Op.READ_FKV, Op.WRITE_FKV, Op.HASH10, Op.RANDOM10, Op.RANDOM10, Op.TIME10, Op.NOP, Op.HALT];
    let widened = 0;
    for (let n = 0; n < 400; n++) {
      // Seed the stack so arithmetic gets going; random products soon pass 2^53.
      const bytes: number[] = [Op.RANDOM10, Op.PUSHd, rnd(256), Op.RANDOM10];
      const len = 5 + rnd(60);
      while (bytes.length < len) {
        const op = ops[rnd(ops.length)] ?? Op.NOP;
        bytes.push(op);
        if (op === Op.PUSHd) bytes.push(rnd(256));
        else if (op === Op.JZ || op === Op.JNZ) bytes.push(rnd(2) ? rnd(8) : 256 - 1 - rnd(12), rnd(2) ? 0 : 255);
        else if (op === Op.CALL) bytes.push(rnd(len), 0);
      }
      const code = Uint8Array.from(bytes);
      const t1 = new FkvTrie();
      const t2 = new FkvTrie();
      const o = (t: FkvTrie) => opts({ gasLimit: 3000, seed: n, traceStack: true, traceDepth: 40, fkv: trieFkvPort(t) });
      const f = createVm(code, o(t1));
      runSlice(f, Number.POSITIVE_INFINITY);
      const fast = vmResult(f);
      const slow = exact(code, o(t2));
      if (f.wide) widened++;
      expect({ ...fast, fault: fast.fault?.message }).toEqual({ ...slow, fault: slow.fault?.message });
      expect(t1.get("0", 100).length + t1.size).toBe(t2.get("0", 100).length + t2.size);
    }
    expect(widened).toBeGreaterThan(10); // the sample really exercises the switch
  });
});
