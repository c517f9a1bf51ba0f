/** Kernel rows: full-pipeline overhead vs bare Bun.serve, and pool round trip. */
import { WorkerPool } from '../../src/runtime/pool.ts';
import { timeLoop } from '../lib/hist.ts';
import { maxThroughput } from '../lib/http.ts';
import { wsSwarm } from '../lib/ws-swarm.ts';
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

/** Mean of the rows' req/s. */
function meanRps(rows: BenchRow[]): number {
  return rows.reduce((n, r) => n + (r.rps ?? 0), 0) / rows.length;
}

const overhead: Suite = {
  name: 'kernel: overhead',
  async run({ quick }) {
    // Alternate bare and kernel rounds so drift in machine load hits both alike.
    const rounds = quick ? 2 : 4;
    const durationSec = quick ? 2 : 5;
    const body = { n: 41, name: 'ping' };
    const bare = await spawnEcho('bare');
    const kernel = await spawnEcho('kernel');
    const runs: Record<'bare' | 'kernel', BenchRow[]> = { bare: [], kernel: [] };
    try {
      for (const s of [bare, kernel]) await maxThroughput({ name: 'warmup', url: s.url, body, durationSec: 1, connections: 10 });
      for (let i = 0; i < rounds; i++) {
        runs.bare.push(await maxThroughput({ name: 'kernel: trivial JSON route, bare Bun.serve', url: bare.url, body, durationSec, connections: 10 }));
        runs.kernel.push(await maxThroughput({ name: 'kernel: trivial JSON route, full kernel', url: kernel.url, body, durationSec, connections: 10 }));
      }
    } finally {
      bare.stop();
      kernel.stop();
    }
    const b = runs.bare.at(-1)!;
    const k = runs.kernel.at(-1)!;
    b.rps = meanRps(runs.bare);
    k.rps = meanRps(runs.kernel);
    k.note = `req/s ratio kernel/bare = ${(k.rps / b.rps).toFixed(2)} over ${rounds} alternating rounds (target >= 0.7)`;
    return [b, k];
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

const wsEcho: Suite = {
  name: 'kernel: websocket',
  async run({ quick }) {
    const s = await spawnEcho('kernel');
    try {
      const url = s.url.replace('http', 'ws').replace('/echo', '/ws');
      return [await wsSwarm({
        name: 'kernel: WebSocket echo, 200 clients at 20 Hz',
        url, clients: 200, hz: 20, durationSec: quick ? 3 : 10,
        prefix: '{"n":', suffix: ',"name":"ping"}', seqKey: '"n":', okMarker: '"pong"',
        // The kernel's share of the 10 ms state→action budget of openkore-ai-engine.md §8.1.
        budget_p99_ms: 10,
      })];
    } finally {
      s.stop();
    }
  },
};

export const suites: Suite[] = [overhead, poolRoundTrip, wsEcho];
