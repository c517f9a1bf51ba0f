import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import type { TestService } from '../../helpers.ts';
import { addTurn, bearer, body, newSession, startCcc, startConversation, type Json, type Session } from './helpers.ts';
import { fakeUpstream, systemOf, type Upstream } from './upstream.ts';

/** The v2 request fields the SDK does not know; sent through as body extras. */
interface V2Extras {
  session_id?: string;
  conversation_id?: string;
  agent?: 'beatrice' | 'codey';
  covenant?: boolean;
  memory_options?: { use_context?: boolean; context_depth?: number; include_agent_state?: boolean; auto_store_response?: boolean; relevance_threshold?: number };
}
interface MemoryMetadata {
  context_used: boolean;
  relevant_conversations: number;
  agent_state_applied: boolean;
  turn_stored: boolean;
  turn_id: string | null;
  conversation_id: string | null;
  user_turn_id: string | null;
  turn_ids: string[];
}
type V2Reply = ChatCompletion & {
  choices: (ChatCompletion['choices'][number] & { message: { agent: string } })[];
  memory_metadata: MemoryMetadata;
  covenant_cycle?: { step: string; agent: string; content: string; turn_id: string | null }[];
};
type V2Chunk = ChatCompletionChunk & { memory_metadata?: MemoryMetadata; covenant_step?: string; choices: (ChatCompletionChunk['choices'][number] & { delta: { agent?: string } })[] };

let svc: TestService;

const v2 = (s: Session): OpenAI => new OpenAI({ baseURL: `${svc.url}/v2`, apiKey: s.token, maxRetries: 0 });

async function complete(s: Session, params: ChatCompletionCreateParamsNonStreaming & V2Extras): Promise<V2Reply> {
  return (await v2(s).chat.completions.create(params)) as V2Reply;
}

async function streamed(s: Session, params: ChatCompletionCreateParamsStreaming & V2Extras): Promise<V2Chunk[]> {
  const out: V2Chunk[] = [];
  for await (const c of await v2(s).chat.completions.create(params)) out.push(c as V2Chunk);
  return out;
}

const history = async (s: Session, conv: string): Promise<Json[]> =>
  (await body(await svc.call('GET', `/api/v2/conversations/${conv}`, undefined, bearer(s.token)))).turns as Json[];

beforeAll(async () => {
  svc = await startCcc();
});
afterAll(() => svc.stop());

