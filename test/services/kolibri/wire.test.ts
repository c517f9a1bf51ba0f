import { describe, expect, test } from "bun:test";
import { assemble } from "../../../src/services/kolibri/engine/assembler.ts";
import { plainVmResult, runOutcome } from "../../../src/services/kolibri/engine/tasks.ts";
import { createVm, runSlice, vmOptions, vmResult } from "../../../src/services/kolibri/engine/vm.ts";
import { wireTrace, wireTraceJson } from "../../../src/services/kolibri/wire.ts";

const code = (src: string): Uint8Array => {
  const a = assemble(src);
  if (!a.ok) throw new Error(a.error.message);
  return a.bytes;
};

describe("wire trace", () => {
  const programs = [
    "PUSHd 2; PUSHd 2; ADD10; HALT",
    // Past 2^53: the run widens to BigInt and stack tops become decimal strings.
    `PUSHd 200; ${"PUSHd 200; MUL10; ".repeat(7)}PUSHd 0; SUB10; HALT`,
    "PUSHd 1; PUSHd 0; DIV10; HALT",
    "top: PUSHd 1; JNZ top",
  ];
  for (const src of programs) {
    test(`the JSON text equals JSON.stringify of the trace objects, inline and from a worker: ${src.slice(0, 40)}`, () => {
      const bytes = code(src);
      const s = createVm(bytes, vmOptions({ clock: () => 0, gasLimit: 300 }));
      runSlice(s, Number.POSITIVE_INFINITY);
      const inline = runOutcome(s).trace;
      const plain = plainVmResult(vmResult(s)).trace;
      expect(wireTraceJson(inline, bytes)).toBe(JSON.stringify(wireTrace(inline, bytes)));
      expect(wireTraceJson(plain, bytes)).toBe(JSON.stringify(wireTrace(plain, bytes)));
      expect(wireTraceJson(inline, bytes)).toBe(wireTraceJson(plain, bytes));
    });
  }

  test("a widened run's large stack tops are exact decimal strings", () => {
    const bytes = code(`PUSHd 200; ${"PUSHd 200; MUL10; ".repeat(7)}HALT`);
    const s = createVm(bytes, vmOptions({ clock: () => 0 }));
    runSlice(s, Number.POSITIVE_INFINITY);
    const last = JSON.parse(wireTraceJson(runOutcome(s).trace, bytes)).at(-1) as { stack_top: unknown };
    expect(last.stack_top).toBe((200n ** 8n).toString());
  });
});
