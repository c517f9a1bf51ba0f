/** Tasks the kernel itself uses: a no-op for round-trip measurement, failure probes, transfer checks. */
import { transferResult, type Transferred } from '../src/runtime/transfer.ts';

/** The last buffer `kernel.double` moved back (per worker thread), to show it was moved, not copied. */
let lastMoved: ArrayBuffer | null = null;

export const kernelTasks = {
  'kernel.noop': (arg: { n: number }): number => arg.n,
  'kernel.echo': (arg: { value: unknown }): unknown => arg.value,
  /** Burns CPU for `ms` milliseconds; lets tests exercise timeouts and utilisation. */
  'kernel.spin': (arg: { ms: number }): number => {
    const end = performance.now() + arg.ms;
    let i = 0;
    while (performance.now() < end) i++;
    return i;
  },
  'kernel.fail': (arg: { message: string }): never => {
    throw new Error(arg.message);
  },
  /** Doubles the values in a new array that moves back to the caller. */
  'kernel.double': (arg: { values: Float64Array }): Transferred<{ values: Float64Array; received: number }> => {
    const out = arg.values.map((v) => v * 2);
    lastMoved = out.buffer;
    return transferResult({ values: out, received: arg.values.byteLength }, [out.buffer]);
  },
  /** Byte length of the last buffer `kernel.double` returned, as this thread sees it now (0 once moved). */
  'kernel.lastMovedBytes': (_arg: Record<string, never>): number => lastMoved?.byteLength ?? -1,
  /** Kills the worker thread outright, as a crash in native code would. */
  'kernel.die': (arg: { code: number }): never => {
    process.exit(arg.code);
  },
  /** An armed fault (pool.faultInjection) in place of `task`: throws, kills the worker, or hangs until the pool's timeout aborts it. */
  'kernel.fault': (arg: { mode: 'throw' | 'exit' | 'hang'; task: string }): never => {
    if (arg.mode === 'exit') process.exit(70);
    if (arg.mode === 'hang') {
      // Busy, as a runaway loop is: only the pool's timeout (which terminates the worker) ends it.
      const end = performance.now() + 600_000;
      while (performance.now() < end);
    }
    throw new Error(`injected fault in ${arg.task} (${arg.mode})`);
  },
};
