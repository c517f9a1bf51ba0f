import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { HotloopConfig } from '../../../../src/config.ts';
import { allEvents, startBus, type Bus, type View } from '../bus.ts';
import { eventually } from '../component-clients.ts';
import { ADVICE, fakeLlm, type FakeLlm } from './fake-llm.ts';

const STATE = { game_id: 'adv-game', ante: 2, money: 12, game_state: 'SELECTING_HAND', jokers: [{ name: 'Jolly Joker' }, { name: 'The Duo' }], hand: [{ rank: 'King', suit: 'Spades' }, { rank: 'King', suit: 'Hearts' }], hands_remaining: 3, discards_remaining: 2 };

const openai = (fake: FakeLlm) => (cfg: HotloopConfig) => {
  cfg.llm = { provider: 'openai', baseUrl: fake.baseUrl, apiKey: 'test-key', model: 'fake-advisor', embeddingModel: 'none', timeoutMs: 30_000 };
};

async function request(bus: Bus, payload: Record<string, unknown>): Promise<number> {
  const r = await bus.call('POST', '/api/v1/events', { type: 'STRATEGY_REQUEST', source: 'bot', payload });
  return ((await r.json()) as { sequence: number }).sequence;
}

async function responseTo(bus: Bus, requestId: string, timeoutMs = 6000): Promise<View> {
  return eventually(async () => (await allEvents(bus, 'topic=strategy.response')).find((e) => (e.event.payload as { request_id?: string }).request_id === requestId), timeoutMs, `response to ${requestId}`);
}

type Payload = { request_id: string; strategy: { name: string; reasoning: string; recommended_action: string | null; priority_jokers: string[]; confidence: number }; cached: boolean; fallback: boolean; fallback_reason: string | null; provider: string; model: string; signature: string; latency_ms: number; llm_reply: string | null; game_id: string | null };

describe('advisor with the offline provider (default)', () => {
  test('a STRATEGY_REQUEST is answered on the bus with the heuristic strategy, marked as a fallback', async () => {
    const bus = await startBus();
    try {
      const seq = await request(bus, { request_id: 'off-1', game_state: STATE, available_actions: ['play_hand', 'discard'] });
      const r = await responseTo(bus, 'off-1');
      const req = (await bus.history(`after=${seq - 1}&limit=1`)).events[0]!;
      expect(r.event).toMatchObject({ type: 'STRATEGY_RESPONSE', source: 'claude_advisor', correlation_id: req.event.event_id });
      const p = r.event.payload as Payload;
      expect(p).toMatchObject({ request_id: 'off-1', game_id: 'adv-game', cached: false, fallback: true, fallback_reason: 'offline_provider', provider: 'heuristic', model: 'local-deterministic' });
      expect(p.strategy).toEqual({ name: 'Pair Build', reasoning: '2 of the held jokers (jolly joker, the duo) support Pair Build.', recommended_action: 'play_hand', priority_jokers: ['jolly joker', 'the duo'], confidence: 0.5 });
      expect(p.llm_reply).toContain('[local provider');
      expect(r.received_at - req.received_at).toBeLessThan(5000);
    } finally {
      await bus.stop();
    }
  });
});

