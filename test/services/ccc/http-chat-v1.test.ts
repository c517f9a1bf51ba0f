import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { LocalProvider } from '../../../src/runtime/llm.ts';
import type { TestService } from '../../helpers.ts';
import { body, expectError, startCcc, type Json } from './helpers.ts';

let svc: TestService;
let client: OpenAI;

beforeAll(async () => {
  svc = await startCcc();
  client = new OpenAI({ baseURL: `${svc.url}/v1`, apiKey: 'not-needed-for-stage-1', maxRetries: 0 });
});
afterAll(() => svc.stop());

describe('Stage 1 endpoints', () => {
  test('GET /health reports healthy with the provider that answers', async () => {
    const res = await svc.call('GET', '/health');
    expect(res.status).toBe(200);
    const b = await body(res);
    expect([b.status, b.service, b.stage]).toEqual(['healthy', 'ccc', 2]);
    expect(b.llm).toMatchObject({ provider: 'local', model: 'local-deterministic' });
    expect(['unknown', 'ok']).toContain((b.llm as { status: string }).status);
  });

  test('the openai SDK lists the model this server answers with', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => [m.id, m.owned_by])).toEqual([['local-deterministic', 'local']]);
  });

  test('a non-streaming completion through the openai SDK is the local provider reply in the OpenAI shape', async () => {
    const messages = [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'Create a Python function to calculate Fibonacci numbers' }];
    const expected = await new LocalProvider().complete({ messages });
    const r = await client.chat.completions.create({ model: 'gpt-4', messages, temperature: 0.7, max_tokens: 1000 });
    expect(r.id).toMatch(/^chatcmpl-[0-9a-f]{16}$/);
    expect(r.object).toBe('chat.completion');
    expect(Math.abs(r.created - Date.now() / 1000)).toBeLessThan(60);
    // The reply names the model that answered, not the one asked for.
    expect(r.model).toBe('local-deterministic');
    expect(r.choices).toEqual([{ index: 0, message: { role: 'assistant', content: expected.content, refusal: null }, logprobs: null, finish_reason: 'stop' }]);
    expect(r.usage).toEqual(expected.usage);
  });

  test('a streamed completion through the openai SDK arrives in several chunks that add up to the same reply', async () => {
    const messages = [{ role: 'user' as const, content: 'stream me a reply about sorting algorithms please' }];
    const expected = await new LocalProvider().complete({ messages });
    const stream = await client.chat.completions.create({ model: 'gpt-4', messages, stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    const withChoices = chunks.filter((c) => c.choices.length > 0);
    expect(withChoices.length).toBeGreaterThan(3);
    expect(withChoices[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(withChoices.map((c) => c.choices[0]!.delta.content ?? '').join('')).toBe(expected.content);
    expect(withChoices.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage).toEqual(expected.usage);
  });

  test('the raw SSE body is data: lines ending with data: [DONE]', async () => {
    const res = await svc.call('POST', '/v1/chat/completions', { messages: [{ role: 'user', content: 'hi there' }], stream: true });
    expect(res.headers.get('content-type')).toStartWith('text/event-stream');
    const text = await res.text();
    const events = text.split('\n\n').filter(Boolean);
    expect(events.every((e) => e.startsWith('data: '))).toBe(true);
    expect(events.at(-1)).toBe('data: [DONE]');
    expect(events.length).toBeGreaterThan(2);
  });

  test('text content parts are accepted; image parts, empty messages and bad roles are 400 INVALID_REQUEST', async () => {
    const parts = await svc.call('POST', '/v1/chat/completions', { messages: [{ role: 'user', content: [{ type: 'text', text: 'hello ' }, { type: 'text', text: 'world' }] }] });
    expect(parts.status).toBe(200);
    expect(((await body(parts)).choices as Json[])[0]!.message).toMatchObject({ content: expect.stringContaining('Request: hello world') });
    const image = await expectError(await svc.call('POST', '/v1/chat/completions', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }), 400, 'INVALID_REQUEST');
    expect((image.details as Json).field).toBe('messages[0].content[0].type');
    const empty = await expectError(await svc.call('POST', '/v1/chat/completions', { messages: [] }), 400, 'INVALID_REQUEST');
    expect((empty.details as Json).field).toBe('messages');
    const role = await expectError(await svc.call('POST', '/v1/chat/completions', { messages: [{ role: 'robot', content: 'x' }] }), 400, 'INVALID_REQUEST');
    expect((role.details as Json).allowed).toEqual(['system', 'developer', 'user', 'assistant', 'tool']);
  });

  test('the openai SDK surfaces a validation failure as a 400 with the ccc error code', async () => {
    const e = (await client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'x' }], temperature: 5 }).catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect(e.status).toBe(400);
    expect(e.code).toBe('INVALID_REQUEST');
  });
});
