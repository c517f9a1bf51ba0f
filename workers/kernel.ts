/** Tasks the kernel itself uses: a no-op for round-trip measurement, and failure probes. */

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
  /** Kills the worker thread outright, as a crash in native code would. */
  'kernel.die': (arg: { code: number }): never => {
    process.exit(arg.code);
  },
};