describe('advisor with an OpenAI-compatible endpoint', () => {
  let fake: FakeLlm;
  let bus: Bus;
  beforeAll(async () => {
    fake = fakeLlm();
    bus = await startBus({ advisor: { timeoutMs: 450, marginMs: 200 } }, { configure: openai(fake) });
  });
  afterAll(async () => {
    await bus.stop();
    fake.stop();
  });

  test('advice from the model is published, cached by signature, and a repeat is answered from the cache', async () => {
    fake.mode = { kind: 'reply', content: `Here you go: ${ADVICE}` };
    const calls = fake.calls;
    await request(bus, { request_id: 'llm-1', game_state: STATE, available_actions: ['play_hand', 'discard'] });
    const p = (await responseTo(bus, 'llm-1')).event.payload as Payload;
    expect(p).toMatchObject({ cached: false, fallback: false, fallback_reason: null, provider: 'openai', model: 'fake-advisor', llm_reply: null });
    expect(p.strategy).toEqual({ name: 'Pair Build', reasoning: 'Jolly Joker and The Duo both pay on pairs.', recommended_action: 'play_hand', priority_jokers: ['The Duo'], confidence: 0.8 });
    await request(bus, { request_id: 'llm-2', game_state: { ...STATE, money: 14 }, available_actions: ['play_hand', 'discard'] });
    const again = (await responseTo(bus, 'llm-2')).event.payload as Payload;
    expect(again).toMatchObject({ cached: true, fallback: false, signature: p.signature, strategy: p.strategy });
    expect(fake.calls).toBe(calls + 1);
    const cache = (await (await bus.call('GET', `/api/v1/strategies/cache?signature=${p.signature}`)).json()) as { entries: { signature: string; strategy: unknown; hits: number; provider: string; model: string; fresh: boolean; expires_at: number; created_at: number }[]; size: number };
    expect(cache.entries).toHaveLength(1);
    expect(cache.entries[0]).toMatchObject({ signature: p.signature, strategy: p.strategy, hits: 1, provider: 'openai', model: 'fake-advisor', fresh: true });
    expect(cache.entries[0]!.expires_at - cache.entries[0]!.created_at).toBe(3_600_000);
  });

  test('an endpoint slower than the timeout gets the fallback in time, and an ErrorEvent', async () => {
    fake.mode = { kind: 'slow', ms: 2000, content: ADVICE };
    const seq = await request(bus, { request_id: 'slow-1', game_state: { ...STATE, ante: 5 } });
    const r = await responseTo(bus, 'slow-1');
    const req = (await bus.history(`after=${seq - 1}&limit=1`)).events[0]!;
    expect(r.received_at - req.received_at).toBeLessThan(450);
    expect(r.event.payload).toMatchObject({ fallback: true, fallback_reason: 'timeout', provider: 'heuristic' });
    const err = await eventually(async () => (await allEvents(bus, 'topic=system.error')).find((e) => (e.event.payload as { context?: { error_type?: string } }).context?.error_type === 'llm_timeout'));
    expect(err.event).toMatchObject({ type: 'ERROR', source: 'claude_advisor', payload: { source_component: 'claude_advisor', severity: 'WARNING', suggested_action: 'FALLBACK', affected_components: ['claude_advisor'] } });
  });

  test('three failures open the advisor breaker (3 / 60 s): calls stop, state shows in health and metrics, each failure is an ErrorEvent', async () => {
    // A bus of its own: the timeout above already counted one failure on this one.
    await bus.stop();
    bus = await startBus({ advisor: { timeoutMs: 600 } }, { configure: openai(fake) });
    fake.mode = { kind: 'fail', status: 500 };
    for (let i = 0; i < 3; i++) {
      await request(bus, { request_id: `fail-${i}`, game_state: { ...STATE, ante: 10 + i } });
      expect(((await responseTo(bus, `fail-${i}`)).event.payload as Payload).fallback_reason).toBe('llm_error');
    }
    const calls = fake.calls;
    await request(bus, { request_id: 'fail-3', game_state: { ...STATE, ante: 20 } });
    expect(((await responseTo(bus, 'fail-3')).event.payload as Payload).fallback_reason).toBe('circuit_open');
    expect(fake.calls).toBe(calls);
    const breakers = ((await bus.health()).components as { breakers: Record<string, { state: string; failure_threshold: number; timeout_ms: number }> }).breakers;
    expect(breakers.claude_advisor).toMatchObject({ state: 'open', failure_threshold: 3, timeout_ms: 60_000 });
    expect(breakers.knowledge_graph).toMatchObject({ state: 'closed', failure_threshold: 10, timeout_ms: 15_000 });
    expect(bus.app.metrics.render()).toContain('jimbot_circuit_breaker_state{component="claude_advisor"} 2');
    const errors = await eventually(async () => {
      const all = (await allEvents(bus, 'topic=system.error')).map((e) => e.event.payload as { severity: string; suggested_action: string; context: { error_type: string } });
      return all.filter((e) => e.context.error_type === 'llm_error').length >= 3 && all.some((e) => e.context.error_type === 'circuit_open') ? all : undefined;
    });
    expect(errors.find((e) => e.context.error_type === 'circuit_open')).toMatchObject({ severity: 'CRITICAL', suggested_action: 'CIRCUIT_BREAK' });
  });
});