describe('memory-enhanced chat completions with the local provider', () => {
  test('the spec example: reply with agent and memory_metadata, the reply stored as a turn of the conversation', async () => {
    const s = await newSession(svc);
    await startConversation(svc, s, 'Create a Python function for Fibonacci numbers', { use_context: false });
    const conv = await startConversation(svc, s, 'Create a Python function to calculate Fibonacci numbers', { use_context: false });
    const r = await complete(s, {
      session_id: s.id, conversation_id: conv.conversation_id as string, model: 'gpt-4',
      messages: [{ role: 'user', content: 'Create a Python function to calculate Fibonacci numbers' }],
      temperature: 0.7, max_tokens: 1000,
      memory_options: { use_context: true, context_depth: 5, include_agent_state: true, auto_store_response: true },
    });
    expect(r.id).toMatch(/^chatcmpl-/);
    expect(r.object).toBe('chat.completion');
    expect(r.model).toBe('local-deterministic');
    expect(r.choices.length).toBe(1);
    expect(r.choices[0]!.message.role).toBe('assistant');
    expect(r.choices[0]!.message.agent).toBe('beatrice');
    expect(r.choices[0]!.message.content).toContain('Request: Create a Python function to calculate Fibonacci numbers');
    expect(r.choices[0]!.finish_reason).toBe('stop');
    expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens);
    const m = r.memory_metadata;
    expect(m.turn_id).toMatch(/^turn_[0-9a-f]{16}$/);
    expect({ ...m, turn_id: 'x', turn_ids: [] }).toEqual({
      context_used: true, relevant_conversations: 1, agent_state_applied: true, turn_stored: true, turn_id: 'x',
      conversation_id: conv.conversation_id as string, user_turn_id: null, turn_ids: [],
    });
    const turns = await history(s, conv.conversation_id as string);
    // The message equals the directive (turn 1), so only the reply is added.
    expect(turns.map((t) => [t.turn_number, t.agent])).toEqual([[1, 'wykeve'], [2, 'beatrice']]);
    expect(turns[1]!.turn_id).toBe(m.turn_id!);
    expect(turns[1]!.content).toBe(r.choices[0]!.message.content!);
    expect(turns[1]!.metadata).toMatchObject({ model: 'local-deterministic', provider: 'local', temperature: 0.7, max_tokens: 1000, prompt_tokens: r.usage!.prompt_tokens, finish_reason: 'stop', context_used: true });
    expect(typeof (turns[1]!.metadata as Json).response_time_ms).toBe('number');
  });

  test('a new user message is stored as a wykeve turn before the reply; without a conversation id a conversation is started', async () => {
    const s = await newSession(svc);
    const r = await complete(s, { model: 'gpt-4', messages: [{ role: 'user', content: 'Write a haiku about memory' }], agent: 'codey' });
    const m = r.memory_metadata;
    expect(r.choices[0]!.message.agent).toBe('codey');
    expect(m.conversation_id).toMatch(/^conv_/);
    const turns = await history(s, m.conversation_id!);
    expect(turns.map((t) => [t.agent, t.content])).toEqual([['wykeve', 'Write a haiku about memory'], ['codey', r.choices[0]!.message.content]]);
    expect([turns[0]!.turn_id, turns[1]!.turn_id]).toEqual([m.user_turn_id, m.turn_id]);
    const next = await complete(s, { model: 'gpt-4', conversation_id: m.conversation_id!, messages: [{ role: 'user', content: 'Now one about forgetting' }] });
    expect(next.memory_metadata.user_turn_id).not.toBeNull();
    expect((await history(s, m.conversation_id!)).map((t) => t.agent)).toEqual(['wykeve', 'codey', 'wykeve', 'beatrice']);
  });

  test('auto_store_response false stores nothing and says so', async () => {
    const s = await newSession(svc);
    const conv = await startConversation(svc, s, 'keep this short', { use_context: false });
    const r = await complete(s, { model: 'm', conversation_id: conv.conversation_id as string, messages: [{ role: 'user', content: 'a different question' }], memory_options: { auto_store_response: false } });
    expect([r.memory_metadata.turn_stored, r.memory_metadata.turn_id, r.memory_metadata.turn_ids]).toEqual([false, null, []]);
    expect((await history(s, conv.conversation_id as string)).length).toBe(1);
  });

  test('streaming on v2 through the openai SDK: agent on every delta, memory_metadata on the last chunk, the reply stored', async () => {
    const s = await newSession(svc);
    const conv = await startConversation(svc, s, 'Stream a plan for a web scraper', { use_context: false });
    const chunks = await streamed(s, { model: 'gpt-4', conversation_id: conv.conversation_id as string, messages: [{ role: 'user', content: 'Stream a plan for a web scraper' }], stream: true, stream_options: { include_usage: true } });
    const deltas = chunks.filter((c) => c.choices.length && c.choices[0]!.delta.content !== undefined);
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.every((c) => c.choices[0]!.delta.agent === 'beatrice')).toBe(true);
    const text = deltas.map((c) => c.choices[0]!.delta.content).join('');
    const final = chunks.find((c) => c.memory_metadata)!;
    expect(final.choices[0]!.finish_reason).toBe('stop');
    expect(final.memory_metadata!.turn_stored).toBe(true);
    expect(chunks.at(-1)!.usage!.total_tokens).toBeGreaterThan(0);
    const turns = await history(s, conv.conversation_id as string);
    expect(turns.at(-1)!.turn_id).toBe(final.memory_metadata!.turn_id!);
    expect(turns.at(-1)!.content).toBe(text);
  });
});

