/**
 * Δ-VM interpreter: a stack machine over signed 64-bit integers. A run starts on a
 * float fast path (vm-narrow.ts) and moves to a BigInt64Array once a value needs more
 * than 53 bits. Every result is computed exactly and checked before it is stored: one
 * outside the int64 range stops the run with `integer_overflow` (a wrapped number would
 * be a wrong answer reported as ok). Failures are statuses, never exceptions. Runs are resumable in slices so a caller can yield to
 * its event loop between slices.
 */
import { Op, WIDTH_BY_CODE, type VmStatus } from "./opcodes.ts";
import { liveNums, runNarrow } from "./vm-narrow.ts";

/** F-KV access for READ_FKV/WRITE_FKV; keys and values are VM integers. */
export interface FkvPort {
  read(key: bigint): bigint;
  /** Stores the value; returns why not when the write is refused (a quota), else undefined. */
  write(key: bigint, value: bigint): string | undefined;
}

export interface VmOptions {
  gasLimit: number;
  maxStack: number;
  maxCallDepth: number;
  traceDepth: number;
  /** Also snapshot the whole stack per trace entry (the dialog trace shows it). */
  traceStack: boolean;
  seed: number;
  clock: () => number;
  fkv: FkvPort | undefined;
}

export const VM_DEFAULTS = {
  gasLimit: 2048,
  maxStack: 128,
  maxCallDepth: 32,
  traceDepth: 64,
  traceStack: false,
  seed: 0,
} as const;

export interface TraceEntry {
  step: number;
  ip: number;
  opcode: number;
  /** Top of stack after the instruction ran (0 when empty), as the spec's example shows. */
  stackTop: bigint;
  /** Gas left before the instruction was charged. */
  gasLeft: number;
  stack: bigint[] | undefined;
}

/** A trace entry as the VM records it: the top is a plain number while the run is on the float path. */
export interface RecordedTrace extends Omit<TraceEntry, "stackTop"> {
  stackTop: number | bigint;
}

export interface VmFault {
  ip: number;
  opcode: number;
  message: string;
}

export interface VmState {
  readonly code: Uint8Array;
  readonly opts: VmOptions;
  ip: number;
  steps: number;
  sp: number;
  cp: number;
  rng: number;
  /** Values while every one is a safe integer (|v| < 2^53): plain float math is exact. */
  readonly nums: Float64Array;
  /** Set once a value needs more than 53 bits; from then on the run is exact int64. */
  wide: BigInt64Array | undefined;
  readonly calls: Int32Array;
  status: VmStatus;
  done: boolean;
  halted: boolean;
  fault: VmFault | undefined;
  readonly trace: RecordedTrace[];
}

export interface VmResult {
  status: VmStatus;
  result: bigint;
  stack: bigint[];
  halted: boolean;
  steps: number;
  gasUsed: number;
  trace: TraceEntry[];
  fault: VmFault | undefined;
}

export function vmOptions(partial: Partial<VmOptions> & { clock: () => number }): VmOptions {
  return { ...VM_DEFAULTS, fkv: undefined, ...partial };
}

export function createVm(code: Uint8Array, opts: VmOptions, nums?: Float64Array): VmState {
  return {
    code,
    opts,
    ip: 0,
    steps: 0,
    sp: 0,
    cp: 0,
    rng: opts.seed >>> 0,
    nums: nums !== undefined && nums.length === opts.maxStack ? nums : new Float64Array(opts.maxStack),
    wide: undefined,
    calls: new Int32Array(opts.maxCallDepth),
    status: "ok",
    done: false,
    halted: false,
    fault: undefined,
    trace: [],
  };
}

export const HASH_MUL = 2654435761n;
export const TEN_POW_10 = 10_000_000_000n;
export const INT64_MAX = 9_223_372_036_854_775_807n;
export const INT64_MIN = -9_223_372_036_854_775_808n;
const SYMBOL: Partial<Record<number, string>> = { [Op.ADD10]: "+", [Op.SUB10]: "-", [Op.MUL10]: "*", [Op.DIV10]: "/", [Op.MOD10]: "%" };

/** Moves the stack to exact int64 storage; the run continues there. */
function widen(s: VmState): BigInt64Array {
  const wide = new BigInt64Array(s.opts.maxStack);
  for (let i = 0; i < s.sp; i++) wide[i] = BigInt(s.nums[i] ?? 0);
  s.wide = wide;
  return wide;
}

/**
 * Executes at most `budget` instructions. Returns true when the run is finished.
 * Runs start on the float fast path and switch to BigInt at the first value that
 * would leave the safe-integer range, before that instruction executes.
 */
export function runSlice(s: VmState, budget: number): boolean {
  if (s.done) return true;
  const stopAt = Math.min(s.opts.gasLimit, s.steps + budget);
  if (s.wide === undefined) {
    if (runNarrow(s, stopAt)) return true;
    if (s.wide === undefined) return false; // budget spent, still narrow
  }
  return runWide(s, stopAt);
}

