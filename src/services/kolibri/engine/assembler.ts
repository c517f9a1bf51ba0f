/**
 * Text form of Δ-VM programs: `PUSHd 2; PUSHd 2; ADD10; HALT`. Statements are split
 * by `;` or newlines, `#` starts a comment, mnemonics are case-insensitive, labels
 * (`loop:`) may stand in for jump and call targets, and `BYTE n` emits a raw byte so
 * that any byte string round-trips through the disassembler.
 */
import { OP_NAME, OPERAND, OPERAND_BYTES, Op, type OpName, type OperandKind } from "./opcodes.ts";

export interface SourceError {
  message: string;
  /** The offending token text ("" at end of input). */
  token: string;
  /** 0-based character offset into the source. */
  position: number;
  line: number;
  column: number;
}

export type Assembled = { ok: true; bytes: Uint8Array } | { ok: false; error: SourceError };

const MNEMONICS: ReadonlyMap<string, OpName> = (() => {
  const m = new Map<string, OpName>();
  for (const name of Object.keys(Op) as OpName[]) m.set(name.toUpperCase(), name);
  // Short forms people type by hand.
  const aliases: Record<string, OpName> = {
    PUSH: "PUSHd", ADD: "ADD10", SUB: "SUB10", MUL: "MUL10", DIV: "DIV10", MOD: "MOD10",
    READ: "READ_FKV", WRITE: "WRITE_FKV", HASH: "HASH10", RANDOM: "RANDOM10", RAND: "RANDOM10",
    TIME: "TIME10",
  };
  for (const [k, v] of Object.entries(aliases)) m.set(k, v);
  return m;
})();

interface Token {
  text: string;
  pos: number;
}

interface Stmt {
  labels: Token[];
  words: Token[];
}

// Character classes by code, so the tokenizer does no regex work per character.
const SPACE = 1;
const BREAK = 2; // ';' or newline: ends a statement
const HASH = 4;
const CLASS = (() => {
  const t = new Uint8Array(128);
  for (const c of [" ", "\t", "\r", "\f", "\v", ","]) t[c.charCodeAt(0)] = SPACE;
  t[59] = BREAK;
  t[10] = BREAK;
  t[35] = HASH;
  return t;
})();
const classOf = (code: number): number => (code < 128 ? (CLASS[code] ?? 0) : code === 0xa0 ? SPACE : 0);

/** Splits the source into statements of whitespace-separated tokens, keeping offsets. */
function statements(src: string): Stmt[] {
  const out: Stmt[] = [];
  let cur: Stmt = { labels: [], words: [] };
  let i = 0;
  const n = src.length;
  while (i < n) {
    const k = classOf(src.charCodeAt(i));
    if (k === BREAK) {
      if (cur.labels.length > 0 || cur.words.length > 0) out.push(cur);
      cur = { labels: [], words: [] };
      i++;
    } else if (k === HASH) {
      while (i < n && src.charCodeAt(i) !== 10) i++;
    } else if (k === SPACE) {
      i++;
    } else {
      const start = i;
      while (i < n && classOf(src.charCodeAt(i)) === 0) i++;
      const text = src.slice(start, i);
      if (text.length > 1 && text.charCodeAt(text.length - 1) === 58 && cur.words.length === 0) {
        cur.labels.push({ text: text.slice(0, -1), pos: start });
      } else cur.words.push({ text, pos: start });
    }
  }
  if (cur.labels.length > 0 || cur.words.length > 0) out.push(cur);
  return out;
}

function errorAt(src: string, message: string, token: string, position: number): SourceError {
  const before = src.slice(0, position);
  const line = before.split("\n").length;
  const column = position - (before.lastIndexOf("\n") + 1) + 1;
  return { message, token, position, line, column };
}

function parseInt10or16(text: string): number | undefined {
  if (/^[+-]?\d+$/.test(text)) return Number.parseInt(text, 10);
  if (/^[+-]?0x[0-9a-f]+$/i.test(text)) {
    const neg = text.startsWith("-");
    const v = Number.parseInt(text.replace(/^[+-]/, "").slice(2), 16);
    return neg ? -v : v;
  }
  return undefined;
}

const LABEL_RE = /^[A-Za-z_.][A-Za-z0-9_.]*$/;

interface Planned {
  stmt: Stmt;
  name: OpName | "BYTE";
  addr: number;
}

