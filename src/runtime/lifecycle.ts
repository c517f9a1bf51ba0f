/**
 * Process lifecycle: one graceful shutdown whatever asks for it (SIGTERM, SIGINT,
 * SIGHUP, the parent script runner going away), with a hard deadline.
 *
 * Why the parent watch: `npm start` runs the start script through `sh -c`, and npm
 * forwards SIGTERM/SIGINT only to that shell. The start script `exec`s Bun so the
 * signal reaches this process, but a runner or shell that does not exec (another
 * package manager, `script-shell` set to something else, npm killed with SIGKILL)
 * would leave this process orphaned, holding every port. Started by a script runner
 * (`npm_lifecycle_event` is set: npm, Bun, Yarn and pnpm all set it), the process
 * therefore also shuts down when its parent changes.
 */

export const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

export interface LifecycleOptions {
  /** Runs once, on the first request to stop; resolves when everything is closed. */
  stop(reason: string): Promise<void>;
  onDeadline(): void;
  deadlineMs: number;
  /** Poll the parent pid (only meaningful under a script runner). */
  watchParent: boolean;
  parentPollMs?: number;
  exit(code: number): void;
}

export interface Lifecycle {
  /** Asks for a shutdown (idempotent). */
  request(reason: string): void;
  dispose(): void;
}

export function installLifecycle(o: LifecycleOptions): Lifecycle {
  let requested = false;
  const request = (reason: string): void => {
    // A group Ctrl-C arrives twice (from the terminal and forwarded by npm): the second changes nothing.
    if (requested) return;
    requested = true;
    setTimeout(() => {
      o.onDeadline();
      o.exit(1);
    }, o.deadlineMs).unref();
    o.stop(reason).then(
      () => o.exit(0),
      () => o.exit(1),
    );
  };
  const handlers = SHUTDOWN_SIGNALS.map((sig) => {
    const h = (): void => request(sig);
    process.on(sig, h);
    return [sig, h] as const;
  });
  let timer: ReturnType<typeof setInterval> | undefined;
  if (o.watchParent) {
    const parent = process.ppid;
    timer = setInterval(() => {
      if (process.ppid !== parent) request('parent process exited');
    }, o.parentPollMs ?? 500);
    timer.unref();
  }
  return {
    request,
    dispose() {
      for (const [sig, h] of handlers) process.off(sig, h);
      if (timer) clearInterval(timer);
    },
  };
}

/** True when a package-manager script started this process (`npm start`, `bun run start`). */
export function startedByScriptRunner(env: Readonly<Record<string, string | undefined>>): boolean {
  return Boolean(env.npm_lifecycle_event);
}
