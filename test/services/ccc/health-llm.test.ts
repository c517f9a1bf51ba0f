import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { TestService } from '../../helpers.ts';
import { body, startCcc } from './helpers.ts';

/** An OpenAI-compatible endpoint that answers, or fails with a 500, on command. */
let failing = false;
const upstream = Bun.serve({
  port: 0,
  fetch() {
    if (failing) return Response.json({ error: { message: 'overloaded' } }, { status: 500 });
    return Response.json({ model: 'up', choices: [{ message: { role: 'assistant', content: 'fine' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
  },
});

let svc: TestService;
beforeAll(async () => {
  svc = await startCcc({ configure: (cfg) => void Object.assign(cfg.llm, { provider: 'openai', baseUrl: `http://127.0.0.1:${upstream.port}/v1`, model: 'up' }) });
});
afterAll(async () => {
  await svc.stop();
  void upstream.stop(true);
});

const chat = (): Promise<Response> => svc.call('POST', '/v1/chat/completions', { messages: [{ role: 'user', content: 'hello' }] });
const llm = async (): Promise<Record<string, unknown>> => (await body(await svc.call('GET', '/health'))).llm as Record<string, unknown>;

describe('GET /health and the language model endpoint', () => {
  test('says unknown before any call, failing with the reason while the endpoint fails, ok again once it answers (no restart)', async () => {
    expect(await llm()).toEqual({ provider: 'openai', model: 'up', status: 'unknown', last_error: null, last_error_at: null, last_ok_at: null });
    expect((await chat()).status).toBe(200);
    const ok = await llm();
    expect(ok.status).toBe('ok');
    expect(ok.last_ok_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    failing = true;
    const refused = await chat();
    expect(refused.status).toBe(502);
    const down = await llm();
    expect([down.status, down.last_error]).toEqual(['failing', 'LLM endpoint answered 500']);
    expect(down.last_error_at).toMatch(/Z$/);
    const h = await body(await svc.call('GET', '/health'));
    expect(h.status).toBe('healthy');
    failing = false;
    expect((await chat()).status).toBe(200);
    expect((await llm()).status).toBe('ok');
  });
});