describe('the covenant cycle', () => {
  test('covenant: true runs analysis, execution and review, stores three turns in order and completes the conversation', async () => {
    const s = await newSession(svc);
    const conv = await startConversation(svc, s, 'Create a Python function to calculate Fibonacci numbers', { use_context: false });
    const r = await complete(s, { model: 'gpt-4', conversation_id: conv.conversation_id as string, covenant: true, messages: [{ role: 'user', content: 'Create a Python function to calculate Fibonacci numbers' }] });
    const cycle = r.covenant_cycle!;
    expect(cycle.map((c) => [c.step, c.agent])).toEqual([['analysis', 'beatrice'], ['execution', 'codey'], ['review', 'beatrice']]);
    // Each step sees the earlier ones: the execution prompt carries the analysis, the review both.
    expect(cycle[1]!.content).toContain("Beatrice's analysis:");
    expect(cycle[2]!.content).toContain('Your analysis:');
    expect(r.choices[0]!.message.agent).toBe('beatrice');
    expect(r.choices[0]!.message.content).toBe(cycle[2]!.content);
    expect(r.memory_metadata.turn_ids).toEqual(cycle.map((c) => c.turn_id!));
    const turns = await history(s, conv.conversation_id as string);
    expect(turns.map((t) => [t.turn_number, t.agent, (t.metadata as Json).covenant_step ?? null])).toEqual([
      [1, 'wykeve', null], [2, 'beatrice', 'analysis'], [3, 'codey', 'execution'], [4, 'beatrice', 'review'],
    ]);
    expect(turns.slice(1).map((t) => t.content)).toEqual(cycle.map((c) => c.content));
    const conversation = await body(await svc.call('GET', `/api/v2/conversations/${conv.conversation_id}`, undefined, bearer(s.token)));
    expect(conversation.status).toBe('completed');
    // Usage is the sum of the three calls.
    expect(r.usage!.total_tokens).toBe(cycle.reduce((n, c) => n + (c as unknown as { usage: { total_tokens: number } }).usage.total_tokens, 0));
  });

  test('a streamed covenant tags each chunk with its step and agent, in cycle order', async () => {
    const s = await newSession(svc);
    const chunks = await streamed(s, { model: 'gpt-4', covenant: true, messages: [{ role: 'user', content: 'Sort a list of numbers' }], stream: true });
    const steps: string[] = [];
    for (const c of chunks) if (c.covenant_step && c.choices[0]?.delta.content !== undefined && steps.at(-1) !== `${c.covenant_step}/${c.choices[0]!.delta.agent}`) steps.push(`${c.covenant_step}/${c.choices[0]!.delta.agent}`);
    expect(steps).toEqual(['analysis/beatrice', 'execution/codey', 'review/beatrice']);
    const final = chunks.find((c) => c.memory_metadata)!;
    expect(final.memory_metadata!.turn_ids.length).toBe(3);
    const turns = await history(s, final.memory_metadata!.conversation_id!);
    expect(turns.map((t) => t.agent)).toEqual(['wykeve', 'beatrice', 'codey', 'beatrice']);
  });
});