export function assemble(src: string): Assembled {
  const stmts = statements(src);
  const labels = new Map<string, number>();
  const plan: Planned[] = [];
  let addr = 0;
  // Pass 1: sizes and label addresses.
  for (const stmt of stmts) {
    for (const l of stmt.labels) {
      if (!LABEL_RE.test(l.text)) return { ok: false, error: errorAt(src, `invalid label name '${l.text}'`, l.text, l.pos) };
      if (labels.has(l.text)) return { ok: false, error: errorAt(src, `duplicate label '${l.text}'`, l.text, l.pos) };
      labels.set(l.text, addr);
    }
    const head = stmt.words[0];
    if (!head) continue;
    const upper = head.text.toUpperCase();
    if (upper === "BYTE") {
      plan.push({ stmt, name: "BYTE", addr });
      addr += 1;
      continue;
    }
    const name = MNEMONICS.get(upper);
    if (!name) return { ok: false, error: errorAt(src, `unknown mnemonic '${head.text}'`, head.text, head.pos) };
    plan.push({ stmt, name, addr });
    addr += 1 + OPERAND_BYTES[OPERAND[name]];
  }
  // Pass 2: emit.
  const bytes = new Uint8Array(addr);
  for (const p of plan) {
    const [head, arg, extra] = p.stmt.words;
    if (!head) continue;
    if (extra) return { ok: false, error: errorAt(src, `unexpected token '${extra.text}' after ${head.text}`, extra.text, extra.pos) };
    const kind: OperandKind = p.name === "BYTE" ? "u8" : OPERAND[p.name];
    if (kind === "none") {
      if (arg) return { ok: false, error: errorAt(src, `${p.name} takes no operand`, arg.text, arg.pos) };
      bytes[p.addr] = Op[p.name as OpName];
      continue;
    }
    if (!arg) {
      const end = head.pos + head.text.length;
      return { ok: false, error: errorAt(src, `${head.text} needs an operand`, head.text, end) };
    }
    let value = parseInt10or16(arg.text);
    const next = p.addr + 1 + OPERAND_BYTES[kind];
    if (value === undefined && kind !== "u8" && LABEL_RE.test(arg.text)) {
      const target = labels.get(arg.text);
      if (target === undefined) return { ok: false, error: errorAt(src, `unknown label '${arg.text}'`, arg.text, arg.pos) };
      value = kind === "rel16" ? target - next : target;
    }
    if (value === undefined) return { ok: false, error: errorAt(src, `operand '${arg.text}' is not a number`, arg.text, arg.pos) };
    const [lo, hi] = kind === "u8" ? [0, 255] : kind === "rel16" ? [-32768, 32767] : [0, 65535];
    if (value < lo || value > hi) {
      return { ok: false, error: errorAt(src, `operand ${arg.text} outside ${lo}..${hi}`, arg.text, arg.pos) };
    }
    if (p.name === "BYTE") {
      bytes[p.addr] = value;
      continue;
    }
    bytes[p.addr] = Op[p.name];
    if (kind === "u8") bytes[p.addr + 1] = value;
    else {
      bytes[p.addr + 1] = value & 0xff;
      bytes[p.addr + 2] = (value >> 8) & 0xff;
    }
  }
  return { ok: true, bytes };
}

/** Canonical text for a byte program; `assemble(disassemble(b))` gives back `b`. */
export function disassemble(bytes: Uint8Array): string {
  const parts: string[] = [];
  let ip = 0;
  while (ip < bytes.length) {
    const code = bytes[ip] ?? 0;
    const name = OP_NAME[code];
    if (!name) {
      parts.push(`BYTE ${code}`);
      ip += 1;
      continue;
    }
    const kind = OPERAND[name];
    const width = OPERAND_BYTES[kind];
    if (ip + width >= bytes.length && width > 0) {
      // Truncated operand: emit the rest raw so the bytes survive a round trip.
      for (; ip < bytes.length; ip++) parts.push(`BYTE ${bytes[ip] ?? 0}`);
      break;
    }
    if (kind === "none") parts.push(name);
    else if (kind === "u8") parts.push(`${name} ${bytes[ip + 1] ?? 0}`);
    else {
      const raw = (bytes[ip + 1] ?? 0) | ((bytes[ip + 2] ?? 0) << 8);
      parts.push(`${name} ${kind === "rel16" ? (raw << 16) >> 16 : raw}`);
    }
    ip += 1 + width;
  }
  return parts.join("; ");
}
