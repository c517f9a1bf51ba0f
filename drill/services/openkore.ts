/**
 * openkore engine (openkore-ai-engine.md §3.1–3.6): durable writes are reputation
 * adjustments, the outcome log (`/metrics/log`) and generated macros. Every route but
 * health needs the bearer token, read from `<dataDir>/openkore/token` as the README says.
 */
import { aiServiceFaults } from '../lib/deps-ai.ts';
import { field, must, send } from '../lib/http.ts';
import { auth, gameState, handshake } from './openkore-client.ts';
import type { DurableWrites, ServiceDrill, Session } from '../lib/types.ts';
import { countCheck, emptyResult, sha, write } from '../lib/verify.ts';

/** Player ids of reputation writes: far from anything a client would use. */
const PLAYER_BASE = 7_000_000_000;

const reputation: DurableWrites<null> = {
  name: 'reputation',
  clients: 3,
  hz: 60,
  prepare: async () => null,
  write: (r, _s, t) =>
    write('POST', `${r.url}/api/v1/social/reputation/adjust`, { headers: auth(r), body: { player_id: PLAYER_BASE + t.id, player_name: 'Drill', delta: (t.id % 40) + 1, reason: `drill write ${t.id}` } }, () => null),
  async verify(r, _s, ledger) {
    const res = emptyResult();
    for (const e of ledger) {
      const x = await send('GET', `${r.url}/api/v1/social/reputation/${PLAYER_BASE + e.id}`, { headers: auth(r) });
      if (x.status !== 200 && x.status !== 404) {
        res.notes.push(`reading player ${PLAYER_BASE + e.id}: ${x.status} ${x.text.slice(0, 120)}`);
        continue;
      }
      const present = x.status === 200;
      const once = present && field(x.json, 'total_interactions') === 1 && field(x.json, 'reputation_score') === (e.id % 40) + 1;
      if (present && !once) res.duplicated.push(`write ${e.id}: ${field(x.json, 'total_interactions')} interactions, score ${field(x.json, 'reputation_score')} (expected 1 and ${(e.id % 40) + 1})`);
      if (e.outcome === 'acked') {
        if (!present) res.lost.push(`reputation write ${e.id} (player ${PLAYER_BASE + e.id}) acknowledged but not stored`);
        else if (once) res.found++;
      } else if (e.outcome === 'rejected' && present) res.phantom.push(`write ${e.id} was refused (${e.status}) but stored`);
      else if (e.outcome === 'unknown' && once) res.unknownPresent++;
    }
    return res;
  },
};

const metricsLog: DurableWrites<{ session: string; base: number }> = {
  name: 'outcome log',
  clients: 3,
  hz: 60,
  async prepare(r, prev) {
    const session = await handshake(r);
    const base = prev?.base ?? Number(field(await must('GET', `${r.url}/api/v1/metrics`, { headers: auth(r) }), 'ml_model', 'logged_outcomes'));
    return { session, base };
  },
  write: (r, s, t) =>
    write('POST', `${r.url}/api/v1/metrics/log`, { headers: auth(r), body: { session_id: s.session, decision_tier: 'rule', action_type: 'attack', success: t.id % 3 !== 0, outcome: { drill_write: t.id } } }, () => null),
  async verify(r, s, ledger) {
    const n = Number(field(await must('GET', `${r.url}/api/v1/metrics`, { headers: auth(r) }), 'ml_model', 'logged_outcomes')) - s.base;
    return countCheck('outcomes', n, ledger);
  },
};

interface MacroAck { task_id: string; file_path: string; content: string }

const macros: DurableWrites<{ session: string }> = {
  name: 'macros',
  clients: 2,
  hz: 3,
  prepare: async (r) => ({ session: await handshake(r) }),
  async write(r, s, t) {
    const x = await send('POST', `${r.url}/api/v1/macro/generate`, {
      headers: auth(r),
      body: { session_id: s.session, purpose: `Efficient leveling at Clock Tower 3F, drill ${t.id}`, context: { character_level: 85, character_job: 'Knight', available_skills: ['Bash', 'Provoke', 'Magnum Break'] } },
    });
    if (x.status === 0) return { kind: 'unknown', reason: x.error ?? 'no reply' };
    if (x.status !== 202) return { kind: 'rejected', status: x.status, reply: x.text.slice(0, 200), exchange: x };
    const task = String(field(x.json, 'task_id'));
    // The write is acknowledged once its macro exists: poll until the task completes.
    for (let i = 0; i < 200; i++) {
      const st = await send('GET', `${r.url}/api/v1/macro/status/${task}`, { headers: auth(r) });
      if (st.status === 0) return { kind: 'unknown', reason: `task ${task}: ${st.error ?? 'no reply'}` };
      if (st.status === 200) {
        if (field(st.json, 'status') !== 'completed') return { kind: 'rejected', status: 200, reply: `task ${task} failed: ${st.text.slice(0, 160)}` };
        return { kind: 'acked', data: { task_id: task, file_path: String(field(st.json, 'file_path')), content: sha(String(field(st.json, 'macro_content'))) } satisfies MacroAck };
      }
      await Bun.sleep(20);
    }
    return { kind: 'rejected', status: 202, reply: `task ${task} still processing after 4 s` };
  },
  async verify(r, _s, ledger) {
    const res = emptyResult();
    for (const e of ledger) {
      if (e.outcome !== 'acked') continue;
      const a = e.data as MacroAck;
      const st = await send('GET', `${r.url}/api/v1/macro/status/${a.task_id}`, { headers: auth(r) });
      if (st.status !== 200) res.lost.push(`macro task ${a.task_id} completed before the kill, now ${st.status} ${st.text.slice(0, 120)}`);
      else if (field(st.json, 'file_path') !== a.file_path || sha(String(field(st.json, 'macro_content'))) !== a.content) res.lost.push(`macro ${a.task_id} changed after the restart`);
      else res.found++;
    }
    // A task accepted (202) before the kill must end, not stay "processing" forever.
    const ids = ledger.filter((e) => e.outcome === 'unknown').map((e) => /task (\S+):/.exec(String(e.data ?? ''))?.[1]).filter((t): t is string => t !== undefined);
    for (const task of ids) {
      let last = 0;
      for (let i = 0; i < 50; i++) {
        const st = await send('GET', `${r.url}/api/v1/macro/status/${task}`, { headers: auth(r) });
        last = st.status;
        if (st.status !== 202) break;
        await Bun.sleep(100);
      }
      if (last === 202) res.halfPresent.push(`macro task ${task}, accepted before the kill, is still "processing" 5 s after the restart`);
      else if (last === 200) res.unknownPresent++;
    }
    return res;
  },
};

