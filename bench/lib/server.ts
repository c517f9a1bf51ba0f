/**
 * Runs hotloop in its own process for a benchmark (so load generator and server do not
 * share an event loop), on free ports with a temp data dir, and reads each listener's
 * URL from its startup log line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subprocess } from 'bun';

export interface BenchServer {
  url(service: string): string;
  dataDir: string;
  proc: Subprocess;
  stop(): Promise<void>;
}

export interface StartServerOptions {
  /** `--set key=value` pairs. */
  sets?: Record<string, string>;
  env?: Record<string, string>;
  dataDir?: string;
  timeoutMs?: number;
  /** Another checkout to run (e.g. main, for a before/after comparison in one run). */
  root?: string;
}

const ROOT = new URL('../../', import.meta.url).pathname;

export async function startServer(only: string[], o: StartServerOptions = {}): Promise<BenchServer> {
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'hotloop-bench-'));
  // BENCH_PROFILE_DIR=<dir>: each server a bench starts writes a CPU profile (Markdown) there when it stops.
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof-md', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const args = [...profile, 'run', 'src/main.ts', '--only', only.join(','), '--data-dir', dataDir, '--log-level', 'info', '--set', 'admin.port=0'];
  for (const s of only) args.push('--set', `services.${s}.port=0`);
  for (const [k, v] of Object.entries(o.sets ?? {})) args.push('--set', `${k}=${v}`);
  const proc = Bun.spawn([process.execPath, ...args], { cwd: o.root ?? ROOT, env: { ...process.env, ...o.env }, stdout: 'pipe', stderr: 'inherit' });
  const urls = new Map<string, string>();
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  const deadline = Date.now() + (o.timeoutMs ?? 20_000);
  // The admin listener (stats, metrics) starts after the services.
  const waitFor = [...only, 'admin'];
  while (waitFor.some((s) => !urls.has(s))) {
    if (Date.now() > deadline) {
      proc.kill();
      throw new Error(`hotloop did not start ${only.join(',')} in time`);
    }
    const { value, done } = await reader.read();
    if (done) throw new Error(`hotloop exited (code ${proc.exitCode}) before listening`);
    buf += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        const j = JSON.parse(line) as { message?: string; service?: string; url?: string };
        if (j.message === 'listening' && j.service && j.url) urls.set(j.service, j.url);
      } catch {
        // Non-JSON output (e.g. a printed token) is not a listener line.
      }
    }
  }
  // Keep draining stdout so the child never blocks on a full pipe.
  void (async () => {
    for (;;) {
      const { done } = await reader.read().catch(() => ({ done: true }));
      if (done) break;
    }
  })();
  return {
    dataDir,
    proc,
    url(service) {
      const u = urls.get(service);
      if (!u) throw new Error(`service ${service} is not running`);
      return u;
    },
    async stop() {
      proc.kill('SIGTERM');
      await proc.exited;
      if (!o.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
