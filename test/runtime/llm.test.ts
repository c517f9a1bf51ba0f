import { describe, expect, test } from 'bun:test';
import { LocalProvider, OpenAiProvider, createLlmProvider, type LlmConfig } from '../../src/runtime/llm.ts';
import { KernelFailure } from '../../src/runtime/errors.ts';

const cfg: LlmConfig = { provider: 'openai', baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'k', model: 'm', embeddingModel: 'e', timeoutMs: 2000 };

describe('llm providers', () => {
  test('the local provider is deterministic and says it is offline', async () => {
    const p = new LocalProvider();
    const a = await p.complete({ messages: [{ role: 'user', content: 'plan my route' }] });
    const b = await p.complete({ messages: [{ role: 'user', content: 'plan my route' }] });
    const c = await p.complete({ messages: [{ role: 'user', content: 'something else' }] });
    expect(a.content).toBe(b.content);
    expect(a.content).not.toBe(c.content);
    expect(a.content).toContain('offline');
    expect(a.provider).toBe('local');
    expect(a.usage.total_tokens).toBe(a.usage.prompt_tokens + a.usage.completion_tokens);
  });

  test('the default provider is local', () => {
    expect(createLlmProvider({ ...cfg, provider: 'local' }).name).toBe('local');
    expect(createLlmProvider(cfg).name).toBe('openai');
  });

  test('the openai provider posts an OpenAI-compatible chat request', async () => {
    let seen: { url: string; auth: string | null; body: unknown } | null = null;
    const server = Bun.serve({
      port: 0,
      async fetch(req) {
        seen = { url: new URL(req.url).pathname, auth: req.headers.get('authorization'), body: await req.json() };
        return Response.json({ model: 'm-1', choices: [{ message: { content: 'hello' } }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } });
      },
    });
    try {
      const p = new OpenAiProvider({ ...cfg, baseUrl: `http://127.0.0.1:${server.port}/v1/` });
      const out = await p.complete({ messages: [{ role: 'user', content: 'hi' }] });
      expect(out).toEqual({ content: 'hello', model: 'm-1', provider: 'openai', usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } });
      expect(seen!.url).toBe('/v1/chat/completions');
      expect(seen!.auth).toBe('Bearer k');
      expect((seen!.body as { model: string; messages: unknown[] }).model).toBe('m');
    } finally {
      server.stop(true);
    }
  });

  test('an unreachable or failing endpoint becomes an unavailable failure', async () => {
    const e = (await new OpenAiProvider(cfg).complete({ messages: [{ role: 'user', content: 'x' }] }).catch((x: unknown) => x)) as KernelFailure;
    expect(e).toBeInstanceOf(KernelFailure);
    expect(e.kind).toBe('unavailable');
    const server = Bun.serve({ port: 0, fetch: () => new Response('no', { status: 502 }) });
    try {
      const f = (await new OpenAiProvider({ ...cfg, baseUrl: `http://127.0.0.1:${server.port}` }).complete({ messages: [] }).catch((x: unknown) => x)) as KernelFailure;
      expect(f.kind).toBe('unavailable');
      expect(f.details).toEqual({ upstream_status: 502 });
    } finally {
      server.stop(true);
    }
  });
});
