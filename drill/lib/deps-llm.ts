/**
 * The LLM endpoint hanging (and failing) under the services that call it, with the kernel's
 * `openai` provider pointed at a stub OpenAI-compatible server: ccc's chat completions
 * must answer 502 LLM_PROVIDER_ERROR within the provider timeout and store nothing; the AI
 * service's crew must keep its local plan (with a note) in time. Health must say why, and
 * everything must work again when the endpoint does, without a restart.
 */
import { excerpt, field, must, send, type Exchange } from './http.ts';
import { DrillServer } from './server.ts';
import { startLlmStub, type Stub } from './stubs.ts';
import { fail, mb, row } from './table.ts';
import type { DependencyContext, DrillRow } from './types.ts';

const LLM_TIMEOUT_MS = 1500;
/** A reply may take the provider timeout plus this. */
const SLACK_MS = 2500;

interface Probe {
  /** The call that needs the LLM. */
  call(): Promise<Exchange>;
  /** Whether the reply is the right one for the stub's state. */
  judge(x: Exchange, mode: 'ok' | 'hang' | 'error'): string | null;
  /** Health's account of the LLM: must name the failure while the endpoint fails. */
  health(): Promise<{ llm: unknown; text: string }>;
  /** State a failed call must leave unchanged. */
  digest?(): Promise<string>;
}

async function cccProbe(server: DrillServer): Promise<Probe> {
  const url = server.url('ccc');
  const s = await must('POST', `${url}/api/v2/sessions`, { body: {} });
  const A = { Authorization: `Bearer ${String(s.token)}` };
  return {
    call: () => send('POST', `${url}/v2/chat/completions`, { headers: A, body: { messages: [{ role: 'user', content: 'Summarise our plan in one line' }] }, timeoutMs: 20_000 }),
    judge(x, mode) {
      if (mode === 'ok') return x.status === 200 && JSON.stringify(x.json).includes('stub model reply') ? null : `expected 200 with the stub's reply, got ${x.status} ${excerpt(x.text, 200)}`;
      if (x.status !== 502 || field(x.json, 'error', 'code') !== 'LLM_PROVIDER_ERROR') return `expected 502 LLM_PROVIDER_ERROR, got ${x.status} ${excerpt(x.text, 200)}`;
      return null;
    },
    async health() {
      const h = await must('GET', `${url}/health`);
      return { llm: h.llm, text: JSON.stringify(h.llm) };
    },
    async digest() {
      const x = await must('GET', `${url}/api/v2/sessions/${String(s.session_id)}`, { headers: A });
      return JSON.stringify([x.conversation_count, x.total_turns]);
    },
  };
}

async function aiProbe(server: DrillServer): Promise<Probe> {
  const url = server.url('aiservice');
  const body = { session_id: 'drill', task_type: 'strategic', context: { character: { level: 85, job: 'Knight', zeny: 5_000_000, current_goal: 'Reach level 90' } } };
  return {
    call: () => send('POST', `${url}/api/crew/execute`, { body, timeoutMs: 20_000 }),
    judge(x, mode) {
      if (x.status !== 200 || field(x.json, 'status') !== 'success') return `expected 200 with a plan, got ${x.status} ${excerpt(x.text, 200)}`;
      if (mode !== 'ok' && field(x.json, 'planner') !== 'deterministic') return `expected the local (deterministic) plan while the LLM fails, got planner ${String(field(x.json, 'planner'))}`;
      return null;
    },
    async health() {
      const h = await must('GET', `${url}/api/health`);
      return { llm: h.llm, text: JSON.stringify({ crew_planner: h.crew_planner, llm: h.llm }) };
    },
  };
}

const PROBES: Record<string, (s: DrillServer) => Promise<Probe>> = { ccc: cccProbe, aiservice: aiProbe };

/** Whether health reports the LLM endpoint failing, with a reason. */
function healthSaysFailing(llm: unknown): boolean {
  return field(llm, 'status') === 'failing' && typeof field(llm, 'last_error') === 'string';
}

export async function llmFaults(ctx: DependencyContext, service: string): Promise<DrillRow> {
  const r = row('deps: llm endpoint hangs/fails', service, ctx.seed);
  const stub: Stub = startLlmStub();
  let server: DrillServer | null = null;
  const check = (problem: string | null, phase: string): void => {
    r.operations++;
    if (problem === null) r.acknowledged++;
    else {
      r.errors++;
      fail(r, `${phase}: ${problem}`);
    }
  };
  try {
    server = await DrillServer.start({
      services: [service],
      env: { LLM_PROVIDER: 'openai', OPENAI_BASE_URL: `${stub.url}/v1`, OPENAI_API_KEY: 'drill', LLM_MODEL: 'stub' },
      sets: { 'llm.timeoutMs': String(LLM_TIMEOUT_MS), 'services.ccc.options.chatPerMinute': '100000', 'services.ccc.options.overallPerMinute': '100000', 'services.ccc.options.sessionPerMinute': '100000' },
    });
    const p = await PROBES[service]!(server);
    check(p.judge(await p.call(), 'ok'), 'endpoint up');
    for (const mode of ['hang', 'error'] as const) {
      stub.set(mode);
      const before = await p.digest?.();
      const x = await p.call();
      check(p.judge(x, mode), `endpoint ${mode}`);
      if (mode === 'hang') check(x.ms <= LLM_TIMEOUT_MS + SLACK_MS ? null : `the reply took ${Math.round(x.ms)} ms with a ${LLM_TIMEOUT_MS} ms provider timeout`, 'endpoint hang');
      if (before !== undefined) check((await p.digest?.()) === before ? null : 'a failed chat stored turns', `endpoint ${mode}`);
      const h = await p.health();
      check(healthSaysFailing(h.llm) ? null : `health does not say the LLM endpoint is failing: ${excerpt(h.text, 200)}`, `endpoint ${mode}`);
      if (mode === 'hang') r.notes.push(`hang: ${x.status} in ${Math.round(x.ms)} ms; health llm ${excerpt(h.text, 160)}`);
    }
    stub.set('ok');
    check(p.judge(await p.call(), 'ok'), 'endpoint back');
    const h = await p.health();
    check(field(h.llm, 'status') === 'ok' ? null : `health after recovery: ${excerpt(h.text, 200)}`, 'endpoint back');
    if (!server.alive) {
      r.server_died = true;
      fail(r, `the server died:\n${server.logTail(10)}`);
    }
    r.rss_mb = mb(server.rssBytes());
    r.notes.push(`provider timeout ${LLM_TIMEOUT_MS} ms; same process throughout; ${stub.hits} calls reached the stub`);
  } catch (e) {
    fail(r, `drill stopped: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    await server?.stop();
    await stub.stop();
  }
  return r;
}
