import { describe, expect, test } from 'bun:test';
import { KernelFailure } from '../../src/runtime/errors.ts';
import { createLlmProvider, llmHealth, LocalProvider, TrackedProvider, type Completion, type CompletionRequest, type LlmProvider, type StreamEvent } from '../../src/runtime/llm.ts';

/** A provider whose next calls succeed or fail on command. */
class Switchable implements LlmProvider {
  readonly name = 'switchable';
  readonly model = 'm';
  failing = false;
  async complete(req: CompletionRequest): Promise<Completion> {
    if (req.signal?.aborted) throw new KernelFailure('unavailable', 'aborted by the caller');
    if (this.failing) throw new KernelFailure('unavailable', 'LLM endpoint answered 500');
    return { content: 'hi', model: 'm', provider: this.name, usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } };
  }
  async *stream(req: CompletionRequest): AsyncIterable<StreamEvent> {
    yield { type: 'delta', content: 'h' };
    if (this.failing) throw new KernelFailure('unavailable', 'LLM stream interrupted');
    yield { type: 'done', completion: await this.complete(req) };
  }
}

const msgs = [{ role: 'user' as const, content: 'x' }];
let clock = 1_000;

describe('LLM provider health', () => {
  test('is unknown before any call, ok after a success, failing with the error after a failure, ok again after the next success', async () => {
    const inner = new Switchable();
    const p = new TrackedProvider(inner, () => (clock += 10));
    expect(llmHealth(p)).toEqual({ status: 'unknown', last_error: null, last_error_at: null, last_ok_at: null, consecutive_failures: 0 });
    await p.complete({ messages: msgs });
    expect(llmHealth(p)).toMatchObject({ status: 'ok', last_error: null, consecutive_failures: 0 });
    inner.failing = true;
    await expect(p.complete({ messages: msgs })).rejects.toThrow('answered 500');
    await expect(p.complete({ messages: msgs })).rejects.toThrow('answered 500');
    const failing = llmHealth(p);
    expect(failing).toMatchObject({ status: 'failing', last_error: 'LLM endpoint answered 500', consecutive_failures: 2 });
    expect(failing.last_error_at).toBeGreaterThan(failing.last_ok_at!);
    inner.failing = false;
    await p.complete({ messages: msgs });
    expect(llmHealth(p)).toMatchObject({ status: 'ok', last_error: 'LLM endpoint answered 500', consecutive_failures: 0 });
  });

  test('streams count when they finish or break; a call the caller aborted counts as neither', async () => {
    const inner = new Switchable();
    const p = new TrackedProvider(inner);
    inner.failing = true;
    const events: string[] = [];
    await expect((async () => { for await (const e of p.stream!({ messages: msgs })) events.push(e.type); })()).rejects.toThrow('interrupted');
    expect(events).toEqual(['delta']);
    expect(llmHealth(p).status).toBe('failing');
    inner.failing = false;
    for await (const e of p.stream!({ messages: msgs })) events.push(e.type);
    expect(llmHealth(p).status).toBe('ok');
    const ac = new AbortController();
    ac.abort();
    await expect(p.complete({ messages: msgs, signal: ac.signal })).rejects.toThrow('aborted');
    expect(llmHealth(p)).toMatchObject({ status: 'ok', consecutive_failures: 0 });
  });

  test('providers from the configuration are tracked and keep their name, model and capabilities', async () => {
    const local = createLlmProvider({ provider: 'local', baseUrl: '', apiKey: '', model: 'x', embeddingModel: 'e', timeoutMs: 1000 });
    expect([local.name, local.model, local.stream !== undefined, local.embed === undefined]).toEqual(['local', 'local-deterministic', true, true]);
    await local.complete({ messages: msgs });
    expect(llmHealth(local).status).toBe('ok');
    const openai = createLlmProvider({ provider: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKey: '', model: 'gpt-x', embeddingModel: 'e', timeoutMs: 1000 });
    expect([openai.name, openai.model, openai.embed !== undefined]).toEqual(['openai', 'gpt-x', true]);
    expect(llmHealth(new LocalProvider()).status).toBe('unknown');
  });
});
