/** Kernel rows: full-pipeline overhead vs bare Bun.serve, and pool round trip. */
import { WorkerPool } from '../../src/runtime/pool.ts';
import { timeLoop } from '../lib/hist.ts';
import { maxThroughput } from '../lib/http.ts';
import type { BenchRow, Suite } from '../lib/types.ts';

async function spawnEcho(mode: 'bare' | 'kernel'): Promise<{ url: string; stop: () => void }> {
  const proc = Bun.spawn([process.execPath, 'run', 'bench/fixtures/echo-server.ts', mode], { cwd: new URL('../../', import.meta.url).pathname, stdout: 'pipe', stderr: 'inherit' });
  const reader = proc.stdout.getReader();
  let buf = '';
  while (!/PORT (\d+)/.test(buf)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`echo server (${mode}) exited`);
    buf += new TextDecoder().decode(value);
  }
  const port = /PORT (\d+)/.exec(buf)![1];
  return { url: `http://127.0.0.1:${port}/echo`, stop: () => proc.kill() };
}

const overhead: Suite = {
  name: 'kernel: overhead',
  async run({ quick }) {
    const durationSec = quick ? 3 : 8;
    const body = { n: 41, name: 'ping' };
    const rows: BenchRow[] = [];
    for (const mode of ['bare', 'kernel'] as const) {
      const s = await spawnEcho(mode);
      try {
        await maxThroughput({ name: 'warmup', url: s.url, body, durationSec: 1, connections: 10 });
        rows.push(await maxThroughput({ name: `kernel: trivial JSON route, ${mode}`, url: s.url, body, durationSec, connections: 10 }));
      } finally {
        s.stop();
      }
    }
    const ratio = (rows[1]!.rps ?? 0) / (rows[0]!.rps ?? 1);
    rows[1]!.note = `req/s ratio kernel/bare = ${ratio.toFixed(2)} (target >= 0.7)`;
    return rows;
  },
};

const poolRoundTrip: Suite = {
  name: 'kernel: pool',
  async run({ quick }) {
    const pool = new WorkerPool({ minThreads: 2, maxThreads: 2, maxQueue: 1024, taskTimeoutMs: 5000 });
    try {
      const rec = await timeLoop(quick ? 3000 : 20000, () => pool.run('kernel.noop', { n: 1 }), 500);
      return [rec.row('kernel: pool round trip, no-op task', { budget_p99_ms: 0.2 })];
    } finally {
      await pool.close();
    }
  },
};

export const suites: Suite[] = [overhead, poolRoundTrip];