describe('rate limits', () => {
  test('the token bucket refuses calls past its burst, is changed at run time, refuses bad values, and survives a restart', async () => {
    const fake = fakeLlm();
    fake.mode = { kind: 'reply', content: ADVICE };
    const bus = await startBus({}, { configure: openai(fake) });
    let dataDir = bus.dataDir;
    try {
      const get = async () => (await (await bus.call('GET', '/api/v1/config/rate_limits')).json()) as { rate_limits: Record<string, unknown>; tokens: { available: number; burst_available: number } };
      expect((await get()).rate_limits).toEqual({ capacity: 100, refill_rate: '100/hour', refill_per_hour: 100, burst_capacity: 10, burst_window_s: 60 });
      const put = await bus.call('PUT', '/api/v1/config/rate_limits', { capacity: 2, burst_capacity: 2, refill_rate: '1/hour' });
      expect(put.status).toBe(200);
      expect(((await put.json()) as { rate_limits: unknown }).rate_limits).toEqual({ capacity: 2, refill_rate: '1/hour', refill_per_hour: 1, burst_capacity: 2, burst_window_s: 60 });
      for (let i = 0; i < 3; i++) await request(bus, { request_id: `rl-${i}`, game_state: { ...STATE, ante: 30 + i } });
      const reasons = [];
      for (let i = 0; i < 3; i++) reasons.push(((await responseTo(bus, `rl-${i}`)).event.payload as Payload).fallback_reason);
      expect(reasons.sort()).toEqual([null, null, 'rate_limited'].sort() as (string | null)[]);
      const before = await get();
      const bad: [Record<string, unknown>, string][] = [
        [{ capacity: -1 }, 'capacity must be an integer from 1 to 1000000, got -1'],
        [{ refill_rate: -5 }, 'refill_rate must be a positive rate'],
        [{ refill_rate: '-3/hour' }, 'refill_rate must be a positive rate'],
        [{ burst_capacity: -2 }, 'burst_capacity must be an integer'],
        [{ burst_capacity: 5 }, 'burst_capacity (5) cannot exceed capacity (2)'],
        [{ speed: 3 }, 'unknown field "speed"'],
        [{}, 'give at least one of'],
      ];
      for (const [body, text] of bad) {
        const r = await bus.call('PUT', '/api/v1/config/rate_limits', body);
        expect({ body, status: r.status }).toEqual({ body, status: 400 });
        expect(((await r.json()) as { error: { code: string; message: string } }).error.message).toContain(text);
      }
      expect((await get()).rate_limits).toEqual(before.rate_limits);
      await bus.stop({ keepData: true });
      const again = await startBus({}, { dataDir, configure: openai(fake) });
      dataDir = '';
      try {
        expect(((await (await again.call('GET', '/api/v1/config/rate_limits')).json()) as { rate_limits: unknown }).rate_limits).toEqual(before.rate_limits);
      } finally {
        await again.stop();
      }
    } finally {
      if (dataDir) await bus.stop();
      fake.stop();
    }
  });
});

describe('advisor durability', () => {
  test('a request taken from the bus but not answered before a shutdown is answered after the restart (late: the fallback)', async () => {
    const fake = fakeLlm();
    fake.mode = { kind: 'slow', ms: 3000, content: ADVICE };
    const bus = await startBus({ advisor: { timeoutMs: 5000 } }, { configure: openai(fake) });
    await request(bus, { request_id: 'dur-1', game_state: STATE });
    await eventually(() => (fake.calls > 0 ? true : undefined));
    await bus.stop({ keepData: true });
    const again = await startBus({ advisor: { timeoutMs: 200 } }, { dataDir: bus.dataDir, configure: openai(fake) });
    try {
      const r = await responseTo(again, 'dur-1');
      expect(r.event.payload).toMatchObject({ request_id: 'dur-1', fallback: true, fallback_reason: 'timeout' });
      expect((await allEvents(again, 'topic=strategy.response')).filter((e) => (e.event.payload as { request_id: string }).request_id === 'dur-1')).toHaveLength(1);
    } finally {
      await again.stop();
      fake.stop();
    }
  });
});

describe('POST /api/v1/strategies/requests', () => {
  test('puts a STRATEGY_REQUEST on the bus and answers with the STRATEGY_RESPONSE; without waiting it is a 202', async () => {
    const bus = await startBus();
    try {
      const r = await bus.call('POST', '/api/v1/strategies/requests', { request_id: 'rest-s1', game_state: STATE, question: 'shop or not?' });
      expect(r.status).toBe(200);
      const b = (await r.json()) as { request_sequence: number; response_sequence: number; response: Payload };
      expect(b.response_sequence).toBeGreaterThan(b.request_sequence);
      expect(b.response).toMatchObject({ request_id: 'rest-s1', fallback: true, fallback_reason: 'offline_provider', strategy: { name: 'Pair Build' } });
      const q = await bus.call('POST', '/api/v1/strategies/requests', { request_id: 'rest-s2', game_state: STATE, wait: false });
      expect(q.status).toBe(202);
      expect(await q.json()).toMatchObject({ request_id: 'rest-s2', status: 'queued' });
      await responseTo(bus, 'rest-s2');
      const bad = await bus.call('POST', '/api/v1/strategies/requests', { game_state: 'ante 3' });
      expect(bad.status).toBe(400);
      // A lone surrogate cannot survive the trip through UTF-8, so its response could never be matched: refused before anything is stored.
      const before = (await allEvents(bus)).length;
      const lone = await bus.call('POST', '/api/v1/strategies/requests', { request_id: 'ab\ud83d', game_state: STATE });
      expect(lone.status).toBe(400);
      expect(((await lone.json()) as { error: { code: string; details: { field: string } } }).error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'request_id' } });
      expect((await allEvents(bus)).length).toBe(before);
    } finally {
      await bus.stop();
    }
  });
});