describe('what a real model is sent (OpenAI-compatible upstream)', () => {
  let up: Upstream;
  let svcUp: TestService;

  beforeAll(async () => {
    up = fakeUpstream();
    svcUp = await startCcc({ configure: (cfg) => void Object.assign(cfg.llm, { provider: 'openai', baseUrl: up.url, apiKey: 'k', model: 'configured-model' }) });
  });
  afterAll(async () => {
    await svcUp.stop();
    up.stop();
  });

  const client = (s: Session) => new OpenAI({ baseURL: `${svcUp.url}/v2`, apiKey: s.token, maxRetries: 0 });

  test('relevant earlier work, the current conversation and the agent state go into the system prompt', async () => {
    const s = await newSession(svcUp);
    const post = (p: string, b: Json) => svcUp.call('POST', p, b, bearer(s.token));
    const old = await body(await post('/api/v2/conversations', { directive: 'Write a python function for fibonacci numbers', use_context: false }));
    await post(`/api/v2/conversations/${old.conversation_id}/turns`, { agent: 'codey', content: 'def fib(n) with memoization in python' });
    await post(`/api/v2/conversations/${old.conversation_id}/turns`, { agent: 'wykeve', content: 'Great, please explain step by step next time.' });
    const conv = await body(await post('/api/v2/conversations', { directive: 'Write a python function for fibonacci numbers fast', use_context: false }));
    // The codey turn holds 1 of the message's 6 terms: a threshold of 0.15 lets it in (the default 0.7 would not).
    const r = (await client(s).chat.completions.create({
      model: 'gpt-4', conversation_id: conv.conversation_id as string, messages: [{ role: 'user', content: 'Write a python function for fibonacci numbers fast' }],
      memory_options: { relevance_threshold: 0.15 },
    } as ChatCompletionCreateParamsNonStreaming & V2Extras)) as V2Reply;
    expect(r.model).toBe('upstream-model-1');
    expect(r.choices[0]!.message.content).toBe('Upstream reply number 1.');
    const sys = systemOf(up.seen.at(-1)!);
    expect(sys).toStartWith('You are Beatrice, the Supervisor');
    expect(sys).toContain('Learned about the user: User prefers step-by-step explanations (confidence 0.33)');
    expect(sys).toContain('Relevant earlier conversations:');
    expect(sys).toContain('Discussion of "Write a python function for fibonacci numbers"');
    expect(sys).toContain('Relevant earlier turns:\n- (0.17) codey, on "Write a python function for fibonacci numbers": def fib(n) with memoization in python');
    // The earlier conversation's directive turn is not repeated as a turn: its summary is already there.
    expect(sys).not.toContain('wykeve, on "Write a python function for fibonacci numbers"');
    expect(sys).toContain('This conversation so far:\n- wykeve: Write a python function for fibonacci numbers fast');
    expect(r.memory_metadata.relevant_conversations).toBe(1);
    // The client's own messages follow ours unchanged.
    expect((up.seen.at(-1)!.messages as Json[]).slice(1)).toEqual([{ role: 'user', content: 'Write a python function for fibonacci numbers fast' }]);
    expect(up.seen.at(-1)!.model).toBe('configured-model');
  });

  test('use_context and include_agent_state off leave memory and state out of the prompt', async () => {
    const s = await newSession(svcUp);
    await client(s).chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hello' }], memory_options: { use_context: false, include_agent_state: false } } as ChatCompletionCreateParamsNonStreaming & V2Extras);
    const sys = systemOf(up.seen.at(-1)!);
    expect(sys).not.toContain('Your state in this session');
    expect(sys).not.toContain('Memory from earlier work');
  });

  test('streaming on v2 proxies the upstream stream and stores what it said', async () => {
    const s = await newSession(svcUp);
    const out: V2Chunk[] = [];
    for await (const c of await client(s).chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'stream please' }], stream: true } as ChatCompletionCreateParamsStreaming & V2Extras)) out.push(c as V2Chunk);
    expect(up.seen.at(-1)!.stream).toBe(true);
    const text = out.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(`Upstream reply number ${up.seen.length}.`);
    const meta = out.find((c) => c.memory_metadata)!.memory_metadata!;
    expect((await body(await svcUp.call('GET', `/api/v2/conversations/${meta.conversation_id}`, undefined, bearer(s.token)))).turns).toMatchObject([{ agent: 'wykeve' }, { agent: 'beatrice', content: text }]);
  });
});
