/**
 * Arithmetic expression → Δ-VM bytecode. Precedence climbing over + - * / %, unary
 * minus and parentheses. Numbers are pushed digit by digit (acc·10 + d) because
 * PUSHd carries one byte (REFERENCE §3); a HALT ends every program.
 */
import type { SourceError } from "./assembler.ts";
import { Op } from "./opcodes.ts";

export type Compiled =
  | { ok: true; bytes: Uint8Array; source: string }
  | { ok: false; error: SourceError };

type Node =
  | { k: "num"; v: bigint; pos: number; text: string }
  | { k: "neg"; e: Node; pos: number }
  | { k: "bin"; op: string; l: Node; r: Node; pos: number };

const INT64_MAX = (1n << 63n) - 1n;
const MAX_DEPTH = 256;

class Fail {
  constructor(
    readonly message: string,
    readonly token: string,
    readonly position: number,
  ) {}
}

class Parser {
  private i = 0;
  private depth = 0;
  private readonly opens: number[] = [];
  constructor(private readonly s: string) {}

  private skip(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i] ?? "")) this.i++;
  }
  private peek(): string {
    this.skip();
    return this.s[this.i] ?? "";
  }

  parse(): Node {
    if (this.peek() === "") throw new Fail("empty expression", "", this.i);
    const n = this.expr();
    const c = this.peek();
    if (c === ")") throw new Fail("unbalanced parentheses: ')' without a matching '('", ")", this.i);
    if (c !== "") throw new Fail(`unexpected character '${c}'`, c, this.i);
    return n;
  }

  private expr(): Node {
    let l = this.term();
    for (let c = this.peek(); c === "+" || c === "-"; c = this.peek()) {
      const pos = this.i++;
      l = { k: "bin", op: c, l, r: this.term(), pos };
    }
    return l;
  }

  private term(): Node {
    let l = this.unary();
    for (let c = this.peek(); c === "*" || c === "/" || c === "%"; c = this.peek()) {
      const pos = this.i++;
      const r = this.unary();
      if ((c === "/" || c === "%") && literalValue(r) === 0n) {
        throw new Fail("division by a literal zero", this.s.slice(pos, this.i).trim(), pos);
      }
      l = { k: "bin", op: c, l, r, pos };
    }
    return l;
  }

  private unary(): Node {
    const c = this.peek();
    if (c === "-" || c === "+") {
      const pos = this.i++;
      this.enter(pos);
      const e = this.unary();
      this.depth--;
      return c === "-" ? { k: "neg", e, pos } : e;
    }
    return this.primary();
  }

  private primary(): Node {
    const c = this.peek();
    const pos = this.i;
    if (c === "(") {
      this.i++;
      this.enter(pos);
      this.opens.push(pos);
      const e = this.expr();
      if (this.peek() !== ")") {
        throw new Fail("unbalanced parentheses: '(' is never closed", "(", this.opens[this.opens.length - 1] ?? pos);
      }
      this.opens.pop();
      this.i++;
      this.depth--;
      return e;
    }
    if (/\d/.test(c)) {
      let j = this.i;
      while (j < this.s.length && /\d/.test(this.s[j] ?? "")) j++;
      const text = this.s.slice(this.i, j);
      this.i = j;
      const v = BigInt(text);
      if (v > INT64_MAX) throw new Fail("number exceeds the 64-bit range", text, pos);
      return { k: "num", v, pos, text };
    }
    if (c === "") throw new Fail("expression ends where an operand was expected", "", pos);
    if (c === ")") throw new Fail("unbalanced parentheses: ')' where an operand was expected", ")", pos);
    throw new Fail(`unexpected character '${c}' where an operand was expected`, c, pos);
  }

  private enter(pos: number): void {
    if (++this.depth > MAX_DEPTH) throw new Fail(`expression nests deeper than ${MAX_DEPTH}`, this.s[pos] ?? "", pos);
  }
}

/** Value of a literal operand (through unary signs), undefined when not literal. */
function literalValue(n: Node): bigint | undefined {
  if (n.k === "num") return n.v;
  if (n.k === "neg") {
    const v = literalValue(n.e);
    return v === undefined ? undefined : -v;
  }
  return undefined;
}

const BIN_OP: Readonly<Record<string, number>> = {
  "+": Op.ADD10,
  "-": Op.SUB10,
  "*": Op.MUL10,
  "/": Op.DIV10,
  "%": Op.MOD10,
};

function emitNumber(v: bigint, out: number[]): void {
  const digits = v.toString();
  out.push(Op.PUSHd, Number(digits[0]));
  for (let i = 1; i < digits.length; i++) out.push(Op.PUSHd, 10, Op.MUL10, Op.PUSHd, Number(digits[i]), Op.ADD10);
}

function emit(n: Node, out: number[]): void {
  if (n.k === "num") emitNumber(n.v, out);
  else if (n.k === "neg") {
    out.push(Op.PUSHd, 0);
    emit(n.e, out);
    out.push(Op.SUB10);
  } else {
    emit(n.l, out);
    emit(n.r, out);
    out.push(BIN_OP[n.op] ?? Op.NOP);
  }
}

export function compileExpression(src: string): Compiled {
  try {
    const ast = new Parser(src).parse();
    const out: number[] = [];
    emit(ast, out);
    out.push(Op.HALT);
    return { ok: true, bytes: Uint8Array.from(out), source: src.replace(/\s+/g, "") };
  } catch (e) {
    if (!(e instanceof Fail)) throw e;
    const before = src.slice(0, e.position);
    const line = before.split("\n").length;
    const column = e.position - (before.lastIndexOf("\n") + 1) + 1;
    return { ok: false, error: { message: e.message, token: e.token, position: e.position, line, column } };
  }
}

/** Text made only of digits, operators, parentheses and spaces, with at least one digit. */
export function looksLikeExpression(text: string): boolean {
  return /^[\d\s+\-*/%()]+$/.test(text) && /\d/.test(text);
}

/** The longest arithmetic run inside free text ("what is 2+2?" → "2+2"), if any. */
export function findExpression(text: string): string | undefined {
  let best: string | undefined;
  for (const m of text.matchAll(/[\d\s+\-*/%()]+/g)) {
    const run = m[0].trim();
    if (/\d/.test(run) && (best === undefined || run.length > best.length)) best = run;
  }
  return best;
}
