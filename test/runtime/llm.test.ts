import { describe, expect, test } from 'bun:test';
import { LocalProvider, OpenAiProvider, createLlmProvider, streamCompletion, type Completion, type LlmConfig, type LlmProvider, type StreamEvent } from '../../src/runtime/llm.ts';
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

  test('an upstream finish_reason is passed on by the openai provider', async () => {
    const server = Bun.serve({ port: 0, fetch: () => Response.json({ choices: [{ message: { content: 'cut' }, finish_reason: 'length' }] }) });
    try {
      const out = await new OpenAiProvider({ ...cfg, baseUrl: `http://127.0.0.1:${server.port}` }).complete({ messages: [{ role: 'user', content: 'x' }] });
      expect(out.finishReason).toBe('length');
      expect(out.usage.completion_tokens).toBe(1);
    } finally {
      server.stop(true);
    }
  });
});

async function collect(events: AsyncIterable<StreamEvent>): Promise<{ deltas: string[]; done: Completion[] }> {
  const deltas: string[] = [];
  const done: Completion[] = [];
  for await (const e of events) {
    if (e.type === 'delta') deltas.push(e.content);
    else done.push(e.completion);
  }
  return { deltas, done };
}

/** An OpenAI-style SSE body: one `data:` event per payload, CRLF line ends on purpose. */
function sse(payloads: unknown[]): string {
  return payloads.map((p) => `data: ${typeof p === 'string' ? p : JSON.stringify(p)}\r\n\r\n`).join('');
}

describe('llm streaming', () => {
  test('the local provider streams its deterministic reply in several chunks that concatenate to the complete reply', async () => {
    const p = new LocalProvider();
    const req = { messages: [{ role: 'user' as const, content: 'write a sorting function with tests and comments' }] };
    const whole = await p.complete(req);
    const { deltas, done } = await collect(p.stream(req));
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join('')).toBe(whole.content);
    expect(done).toEqual([whole]);
    expect(done[0]!.finishReason).toBe('stop');
  });

  test('the openai provider proxies the upstream SSE stream and reports model, usage and finish reason', async () => {
    let seen: Record<string, unknown> = {};
    const server = Bun.serve({
      port: 0,
      async fetch(req) {
        seen = (await req.json()) as Record<string, unknown>;
        const body = sse([
          { model: 'up-1', choices: [{ delta: { role: 'assistant', content: '' }, finish_reason: null }] },
          { model: 'up-1', choices: [{ delta: { content: 'Hel' }, finish_reason: null }] },
          { model: 'up-1', choices: [{ delta: { content: 'lo' }, finish_reason: null }] },
          { model: 'up-1', choices: [{ delta: {}, finish_reason: 'stop' }] },
          { model: 'up-1', choices: [], usage: { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 } },
          '[DONE]',
        ]);
        return new Response(body, { headers: { 'Content-Type': 'text/event-stream' } });
      },
    });
    try {
      const p = new OpenAiProvider({ ...cfg, baseUrl: `http://127.0.0.1:${server.port}/v1` });
      const { deltas, done } = await collect(p.stream({ messages: [{ role: 'user', content: 'hi' }] }));
      expect(deltas).toEqual(['Hel', 'lo']);
      expect(done).toEqual([{ content: 'Hello', model: 'up-1', provider: 'openai', usage: { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 }, finishReason: 'stop' }]);
      expect(seen.stream).toBe(true);
      expect(seen.stream_options).toEqual({ include_usage: true });
      expect(seen.model).toBe('m');
    } finally {
      server.stop(true);
    }
  });

  test('an endpoint that refuses stream_options is asked again without it', async () => {
    const bodies: Record<string, unknown>[] = [];
    const server = Bun.serve({
      port: 0,
      async fetch(req) {
        const b = (await req.json()) as Record<string, unknown>;
        bodies.push(b);
        if (b.stream_options) return new Response('unknown field stream_options', { status: 400 });
        return new Response(sse([{ choices: [{ delta: { content: 'ok' } }] }, '[DONE]']), { headers: { 'Content-Type': 'text/event-stream' } });
      },
    });
    try {
      const { deltas, done } = await collect(new OpenAiProvider({ ...cfg, baseUrl: `http://127.0.0.1:${server.port}` }).stream({ messages: [{ role: 'user', content: 'hello there' }] }));
      expect(deltas).toEqual(['ok']);
      expect(bodies.map((b) => 'stream_options' in b)).toEqual([true, false]);
      // Without a usage chunk the counts are estimated (4 characters per token).
      expect(done[0]!.usage).toEqual({ prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 });
    } finally {
      server.stop(true);
    }
  });

  test('a failing upstream stream becomes an unavailable failure', async () => {
    const server = Bun.serve({
      port: 0,
      fetch: (req) => (new URL(req.url).pathname === '/bad-status/chat/completions'
        ? new Response('no', { status: 503 })
        : new Response(sse([{ choices: [{ delta: { content: 'a' } }] }, { error: { message: 'overloaded' } }]), { headers: { 'Content-Type': 'text/event-stream' } })),
    });
    try {
      const status = (await collect(new OpenAiProvider({ ...cfg, baseUrl: `http://127.0.0.1:${server.port}/bad-status` }).stream({ messages: [] })).catch((x: unknown) => x)) as KernelFailure;
      expect(status.kind).toBe('unavailable');
      expect(status.details).toEqual({ upstream_status: 503 });
      const mid = (await collect(new OpenAiProvider({ ...cfg, baseUrl: `http://127.0.0.1:${server.port}` }).stream({ messages: [] })).catch((x: unknown) => x)) as KernelFailure;
      expect(mid).toBeInstanceOf(KernelFailure);
      expect(mid.message).toContain('overloaded');
    } finally {
      server.stop(true);
    }
  });

  test('streamCompletion streams a provider without native streaming as one delta', async () => {
    const fixed: Completion = { content: 'whole reply', model: 'x', provider: 'fixed', usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } };
    const provider: LlmProvider = { name: 'fixed', model: 'x', complete: async () => fixed };
    expect(await collect(streamCompletion(provider, { messages: [] }))).toEqual({ deltas: ['whole reply'], done: [fixed] });
    const local = new LocalProvider();
    const viaHelper = await collect(streamCompletion(local, { messages: [{ role: 'user', content: 'a b c d e f g' }] }));
    expect(viaHelper.deltas.length).toBeGreaterThan(1);
  });
});
