/**
 * The Δ-VM fast path: the same instruction semantics as the exact loop in vm.ts, over
 * a Float64Array while every value is a safe integer. Float arithmetic on safe
 * integers is exact as long as the result stays within ±(2^53−1); an instruction whose
 * result would not is left unexecuted and the run moves to the exact loop (`wide`).
 */
import { Op, WIDTH_BY_CODE, type VmStatus } from "./opcodes.ts";
import type { RecordedTrace, VmState } from "./vm.ts";

const MAX = Number.MAX_SAFE_INTEGER;
const HASH_MUL = 2654435761n;
const TEN_POW_10 = 10_000_000_000n;

export function liveNums(st: Float64Array, sp: number): bigint[] {
  const out = new Array<bigint>(sp);
  for (let i = 0; i < sp; i++) out[i] = BigInt(st[i] ?? 0);
  return out;
}

/** Runs until done, `stopAt` steps, or a value needs 64 bits. Returns true when done. */
export function runNarrow(s: VmState, stopAt: number): boolean {
  const code = s.code;
  const len = code.length;
  const stack = s.nums;
  const calls = s.calls;
  const { gasLimit, maxStack, maxCallDepth, traceDepth, traceStack, clock, fkv } = s.opts;
  const trace = s.trace;
  let ip = s.ip;
  let steps = s.steps;
  let sp = s.sp;
  let cp = s.cp;
  let rng = s.rng;
  let status: VmStatus = "ok";
  let done = false;
  let halted = false;
  let widen = false;
  let faultMsg = "";
  let faultIp = 0;
  let faultOp = 0;

  for (;;) {
    if (ip >= len) {
      done = true;
      break;
    }
    if (steps >= stopAt) {
      if (steps >= gasLimit) {
        status = "gas_exhausted";
        done = true;
        faultMsg = `gas limit ${gasLimit} reached`;
        faultIp = ip;
        faultOp = code[ip] ?? 0;
      }
      break;
    }
    const op = code[ip] ?? 0;
    const width = WIDTH_BY_CODE[op] ?? 0;
    // Results that might leave the safe range are computed before any state changes.
    let pre = 0;
    if ((op === Op.ADD10 || op === Op.SUB10 || op === Op.MUL10) && sp >= 2) {
      const b = stack[sp - 1] ?? 0;
      const a = stack[sp - 2] ?? 0;
      pre = op === Op.ADD10 ? a + b : op === Op.SUB10 ? a - b : a * b;
      if (pre > MAX || pre < -MAX) {
        widen = true;
        break;
      }
    } else if (op === Op.READ_FKV && sp >= 1 && fkv) {
      const v = fkv.read(BigInt(stack[sp - 1] ?? 0));
      if (v > BigInt(MAX) || v < -BigInt(MAX)) {
        widen = true;
        break;
      }
      pre = Number(v);
    } else if (op === Op.TIME10) {
      pre = Math.floor(clock());
      if (!(pre <= MAX && pre >= -MAX)) {
        widen = true;
        break;
      }
    }
    const at = ip;
    let entry: RecordedTrace | undefined;
    if (trace.length < traceDepth) {
      entry = { step: steps, ip, opcode: op, stackTop: 0, gasLeft: gasLimit - steps, stack: undefined };
      trace.push(entry);
    }
    steps++;
    if (ip + width >= len && width > 0) {
      status = "invalid_opcode";
      faultMsg = "operand runs past the end of the program";
    } else {
      ip += 1 + width;
      switch (op) {
        case Op.PUSHd:
          if (sp >= maxStack) status = "stack_overflow";
          else stack[sp++] = code[at + 1] ?? 0;
          break;
        case Op.ADD10:
        case Op.SUB10:
        case Op.MUL10:
          if (sp < 2) status = "stack_underflow";
          else stack[--sp - 1] = pre;
          break;
        case Op.DIV10:
        case Op.MOD10:
        case Op.CMP: {
          if (sp < 2) {
            status = "stack_underflow";
            break;
          }
          const b = stack[sp - 1] ?? 0;
          const a = stack[sp - 2] ?? 0;
          if (op === Op.CMP) stack[--sp - 1] = a < b ? -1 : a > b ? 1 : 0;
          else if (b === 0) status = "div_by_zero";
          else {
            // a % b is exact for floats; a − a%b is then an exact multiple of b.
            const r = a % b;
            stack[--sp - 1] = op === Op.MOD10 ? r + 0 : (a - r) / b + 0; // + 0 turns −0 into 0
          }
          break;
        }
        case Op.JZ:
        case Op.JNZ: {
          if (sp < 1) {
            status = "stack_underflow";
            break;
          }
          const v = stack[--sp] ?? 0;
          if ((v === 0) === (op === Op.JZ)) {
            const rel = ((code[at + 1] ?? 0) | ((code[at + 2] ?? 0) << 8)) << 16 >> 16;
            const target = ip + rel;
            if (target < 0 || target > len) {
              status = "invalid_opcode";
              faultMsg = `jump target ${target} outside the program`;
            } else ip = target;
          }
          break;
        }
        case Op.CALL: {
          const target = (code[at + 1] ?? 0) | ((code[at + 2] ?? 0) << 8);
          if (cp >= maxCallDepth) status = "stack_overflow";
          else if (target > len) {
            status = "invalid_opcode";
            faultMsg = `call target ${target} outside the program`;
          } else {
            calls[cp++] = ip;
            ip = target;
          }
          break;
        }
        case Op.RET:
          if (cp === 0) done = true;
          else ip = calls[--cp] ?? 0;
          break;
        case Op.READ_FKV:
          if (sp < 1) status = "stack_underflow";
          else stack[sp - 1] = fkv ? pre : 0;
          break;
        case Op.WRITE_FKV: {
          if (sp < 2) {
            status = "stack_underflow";
            break;
          }
          const value = stack[--sp] ?? 0;
          const key = stack[--sp] ?? 0;
          const refused = fkv ? fkv.write(BigInt(key), BigInt(value)) : undefined;
          if (refused !== undefined) {
            status = "fkv_quota_exceeded";
            faultMsg = refused;
          }
          break;
        }
        case Op.HASH10:
          if (sp < 1) status = "stack_underflow";
          else stack[sp - 1] = Number((((BigInt(stack[sp - 1] ?? 0) * HASH_MUL) % TEN_POW_10) + TEN_POW_10) % TEN_POW_10);
          break;
        case Op.RANDOM10:
          if (sp >= maxStack) status = "stack_overflow";
          else {
            rng = (Math.imul(1664525, rng) + 1013904223) >>> 0;
            stack[sp++] = rng;
          }
          break;
        case Op.TIME10:
          if (sp >= maxStack) status = "stack_overflow";
          else stack[sp++] = pre;
          break;
        case Op.NOP:
          break;
        case Op.HALT:
          done = true;
          halted = true;
          break;
        default:
          status = "invalid_opcode";
          faultMsg = `byte 0x${op.toString(16).padStart(2, "0")} is not an opcode`;
      }
    }
    if (entry) {
      entry.stackTop = sp > 0 ? (stack[sp - 1] ?? 0) + 0 : 0; // exact (a safe integer); + 0 drops −0
      if (traceStack) entry.stack = liveNums(stack, sp);
    }
    if (status !== "ok") {
      done = true;
      faultIp = at;
      faultOp = op;
      if (faultMsg === "") faultMsg = status.replaceAll("_", " ");
      break;
    }
    if (done) break;
  }

  s.ip = ip;
  s.steps = steps;
  s.sp = sp;
  s.cp = cp;
  s.rng = rng;
  s.status = status;
  s.done = done;
  s.halted = halted;
  if (status !== "ok") s.fault = { ip: faultIp, opcode: faultOp, message: faultMsg };
  if (widen) {
    const wide = new BigInt64Array(maxStack);
    for (let i = 0; i < sp; i++) wide[i] = BigInt(stack[i] ?? 0);
    s.wide = wide;
  }
  return done;
}