const FUZZ_PLAYER = 4242;

export const openkore: ServiceDrill = {
  name: 'openkore',
  envelope: 'openkore',
  statuses: [200, 202, 400, 401, 404, 405, 408, 413, 414, 415, 429, 431, 503, 507],
  sets: { 'services.openkore.options.rate_limit_per_second': '100000' },
  async session(r): Promise<Session> {
    const session = await handshake(r);
    await must('POST', `${r.url}/api/v1/social/reputation/adjust`, { headers: auth(r), body: { player_id: FUZZ_PLAYER, delta: 5, reason: 'fuzz baseline' } });
    return {
      headers: auth(r),
      ids: {
        session_id: [session], player_id: [String(FUZZ_PLAYER)], sender_id: [String(FUZZ_PLAYER)], trader_id: [String(FUZZ_PLAYER)],
        config_type: ['rules', 'macros', 'engine', 'social', 'prices'], task_id: ['macro-gen-1', 'llm-task-1'],
      },
      async digest() {
        const m = await must('GET', `${r.url}/api/v1/metrics`, { headers: auth(r) });
        const p = await send('GET', `${r.url}/api/v1/social/reputation/${FUZZ_PLAYER}`, { headers: auth(r) });
        return JSON.stringify([field(m, 'ml_model', 'logged_outcomes'), p.status, field(p.json, 'reputation_score'), field(p.json, 'total_interactions')]);
      },
    };
  },
  durable: [reputation, metricsLog, macros],
  fuzz: {
    hints: {
      player_id: (rng) => (rng.chance(0.7) ? FUZZ_PLAYER : rng.int(0, 2 ** 31)),
      sender_id: () => FUZZ_PLAYER,
      trader_id: () => FUZZ_PLAYER,
    },
  },
  ws: [{
    path: '/ws/state-stream',
    hello: (s) => ({ type: 'auth', token: s.headers.Authorization?.slice('Bearer '.length) ?? '' }),
    isReady: (m) => field(m, 'type') === 'auth_ok',
    probe: (seq) => ({ type: 'state', seq, data: gameState() }),
    replySeq: (m) => (field(m, 'type') === 'action' && typeof field(m, 'seq') === 'number' ? Number(field(m, 'seq')) : null),
    isProbeReply: (m) => field(m, 'type') === 'action',
  }],
  soak: {
    http: [
      { name: 'state', hz: 20, make: (s) => ({ method: 'POST', path: '/api/v1/state', body: { session_id: s.ids.session_id?.[0], ...gameState() } }) },
      { name: 'reputation/adjust', hz: 2, make: (_s, i) => ({ method: 'POST', path: '/api/v1/social/reputation/adjust', body: { player_id: 9000 + (i % 50), delta: i % 2 ? 1 : -1, reason: 'soak' } }) },
      { name: 'reputation', hz: 2, make: (_s, i) => ({ method: 'GET', path: `/api/v1/social/reputation/${9000 + (i % 50)}` }), ok: (x) => x.status === 200 || x.status === 404 },
      { name: 'metrics/log', hz: 2, make: (s) => ({ method: 'POST', path: '/api/v1/metrics/log', body: { session_id: s.ids.session_id?.[0], decision_tier: 'rule', action_type: 'attack', success: true, outcome: {} } }) },
      { name: 'chat/process', hz: 1, make: (_s, i) => ({ method: 'POST', path: '/api/v1/social/chat/process', body: { sender_id: 9100 + (i % 20), sender_name: 'Soak', message: 'hello there', channel: 'public' } }) },
      // 503 "unhealthy" is health's documented answer while the AI service is not reachable (a soak without it).
      { name: 'health', hz: 1, make: () => ({ method: 'GET', path: '/api/v1/health' }), ok: (x) => x.status === 200 || (x.status === 503 && field(x.json, 'status') === 'unhealthy') },
    ],
    ws: [{
      endpoint: {
        path: '/ws/state-stream',
        hello: (s) => ({ type: 'auth', token: s.headers.Authorization?.slice('Bearer '.length) ?? '' }),
        isReady: (m) => field(m, 'type') === 'auth_ok',
        probe: (seq) => ({ type: 'state', seq, data: gameState() }),
        replySeq: (m) => (field(m, 'type') === 'action' && typeof field(m, 'seq') === 'number' ? Number(field(m, 'seq')) : null),
        isProbeReply: (m) => field(m, 'type') === 'action',
      },
      clients: 10,
      hz: 20,
    }],
  },
  pool: [],
  dependencies: [{ name: 'ai service down / slow', run: (ctx) => aiServiceFaults(ctx) }],
  reads: () => [{ method: 'GET', path: '/api/v1/metrics' }, { method: 'GET', path: `/api/v1/social/reputation/${FUZZ_PLAYER}` }],
};
