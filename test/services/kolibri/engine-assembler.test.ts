import { describe, expect, test } from "bun:test";
import { assemble, disassemble } from "../../../src/services/kolibri/engine/assembler.ts";
import { compileExpression, findExpression, looksLikeExpression } from "../../../src/services/kolibri/engine/compiler.ts";
import { runVm, vmOptions } from "../../../src/services/kolibri/engine/vm.ts";

const bytes = (src: string): number[] => {
  const a = assemble(src);
  if (!a.ok) throw new Error(a.error.message);
  return [...a.bytes];
};
const evalExpr = (src: string): bigint => {
  const c = compileExpression(src);
  if (!c.ok) throw new Error(c.error.message);
  const r = runVm(c.bytes, vmOptions({ clock: () => 0, gasLimit: 100_000 }));
  if (r.status !== "ok") throw new Error(r.status);
  return r.result;
};

describe("assembler", () => {
  test("the spec's text form assembles to the byte form", () => {
    expect(bytes("PUSHd 2; PUSHd 2; ADD10; HALT")).toEqual([1, 2, 1, 2, 2, 0x12]);
  });

  test("mnemonics are case-insensitive and newlines separate statements", () => {
    expect(bytes("pushd 2\npUsHd 3\nmul10\nhalt")).toEqual(bytes("PUSHd 2; PUSHd 3; MUL10; HALT"));
  });

  test("every opcode assembles to its code", () => {
    const names = ["PUSHd 0", "ADD10", "SUB10", "MUL10", "DIV10", "MOD10", "CMP", "JZ 0", "JNZ 0", "CALL 0", "RET", "READ_FKV", "WRITE_FKV", "HASH10", "RANDOM10", "TIME10", "NOP", "HALT"];
    const firsts = names.map((n) => bytes(n)[0]);
    expect(firsts).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
  });

  test("jump operands are 16-bit little-endian, relative for JZ/JNZ and absolute for CALL", () => {
    expect(bytes("JZ -2")).toEqual([8, 0xfe, 0xff]);
    expect(bytes("JNZ 0x102")).toEqual([9, 2, 1]);
    expect(bytes("CALL 513")).toEqual([10, 1, 2]);
  });

  test("labels resolve to relative jumps and absolute calls", () => {
    // JZ at 0 → next is 3; end label at 5 → rel +2.
    expect(bytes("JZ end; PUSHd 1; end: HALT")).toEqual([8, 2, 0, 1, 1, 0x12]);
    expect(bytes("top: NOP; JNZ top")).toEqual([0x11, 9, 0xfc, 0xff]);
    expect(bytes("CALL f; HALT; f: RET")).toEqual([10, 4, 0, 0x12, 0x0b]);
  });

  test("# comments and short aliases are accepted", () => {
    expect(bytes("push 1 # one\nadd # sum")).toEqual([1, 1, 2]);
  });

  test("an unknown mnemonic is an error naming the token and its position", () => {
    const a = assemble("PUSHd 2; PUHSd 2");
    expect(a.ok).toBe(false);
    if (!a.ok) expect(a.error).toMatchObject({ token: "PUHSd", position: 9, line: 1, column: 10 });
  });

  test("operand errors name the token: out of range, not a number, missing, extra", () => {
    const err = (src: string) => {
      const a = assemble(src);
      return a.ok ? undefined : a.error;
    };
    expect(err("PUSHd 256")).toMatchObject({ token: "256", position: 6 });
    expect(err("PUSHd -1")).toMatchObject({ token: "-1" });
    expect(err("PUSHd x")).toMatchObject({ token: "x", message: "operand 'x' is not a number" });
    expect(err("NOP\nPUSHd")).toMatchObject({ token: "PUSHd", line: 2 });
    expect(err("HALT 3")).toMatchObject({ token: "3", message: "HALT takes no operand" });
    expect(err("PUSHd 1 2")).toMatchObject({ token: "2", position: 8 });
    expect(err("JZ nowhere")).toMatchObject({ token: "nowhere", message: "unknown label 'nowhere'" });
    expect(err("a: NOP; a: NOP")).toMatchObject({ token: "a", position: 8, message: "duplicate label 'a'" });
    expect(err("JZ 40000")).toMatchObject({ token: "40000" });
  });

  test("disassembly is canonical text that reassembles to the same bytes", () => {
    expect(disassemble(Uint8Array.from([1, 2, 1, 2, 2, 0x12]))).toBe("PUSHd 2; PUSHd 2; ADD10; HALT");
    expect(disassemble(Uint8Array.from([8, 0xfe, 0xff, 0xee, 1]))).toBe("JZ -2; BYTE 238; BYTE 1");
  });

  test("any byte string round-trips through disassemble and assemble", () => {
    let x = 12345;
    for (let n = 0; n < 200; n++) {
      const len = 1 + (n % 40);
      const b = new Uint8Array(len);
      for (let i = 0; i < len; i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        b[i] = (x >>> 16) % 24; // mostly opcodes, some invalid bytes
      }
      const a = assemble(disassemble(b));
      expect(a.ok && [...a.bytes]).toEqual([...b]);
    }
  });
});

