/**
 * The openkore engine's dependency on the AI service (openkore-ai-engine.md §6.3, the
 * engine README): a real AI service in its own process, reached through a proxy the drill
 * takes down, slows past the probe timeout, and brings back. Health must say why
 * (`python_service.status` and `error`), decisions must fall back (warnings
 * SERVICE_UNAVAILABLE, macros from the LLM provider with a `fallback_reason`), and
 * everything must recover without a restart.
 */
import { excerpt, field, must, send } from './http.ts';
import { DrillServer } from './server.ts';
import { startProxy } from './stubs.ts';
import { fail, mb, row } from './table.ts';
import type { DependencyContext, DrillRow } from './types.ts';
import { auth, gameState, handshake } from '../services/openkore-client.ts';

const PROBE_MS = 1000;

interface Check {
  ok: boolean;
  what: string;
}

/** Polls `probe` until it holds or `ms` pass. */
async function eventually(ms: number, probe: () => Promise<Check>): Promise<Check> {
  const end = Date.now() + ms;
  let last: Check = { ok: false, what: 'not checked' };
  while (Date.now() < end) {
    last = await probe();
    if (last.ok) return last;
    await Bun.sleep(200);
  }
  return last;
}

export async function aiServiceFaults(ctx: DependencyContext): Promise<DrillRow> {
  const r = row('deps: ai service down/slow', 'openkore', ctx.seed);
  const ai = await DrillServer.start({ services: ['aiservice'] });
  const proxy = startProxy(ai.url('aiservice'), 3000);
  let engine: DrillServer | null = null;
  const check = (c: Check, phase: string): void => {
    r.operations++;
    if (c.ok) r.acknowledged++;
    else {
      r.errors++;
      fail(r, `${phase}: ${c.what}`);
    }
  };
  try {
    engine = await DrillServer.start({
      services: ['openkore'],
      env: { AI_SERVICE_URL: proxy.url },
      sets: { 'services.openkore.options.ai_probe_ms': String(PROBE_MS), 'services.openkore.options.rate_limit_per_second': '100000' },
    });
    const url = engine.url('openkore');
    const run = { server: engine, url };
    const A = auth(run);
    const health = async (): Promise<{ status: number; svc: string; error: string; ms: number }> => {
      const x = await send('GET', `${url}/api/v1/health`, { headers: A, timeoutMs: 10_000 });
      return { status: x.status, svc: String(field(x.json, 'python_service', 'status')), error: String(field(x.json, 'python_service', 'error') ?? ''), ms: x.ms };
    };
    const macro = async (session: string): Promise<Record<string, unknown>> => {
      const g = await must('POST', `${url}/api/v1/macro/generate`, { headers: A, body: { session_id: session, purpose: 'Efficient leveling at Clock Tower 3F', context: { character_level: 85, character_job: 'Knight', available_skills: ['Bash', 'Provoke'] } } });
      for (let i = 0; i < 100; i++) {
        const st = await send('GET', `${url}/api/v1/macro/status/${String(g.task_id)}`, { headers: A });
        if (st.status === 200) return st.json as Record<string, unknown>;
        await Bun.sleep(100);
      }
      return { status: 'still processing after 10 s' };
    };

    // Up: healthy, over HTTP, and the planner is used.
    check(await eventually(5000, async () => {
      const h = await health();
      return { ok: h.status === 200 && h.svc === 'healthy', what: `health ${h.status} python_service ${h.svc} ${h.error}` };
    }), 'up');
    const s1 = await handshake(run);
    const idle = await send('POST', `${url}/api/v1/state`, { headers: A, body: { session_id: s1, ...gameState(90, false) } });
    check({ ok: idle.status === 202 && field(idle.json, 'decision_tier') === 'llm', what: `a level-90 state with nothing to do answered ${idle.status} ${excerpt(idle.text, 200)} (expected 202 from the llm tier)` }, 'up');
    const m1 = await macro(s1);
    check({ ok: m1.status === 'completed' && m1.source === 'ai_service', what: `macro with the AI service up: ${excerpt(m1, 200)}` }, 'up');

    // Down: health says so at once (it probes on every call), decisions fall back.
    proxy.set('down');
    const hd = await health();
    check({ ok: hd.status === 503 && hd.svc === 'unavailable' && hd.error.length > 0, what: `health ${hd.status} python_service ${hd.svc} error "${hd.error}" (expected 503 unavailable with the reason)` }, 'down');
    r.notes.push(`down: health 503, python_service.error "${excerpt(hd.error, 100)}"`);
    const s2 = await handshake(run);
    check(await eventually(PROBE_MS * 4, async () => {
      const x = await send('POST', `${url}/api/v1/state`, { headers: A, body: { session_id: s2, ...gameState(90, false) } });
      const warned = JSON.stringify(field(x.json, 'warnings') ?? []).includes('SERVICE_UNAVAILABLE');
      return { ok: x.status === 200 && warned, what: `level-90 state with the AI service down answered ${x.status} ${excerpt(x.text, 200)} (expected 200 with warning SERVICE_UNAVAILABLE)` };
    }), 'down');
    const m2 = await macro(s2);
    check({ ok: m2.status === 'completed' && String(m2.source).startsWith('llm:') && typeof m2.fallback_reason === 'string', what: `macro with the AI service down: ${excerpt(m2, 240)} (expected source llm:<provider> and a fallback_reason)` }, 'down');

    // Slow (3 s, past the 1 s probe timeout): health answers in time and says why; decisions are not held up.
    proxy.set('slow');
    const hs = await health();
    check({ ok: hs.status === 503 && hs.ms < 2500 && hs.error.length > 0, what: `health with a slow AI service: ${hs.status} in ${Math.round(hs.ms)} ms, "${hs.error}"` }, 'slow');
    r.notes.push(`slow: health ${hs.status} in ${Math.round(hs.ms)} ms, "${excerpt(hs.error, 100)}"`);
    const st = await send('POST', `${url}/api/v1/state`, { headers: A, body: { session_id: s2, ...gameState(85) } });
    check({ ok: st.status === 200 && st.ms < 1000, what: `a state with a slow AI service took ${Math.round(st.ms)} ms (${st.status})` }, 'slow');

    // Back: healthy again without a restart, and the planner is used again.
    proxy.set('ok');
    check(await eventually(PROBE_MS * 6, async () => {
      const h = await health();
      return { ok: h.status === 200 && h.svc === 'healthy', what: `health ${h.status} python_service ${h.svc} after the AI service returned` };
    }), 'recovered');
    const m3 = await macro(await handshake(run));
    check({ ok: m3.status === 'completed' && m3.source === 'ai_service', what: `macro after the AI service returned: ${excerpt(m3, 200)}` }, 'recovered');
    if (!engine.alive) {
      r.server_died = true;
      fail(r, `the engine died:\n${engine.logTail(10)}`);
    }
    r.rss_mb = mb(engine.rssBytes());
    r.notes.push(`same engine process throughout (pid ${engine.pid}); probe interval ${PROBE_MS} ms`);
  } catch (e) {
    fail(r, `drill stopped: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    await engine?.stop();
    await proxy.stop();
    await ai.stop();
  }
  return r;
}
