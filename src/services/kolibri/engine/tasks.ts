/**
 * Pool-facing entry points over the engine. Arguments and results are plain,
 * structured-clone-friendly data: integers travel as decimal strings.
 */
import { mine, type MineRequest, type MineResult } from "./chain.ts";
import type { VmStatus } from "./opcodes.ts";
import { runVm, vmOptions, type RecordedTrace, type VmFault, type VmOptions, type VmResult, type VmState } from "./vm.ts";

/** The VM options minus what cannot cross to a worker (the clock and the F-KV port). */
export interface VmTaskArg extends Omit<VmOptions, "clock" | "fkv"> {
  code: Uint8Array;
  /** TIME10 reads this fixed instant: a worker has no business with the host clock. */
  nowMs: number;
}

export interface PlainTrace {
  step: number;
  ip: number;
  opcode: number;
  /** A number when JSON carries it exactly, else the decimal string. */
  stackTop: number | string;
  gasLeft: number;
  stack: Array<number | string> | undefined;
}

/**
 * What a finished run reports wherever it ran: integers as decimal strings, trace entries
 * as the VM recorded them (inline) or as plain data (from a worker).
 */
export interface RunOutcome {
  status: VmStatus;
  result: string;
  stack: string[];
  halted: boolean;
  steps: number;
  gasUsed: number;
  trace: readonly (RecordedTrace | PlainTrace)[];
  fault: VmFault | undefined;
}

/** A run's outcome in structured-clone-friendly form (no BigInt), as a worker returns it. */
export interface PlainVmResult extends RunOutcome {
  trace: PlainTrace[];
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
export const plainInt = (v: bigint): number | string => (v <= SAFE && v >= -SAFE ? Number(v) : v.toString());

export function plainVmResult(r: VmResult): PlainVmResult {
  return {
    status: r.status,
    result: r.result.toString(),
    stack: r.stack.map(String),
    halted: r.halted,
    steps: r.steps,
    gasUsed: r.gasUsed,
    trace: r.trace.map((t) => ({
      step: t.step,
      ip: t.ip,
      opcode: t.opcode,
      stackTop: plainInt(t.stackTop),
      gasLeft: t.gasLeft,
      stack: t.stack?.map(plainInt),
    })),
    fault: r.fault,
  };
}

/**
 * The outcome of a run that finished in this thread, read straight from its state: a
 * stack that never left the float path becomes decimal text without a BigInt per slot,
 * and the trace is handed on as recorded (the wire form is built once, from it).
 */
export function runOutcome(s: VmState): RunOutcome {
  const stack = new Array<string>(s.sp);
  if (s.wide) for (let i = 0; i < s.sp; i++) stack[i] = String(s.wide[i] ?? 0n);
  else for (let i = 0; i < s.sp; i++) stack[i] = String(s.nums[i] ?? 0);
  return {
    status: s.status,
    result: s.sp > 0 ? (stack[s.sp - 1] ?? "0") : "0",
    stack,
    halted: s.halted,
    steps: s.steps,
    gasUsed: s.steps,
    trace: s.trace,
    fault: s.fault,
  };
}

/** Runs a program that has no F-KV opcodes (the worker holds no trie). */
export function vmRunTask(a: VmTaskArg): PlainVmResult {
  const { nowMs, code, ...limits } = a;
  return plainVmResult(runVm(code, vmOptions({ ...limits, clock: () => nowMs })));
}

export function mineTask(a: MineRequest): MineResult {
  return mine(a);
}
