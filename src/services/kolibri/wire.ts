/** Shapes engine results for the wire: decimal strings where precision matters. */
import { OPERAND, OPERAND_BYTES, OP_NAME } from "./engine/opcodes.ts";
import { plainInt, type PlainTrace } from "./engine/tasks.ts";
import type { RecordedTrace } from "./engine/vm.ts";

/**
 * Byte offset → instruction number. The spec's trace example counts instructions
 * (`ip: 1` for the second `PUSHd`), while jumps in the bytecode are byte-relative; the
 * trace reports both (`ip` = instruction number, `offset` = byte offset).
 */
export function instructionIndex(bytes: Uint8Array): Int32Array {
  let index = indexes.get(bytes);
  if (!index) {
    index = buildIndex(bytes);
    indexes.set(bytes, index);
  }
  return index;
}

/** Parsed programs are cached by source text, so their byte arrays (and indexes) repeat. */
const indexes = new WeakMap<Uint8Array, Int32Array>();

function buildIndex(bytes: Uint8Array): Int32Array {
  const index = new Int32Array(bytes.length + 1).fill(-1);
  let n = 0;
  for (let at = 0; at < bytes.length; n++) {
    index[at] = n;
    const name = OP_NAME[bytes[at]!];
    at += 1 + (name ? OPERAND_BYTES[OPERAND[name]] : 0);
  }
  index[bytes.length] = n;
  return index;
}

/** A trace entry as recorded by the VM (BigInt values) or as a worker sent it (plain). */
type AnyTrace = RecordedTrace | PlainTrace;

const plainTop = (t: AnyTrace): number | string => (typeof t.stackTop === "bigint" ? plainInt(t.stackTop) : t.stackTop);

export interface WireTrace {
  step: number;
  ip: number;
  offset: number;
  opcode: number;
  stack_top: number | string;
  gas_left: number;
}

export const runTrace = (t: AnyTrace, index: Int32Array): WireTrace => {
  const n = index[t.ip] ?? -1;
  return {
    step: t.step,
    // A jump into the middle of an instruction has no instruction number: fall back to bytes.
    ip: n >= 0 ? n : t.ip,
    offset: t.ip,
    opcode: t.opcode,
    stack_top: plainTop(t),
    gas_left: t.gasLeft,
  };
};

/** The whole trace in wire form, built once per reply. */
export function wireTrace(trace: readonly AnyTrace[], bytes: Uint8Array): WireTrace[] {
  const index = instructionIndex(bytes);
  const out = new Array<WireTrace>(trace.length);
  for (let i = 0; i < trace.length; i++) out[i] = runTrace(trace[i]!, index);
  return out;
}

/**
 * The whole trace as JSON text, straight from the recorded entries: the same bytes as
 * JSON.stringify(wireTrace(trace, bytes)) without building an object per entry (every
 * /vm/run reply carries one; fewer objects per request is also fewer collections).
 */
export function wireTraceJson(trace: readonly AnyTrace[], bytes: Uint8Array): string {
  const index = instructionIndex(bytes);
  let out = "[";
  for (let i = 0; i < trace.length; i++) {
    const t = trace[i]!;
    const n = index[t.ip] ?? -1;
    const top = plainTop(t);
    out += (i === 0 ? '{"step":' : ',{"step":') + t.step + ',"ip":' + (n >= 0 ? n : t.ip) + ',"offset":' + t.ip + ',"opcode":' + t.opcode +
      ',"stack_top":' + (typeof top === "string" ? JSON.stringify(top) : Number.isFinite(top) ? top : "null") + ',"gas_left":' + t.gasLeft + "}";
  }
  return `${out}]`;
}

/** The dialog draft's trace step `{pc, op, stack, gas}` (pc in bytes) plus the run trace fields. */
export const dialogStep = (t: AnyTrace, index: Int32Array) => ({
  pc: t.ip,
  op: OP_NAME[t.opcode] ?? `BYTE ${t.opcode}`,
  stack: t.stack?.map((v: bigint | number | string) => (typeof v === "bigint" ? plainInt(v) : v)) ?? [],
  gas: t.gasLeft - 1,
  ...runTrace(t, index),
});

/** Fixed-point decimal text without trailing zeros ("0.885123", "4"). */
export function decimalString(x: number, places = 6): string {
  const s = x.toFixed(places);
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

/** Program bytes as decimal digits, three per byte, for the F-KV program entries. */
export const bytesAsDigits = (b: Uint8Array): string => Array.from(b, (x) => String(x).padStart(3, "0")).join("");

export const pad6 = (n: number): string => String(n).padStart(6, "0");
