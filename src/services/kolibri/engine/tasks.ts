/**
 * Pool-facing entry points over the engine. Arguments and results are plain,
 * structured-clone-friendly data: integers travel as decimal strings.
 */
import { mine, type MineRequest, type MineResult } from "./chain.ts";
import type { VmStatus } from "./opcodes.ts";
import { runVm, vmOptions, type VmFault, type VmOptions, type VmResult } from "./vm.ts";

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

export interface PlainVmResult {
  status: VmStatus;
  result: string;
  stack: string[];
  halted: boolean;
  steps: number;
  gasUsed: number;
  trace: PlainTrace[];
  fault: VmFault | undefined;
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

/** Runs a program that has no F-KV opcodes (the worker holds no trie). */
export function vmRunTask(a: VmTaskArg): PlainVmResult {
  const { nowMs, code, ...limits } = a;
  return plainVmResult(runVm(code, vmOptions({ ...limits, clock: () => nowMs })));
}

export function mineTask(a: MineRequest): MineResult {
  return mine(a);
}
