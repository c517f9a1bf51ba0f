/**
 * OpenKore AI service rows (openkore-ai-engine.md §8.1 and issue budgets): memory store,
 * memory retrieve with 100,000 memories in one session (gated at issue 15's 5 ms, server
 * side), crew execute with the local planners; plus the in-process scan time behind the
 * inline-vs-pool choice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkerPool } from '../../src/runtime/pool.ts';
import { embed, mergeHits, search, VectorIndex, type RankingWeights } from '../../src/services/aiservice/engine/index.ts';
import { AiStore } from '../../src/services/aiservice/store.ts';
import { Recorder } from '../lib/hist.ts';
import { fixedRate } from '../lib/http.ts';
import { gatedServerSide } from '../lib/server-side.ts';
import { startServer } from '../lib/server.ts';
import type { BenchRow, Suite } from '../lib/types.ts';

const BIG_SESSION = 'bench-100k';
const MEMORIES = 100_000;
const MAPS = ['prontera', 'payon', 'geffen', 'c_tower3', 'gl_knt01', 'mag_dun01', 'izlude', 'morocc', 'juperos_01', 'odin_tem01'];
const TYPES = ['combat', 'trade', 'death', 'levelup', 'chat', 'loot'];
const JOBS = ['Knight', 'Wizard', 'Hunter', 'Priest', 'Assassin', 'Blacksmith'];
const WEIGHTS: RankingWeights = { importanceWeight: 0.2, recencyWeight: 0.1, recencyHalfLifeMs: 86_400_000 };

function event(i: number): Record<string, unknown> {
  return {
    type: TYPES[i % TYPES.length],
    location: MAPS[(i * 7) % MAPS.length],
    job: JOBS[(i * 3) % JOBS.length],
    level: 40 + (i % 59),
    actors: ['Player', `Monster${i % 97}`],
    outcome: i % 3 ? 'success' : 'failure',
    exp_gained: (i * 37) % 50_000,
    damage_taken: (i * 13) % 9000,
    situation: ['multiple monsters nearby', 'single target', 'low hp', 'trade request', 'party invite'][i % 5],
  };
}

function state(i: number): Record<string, unknown> {
  return { location: MAPS[i % MAPS.length], level: 50 + (i % 45), job: JOBS[i % JOBS.length], situation: i % 2 ? 'multiple monsters nearby' : 'low hp' };
}

/** Writes 100,000 memories of one session straight into a fresh data dir through the store. */
function seed(dataDir: string): void {
  const store = new AiStore(dataDir);
  const start = 1_738_000_000_000;
  store.db.transaction(() => {
    for (let i = 0; i < MEMORIES; i++) {
      const e = event(i);
      const { vector, generated } = embed(e);
      store.addMemory({ sessionId: BIG_SESSION, eventJson: JSON.stringify(e), importance: (i % 10) / 10, eventTime: start + i * 1000, storedAt: start + i * 1000, vector, generated });
    }
  }).immediate();
  store.close();
}

const http: Suite = {
  name: 'aiservice: http',
  async run({ quick }) {
    const dataDir = mkdtempSync(join(tmpdir(), 'hotloop-bench-aiservice-'));
    seed(dataDir);
    const server = await startServer(['aiservice'], { dataDir, timeoutMs: 60_000 });
    const base = server.url('aiservice');
    const seconds = quick ? 3 : 8;
    try {
      const store = await fixedRate({
        name: 'aiservice: memory store, 200 req/s',
        url: `${base}/api/memory/store`, rate: 200, durationSec: seconds, budget_p99_ms: 10,
        makeBody: (i) => ({ session_id: `bench-store-${i % 10}`, event: event(i), importance: 0.5 }),
      });
      // Issue 15's aim (5 ms) rather than the spec's 20 ms, gated on the server's own figure.
      const retrieve = await gatedServerSide(server, 'POST /api/memory/retrieve', 'aiservice: memory retrieve top 5 of 100,000 in one session, 50 req/s', 5, () => fixedRate({
        // 1,000 samples for a p99 in the full run: 21 s at 50 req/s.
        name: 'x', url: `${base}/api/memory/retrieve`, rate: 50, durationSec: quick ? seconds : 21,
        makeBody: (i) => ({ session_id: BIG_SESSION, current_state: state(i), top_k: 5 }),
      }));
      const crew = await fixedRate({
        name: 'aiservice: crew execute (local planners), 200 req/s',
        url: `${base}/api/crew/execute`, rate: 200, durationSec: seconds, budget_p99_ms: 50,
        makeBody: (i) => ({
          session_id: 'bench', task_type: i % 4 ? 'strategic' : 'analysis', timeout_seconds: 120,
          context: { character: { level: 10 + (i % 89), job: JOBS[i % JOBS.length], zeny: 5_000_000, current_goal: `Reach level ${20 + (i % 79)}` }, constraints: { time_budget_hours: 10, consumable_budget: 500_000 } },
        }),
      });
      return [store, ...retrieve, crew];
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

/** Scan time of one 100,000-row session inline and split over two pool workers. */
const scan: Suite = {
  name: 'aiservice: scan',
  async run({ quick }) {
    const idx = new VectorIndex(256, { shared: true, initialCapacity: MEMORIES });
    for (let i = 0; i < MEMORIES; i++) idx.add(embed(event(i)).vector, (i % 10) / 10, i * 1000, i);
    const snapshot = idx.snapshot();
    const queries = Array.from({ length: 64 }, (_, i) => embed(state(i)).vector);
    const n = quick ? 100 : 300;
    const inline = new Recorder();
    for (let i = 0; i < n + 20; i++) {
      const t = performance.now();
      search(snapshot, { query: queries[i % 64]!, k: 5, weights: WEIGHTS, now: MEMORIES * 1000 });
      if (i >= 20) inline.record(performance.now() - t);
    }
    const pool = new WorkerPool({ minThreads: 2, maxThreads: 2, maxQueue: 64, taskTimeoutMs: 10_000 });
    const pooled = new Recorder();
    try {
      // Split on a block boundary, as the service does.
      const half = Math.ceil(MEMORIES / 2 / idx.blockRows) * idx.blockRows;
      for (let i = 0; i < n + 20; i++) {
        const t = performance.now();
        const parts = await Promise.all([0, half].map((from) =>
          pool.run('aiservice.search', { snapshot, query: queries[i % 64]!, k: 5, weights: WEIGHTS, now: MEMORIES * 1000, from, to: Math.min(MEMORIES, from + half) })));
        mergeHits(parts, 5);
        if (i >= 20) pooled.record(performance.now() - t);
      }
    } finally {
      await pool.close();
    }
    const rows: BenchRow[] = [
      inline.row('aiservice: similarity scan of 100,000 memories, inline (record only)'),
      pooled.row('aiservice: similarity scan of 100,000 memories, 2 pool slices (record only)'),
    ];
    return rows;
  },
};

export const suites: Suite[] = [http, scan];