/** The exact loop. Hot fields live in locals and are written back once per slice. */
function runWide(s: VmState, stopAt: number): boolean {
  const code = s.code;
  const len = code.length;
  const stack = s.wide ?? widen(s);
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
  let faultMsg = "";
  let faultIp = 0;
  let faultOp = 0;

  for (;;) {
    if (ip >= len) {
      done = true; // ran off the end: stopped, but not a HALT
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
    const at = ip;
    let entry: RecordedTrace | undefined;
    if (trace.length < traceDepth) {
      entry = { step: steps, ip, opcode: op, stackTop: 0n, gasLeft: gasLimit - steps, stack: undefined };
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
          else stack[sp++] = BigInt(code[at + 1] ?? 0);
          break;
        case Op.ADD10:
        case Op.SUB10:
        case Op.MUL10:
        case Op.DIV10:
        case Op.MOD10:
        case Op.CMP: {
          if (sp < 2) {
            status = "stack_underflow";
            break;
          }
          const b = stack[--sp] ?? 0n;
          const a = stack[sp - 1] ?? 0n;
          if (op === Op.CMP) {
            stack[sp - 1] = a < b ? -1n : a > b ? 1n : 0n;
            break;
          }
          if ((op === Op.DIV10 || op === Op.MOD10) && b === 0n) {
            status = "div_by_zero";
            sp++; // leave the operands in place for the post-mortem stack
            break;
          }
          // Exact result first: a BigInt64Array store would wrap it silently.
          const r = op === Op.ADD10 ? a + b : op === Op.SUB10 ? a - b : op === Op.MUL10 ? a * b : op === Op.DIV10 ? a / b : a % b;
          if (r > INT64_MAX || r < INT64_MIN) {
            status = "integer_overflow";
            faultMsg = `${a} ${SYMBOL[op] ?? "?"} ${b} = ${r} is outside the signed 64-bit range`;
            sp++; // operands stay, as for div_by_zero
          } else stack[sp - 1] = r;
          break;
        }
        case Op.JZ:
        case Op.JNZ: {
          if (sp < 1) {
            status = "stack_underflow";
            break;
          }
          const v = stack[--sp] ?? 0n;
          if ((v === 0n) === (op === Op.JZ)) {
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
          if (cp === 0) done = true; // return from the top level stops without HALT
          else ip = calls[--cp] ?? 0;
          break;
        case Op.READ_FKV: {
          if (sp < 1) {
            status = "stack_underflow";
            break;
          }
          const v = fkv ? fkv.read(stack[sp - 1] ?? 0n) : 0n;
          if (v > INT64_MAX || v < INT64_MIN) {
            status = "integer_overflow";
            faultMsg = `F-KV value ${v} is outside the signed 64-bit range`;
          } else stack[sp - 1] = v;
          break;
        }
        case Op.WRITE_FKV: {
          if (sp < 2) {
            status = "stack_underflow";
            break;
          }
          const value = stack[--sp] ?? 0n;
          const key = stack[--sp] ?? 0n;
          const refused = fkv ? fkv.write(key, value) : undefined;
          if (refused !== undefined) {
            status = "fkv_quota_exceeded";
            faultMsg = refused;
          }
          break;
        }
        case Op.HASH10:
          if (sp < 1) status = "stack_underflow";
          else stack[sp - 1] = ((((stack[sp - 1] ?? 0n) * HASH_MUL) % TEN_POW_10) + TEN_POW_10) % TEN_POW_10;
          break;
        case Op.RANDOM10:
          if (sp >= maxStack) status = "stack_overflow";
          else {
            rng = (Math.imul(1664525, rng) + 1013904223) >>> 0;
            stack[sp++] = BigInt(rng); // state < 2^32 < 10^10, so "mod 10^10" is the state itself
          }
          break;
        case Op.TIME10:
          if (sp >= maxStack) status = "stack_overflow";
          else stack[sp++] = BigInt(Math.floor(clock()));
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
      entry.stackTop = sp > 0 ? (stack[sp - 1] ?? 0n) : 0n;
      if (traceStack) entry.stack = liveStack(stack, sp);
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
  return done;
}

/** Copies the live part of a typed stack (a loop: subarray views are costly to create). */
export function liveStack(st: BigInt64Array, sp: number): bigint[] {
  const out = new Array<bigint>(sp);
  for (let i = 0; i < sp; i++) out[i] = st[i] ?? 0n;
  return out;
}

export function vmResult(s: VmState): VmResult {
  const stack = s.wide ? liveStack(s.wide, s.sp) : liveNums(s.nums, s.sp);
  return {
    status: s.status,
    result: stack.length > 0 ? (stack[stack.length - 1] ?? 0n) : 0n,
    stack,
    halted: s.halted,
    steps: s.steps,
    gasUsed: s.steps,
    trace: s.trace.map(exactTrace),
    fault: s.fault,
  };
}

const exactTrace = (t: RecordedTrace): TraceEntry => (typeof t.stackTop === "bigint" ? { ...t, stackTop: t.stackTop } : { ...t, stackTop: BigInt(t.stackTop) });

/** A stack buffer reused by one-shot runs: they finish synchronously, so one is enough. */
let spare: Float64Array | undefined;

/** Runs to completion in one go. */
export function runVm(code: Uint8Array, opts: VmOptions): VmResult {
  const buf = spare;
  spare = undefined; // an F-KV callback that started another run would allocate its own
  const s = createVm(code, opts, buf);
  runSlice(s, Number.POSITIVE_INFINITY);
  const r = vmResult(s);
  spare = s.nums;
  return r;
}

/**
 * True when any byte could execute as an F-KV opcode. Deliberately conservative:
 * a jump may land inside an operand, so every byte counts, not only boundaries.
 */
export function mayUseFkv(code: Uint8Array): boolean {
  return code.includes(Op.READ_FKV) || code.includes(Op.WRITE_FKV);
}