describe("expression compiler", () => {
  test("2+2 compiles to the spec's four instructions", () => {
    const c = compileExpression("2+2");
    expect(c.ok && disassemble(c.bytes)).toBe("PUSHd 2; PUSHd 2; ADD10; HALT");
  });

  test("multi-digit numbers are pushed digit by digit as acc·10 + d", () => {
    const c = compileExpression("12");
    expect(c.ok && disassemble(c.bytes)).toBe("PUSHd 1; PUSHd 10; MUL10; PUSHd 2; ADD10; HALT");
  });

  test("precedence, parentheses and left associativity follow arithmetic", () => {
    expect(evalExpr("(3+4)*5")).toBe(35n);
    expect(evalExpr("3+4*5")).toBe(23n);
    expect(evalExpr("12/4-1")).toBe(2n);
    expect(evalExpr("10-4-3")).toBe(3n);
    expect(evalExpr("100/10/5")).toBe(2n);
    expect(evalExpr("17%5*2")).toBe(4n);
    expect(evalExpr(" ( 1 + 2 ) * ( 3 + 4 ) ")).toBe(21n);
  });

  test("unary minus binds tighter than multiplication", () => {
    expect(evalExpr("-3*4")).toBe(-12n);
    expect(evalExpr("2--3")).toBe(5n);
    expect(evalExpr("-(2+3)")).toBe(-5n);
    expect(evalExpr("--7")).toBe(7n);
  });

  test("123456789*987654321 evaluates exactly", () => {
    expect(evalExpr("123456789*987654321")).toBe(121932631112635269n);
  });

  test("division by a literal zero is a compile error at the operator", () => {
    for (const src of ["1/0", "5 / (0)", "7%-0", "3/00"]) {
      const c = compileExpression(src);
      expect(c.ok).toBe(false);
      if (!c.ok) expect(c.error.message).toBe("division by a literal zero");
    }
    expect(compileExpression("1/(1-1)").ok).toBe(true); // not literal: a runtime div_by_zero
  });

  test("unbalanced parentheses are errors naming the parenthesis and where it is", () => {
    const open = compileExpression("2*(3+4");
    expect(!open.ok && open.error).toMatchObject({ token: "(", position: 2 });
    const close = compileExpression("2+3)");
    expect(!close.ok && close.error).toMatchObject({ token: ")", position: 3 });
    const nested = compileExpression("((1)");
    expect(!nested.ok && nested.error.message).toContain("unbalanced parentheses");
  });

  test("malformed expressions are errors with the token and position", () => {
    expect(compileExpression("2+").ok).toBe(false);
    const bad = compileExpression("2 + x");
    expect(!bad.ok && bad.error).toMatchObject({ token: "x", position: 4 });
    expect(compileExpression("").ok).toBe(false);
    expect(compileExpression("99999999999999999999").ok).toBe(false);
  });

  test("deep nesting is refused rather than overflowing the parser", () => {
    const deep = `${"(".repeat(5000)}1${")".repeat(5000)}`;
    const c = compileExpression(deep);
    expect(!c.ok && c.error.message).toContain("nests deeper");
  });

  test("the canonical source drops whitespace", () => {
    const c = compileExpression(" 2 * 10 ");
    expect(c.ok && c.source).toBe("2*10");
  });

  test("expressions are told apart from assembly and found inside free text", () => {
    expect(looksLikeExpression("(3+4)*5")).toBe(true);
    expect(looksLikeExpression("PUSHd 2; HALT")).toBe(false);
    expect(looksLikeExpression("()")).toBe(false);
    expect(findExpression("what is 12*3?")).toBe("12*3");
    expect(findExpression("hello there")).toBeUndefined();
  });
});
