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
