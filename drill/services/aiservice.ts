/**
 * OpenKore AI service (openkore-ai-engine.md §3.7): durable writes are episodic memories.
 * Errors use the §4.1 envelope. Each drill memory has a session of its own, so one
 * retrieve lists everything stored for it.
 */
import { llmFaults } from '../lib/deps-llm.ts';
import { field, must } from '../lib/http.ts';
import type { DurableWrites, ServiceDrill, Session } from '../lib/types.ts';
import { emptyResult, write } from '../lib/verify.ts';

const sessionOf = (id: number): string => `drill-mem-${id}`;

const memories: DurableWrites<{ base: number }> = {
  name: 'memories',
  clients: 3,
  hz: 60,
  async prepare(r, prev) {
    return prev ?? { base: Number(field(await must('GET', `${r.url}/api/health`), 'database', 'memories_stored')) };
  },
  write: (r, _s, t) =>
    write('POST', `${r.url}/api/memory/store`, {
      body: { session_id: sessionOf(t.id), event: { type: 'combat', location: 'prontera', actors: ['Drill', `Poring ${t.id}`], outcome: 'success', drill_write: t.id }, importance: 0.5 },
    }, (x) => field(x.json, 'memory_id')),
  async verify(r, s, ledger) {
    const res = emptyResult();
    let present = 0;
    for (const e of ledger) {
      const x = await must('POST', `${r.url}/api/memory/retrieve`, { body: { session_id: sessionOf(e.id), current_state: { location: 'prontera', situation: 'combat' }, top_k: 100 } });
      const mems = (field(x, 'memories') ?? []) as { memory_id: string; event: { drill_write?: number } }[];
      present += mems.length;
      const ours = mems.filter((m) => m.event.drill_write === e.id);
      if (ours.length !== mems.length) res.halfPresent.push(`session of write ${e.id} holds ${mems.length - ours.length} memories of other content`);
      if (ours.length > 1) res.duplicated.push(`memory write ${e.id} stored ${ours.length} times`);
      if (e.outcome === 'acked') {
        if (ours.length === 0) res.lost.push(`memory ${String(e.data)} (write ${e.id}) acknowledged but not found`);
        else if (ours[0]?.memory_id !== e.data) res.lost.push(`write ${e.id} acknowledged as ${String(e.data)} but found as ${ours[0]?.memory_id}`);
        else res.found++;
      } else if (e.outcome === 'rejected' && ours.length > 0) res.phantom.push(`write ${e.id} refused (${e.status}) but stored`);
      else if (e.outcome === 'unknown' && ours.length === 1) res.unknownPresent++;
    }
    // The health count and the sessions must agree: a counted memory no session holds was half-written.
    const total = Number(field(await must('GET', `${r.url}/api/health`), 'database', 'memories_stored')) - s.base;
    if (total !== present) res.halfPresent.push(`health counts ${total} drill memories, the sessions hold ${present}`);
    return res;
  },
};

export const aiservice: ServiceDrill = {
  name: 'aiservice',
  envelope: 'openkore',
  statuses: [200, 400, 401, 404, 405, 408, 413, 414, 415, 431, 503, 507],
  async session(r): Promise<Session> {
    await must('POST', `${r.url}/api/memory/store`, { body: { session_id: 'fuzz-session', event: { type: 'combat', location: 'prontera' } } });
    return {
      headers: {},
      ids: { session_id: ['fuzz-session'] },
      async digest() {
        const h = await must('GET', `${r.url}/api/health`);
        return JSON.stringify([field(h, 'database', 'memories_stored'), h.sessions]);
      },
    };
  },
  durable: [memories],
  fuzz: { hints: { task_type: (rng) => rng.pick(['strategic', 'analysis', 'tactical']) } },
  ws: [],
  soak: {
    async setup(r) {
      for (let i = 0; i < 200; i++) await must('POST', `${r.url}/api/memory/store`, { body: { session_id: 'soak-read', event: { type: 'combat', location: i % 2 ? 'prontera' : 'geffen', actors: ['Soak', `m${i}`], outcome: i % 3 ? 'success' : 'failure' } } });
    },
    http: [
      { name: 'memory/retrieve', hz: 20, make: () => ({ method: 'POST', path: '/api/memory/retrieve', body: { session_id: 'soak-read', current_state: { location: 'prontera', situation: 'Poring nearby' }, top_k: 5 } }) },
      { name: 'memory/store', hz: 1, make: (_s, i) => ({ method: 'POST', path: '/api/memory/store', body: { session_id: `soak-${i % 20}`, event: { type: 'combat', location: 'prontera', actors: ['Soak', `m${i % 7}`], outcome: i % 3 ? 'success' : 'failure' } } }) },
      { name: 'crew/execute', hz: 2, make: () => ({ method: 'POST', path: '/api/crew/execute', body: { session_id: 'soak', task_type: 'strategic', context: { character: { level: 85, job: 'Knight', zeny: 5_000_000, current_goal: 'Reach level 90' } } } }) },
      { name: 'health', hz: 1, make: () => ({ method: 'GET', path: '/api/health' }) },
    ],
    ws: [],
  },
  pool: [{
    task: 'aiservice.search',
    // Every search is split into pool slices from the first row on.
    sets: { 'services.aiservice.options.pool_search_threshold': '0' },
    async setup(r) {
      for (let i = 0; i < 20; i++) await must('POST', `${r.url}/api/memory/store`, { body: { session_id: 'pool', event: { type: 'combat', location: 'prontera', n: i } } });
    },
    request: () => ({ method: 'POST', path: '/api/memory/retrieve', body: { session_id: 'pool', current_state: { location: 'prontera' }, top_k: 5 } }),
  }],
  dependencies: [{ name: 'llm endpoint hangs (crew planner)', run: (ctx) => llmFaults(ctx, 'aiservice') }],
  reads: () => [{ method: 'GET', path: '/api/health' }, { method: 'POST', path: '/api/memory/retrieve', body: { session_id: 'fuzz-session', current_state: { location: 'prontera' }, top_k: 5 } }],
};
