import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import type { TestService } from '../../helpers.ts';
import { bearer, body, newSession, startCcc, startConversation, type Json } from './helpers.ts';

/** An upstream whose stream breaks after two deltas, or (path /slow) trickles until cancelled. */
function troubledUpstream() {
  let cancelled = 0;
  const chunk = (content: string) => `data: ${JSON.stringify({ model: 'up', choices: [{ delta: { content }, finish_reason: null }] })}\n\n`;
  const server = Bun.serve({
    port: 0,
    idleTimeout: 30,
    async fetch(req) {
      await req.json();
      if (new URL(req.url).pathname.startsWith('/slow')) {
        let i = 0;
        const stream = new ReadableStream<Uint8Array>({
          async pull(c) {
            await Bun.sleep(i === 0 ? 0 : 40);
            c.enqueue(new TextEncoder().encode(chunk(`part${i++} `)));
            if (i > 100) c.close();
          },
          cancel() {
            cancelled++;
          },
        });
        return new Response(stream, { headers: { 'Content-Type': 'text/event-stream' } });
      }
      return new Response(`${chunk('Hel')}${chunk('lo')}data: ${JSON.stringify({ error: { message: 'upstream overloaded' } })}\n\n`, { headers: { 'Content-Type': 'text/event-stream' } });
    },
  });
  return { base: `http://127.0.0.1:${server.port}`, cancelled: () => cancelled, stop: () => void server.stop(true) };
}

const up = troubledUpstream();
let broken: TestService;
let slow: TestService;

beforeAll(async () => {
  broken = await startCcc({ configure: (cfg) => void Object.assign(cfg.llm, { provider: 'openai', baseUrl: `${up.base}/v1`, model: 'm' }) });
  slow = await startCcc({ configure: (cfg) => void Object.assign(cfg.llm, { provider: 'openai', baseUrl: `${up.base}/slow/v1`, model: 'm' }) });
});
afterAll(async () => {
  await broken.stop();
  await slow.stop();
  up.stop();
});

describe('streams that fail part-way', () => {
  test('an upstream failure after output has started reaches the openai SDK as an error, and nothing is stored', async () => {
    const s = await newSession(broken);
    const c = await startConversation(broken, s, 'start', { use_context: false });
    const client = new OpenAI({ baseURL: `${broken.url}/v2`, apiKey: s.token, maxRetries: 0 });
    const got: string[] = [];
    const err = await (async () => {
      const stream = await client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'a new message' }], stream: true, conversation_id: c.conversation_id } as OpenAI.ChatCompletionCreateParamsStreaming);
      for await (const chunk of stream) got.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((e: unknown) => e);
    expect(got.join('')).toBe('Hello');
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toContain('upstream overloaded');
    const turns = (await body(await broken.call('GET', `/api/v2/conversations/${c.conversation_id}`, undefined, bearer(s.token)))).turns as Json[];
    expect(turns.length).toBe(1);
  });

  test('the raw stream carries the ccc error envelope and still ends with [DONE]', async () => {
    const text = await (await broken.call('POST', '/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }], stream: true })).text();
    const events = text.split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const error = JSON.parse(events.at(-2)!.slice(6)) as Json;
    expect((error.error as Json).code).toBe('LLM_PROVIDER_ERROR');
  });

  test('a client that hangs up mid-stream cancels the upstream call and nothing is stored', async () => {
    const s = await newSession(slow);
    const c = await startConversation(slow, s, 'start', { use_context: false });
    const ac = new AbortController();
    const res = await fetch(`${slow.url}/v2/chat/completions`, {
      method: 'POST', signal: ac.signal, headers: { 'Content-Type': 'application/json', ...bearer(s.token) },
      body: JSON.stringify({ conversation_id: c.conversation_id, stream: true, messages: [{ role: 'user', content: 'a long answer please' }] }),
    });
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('part0');
    ac.abort();
    for (let i = 0; i < 100 && up.cancelled() === 0; i++) await Bun.sleep(10);
    expect(up.cancelled()).toBe(1);
    const turns = (await body(await slow.call('GET', `/api/v2/conversations/${c.conversation_id}`, undefined, bearer(s.token)))).turns as Json[];
    expect(turns.length).toBe(1);
  });
});
