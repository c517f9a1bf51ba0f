import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { openSocket, startBus, type Bus } from '../bus.ts';

let bus: Bus;
beforeAll(async () => {
  bus = await startBus({ analytics: { maxRows: 50, runners: 1, metricsIntervalMs: 200 } });
});
afterAll(async () => {
  await bus.stop();
});

type Result = { columns: string[]; rows: unknown[][]; row_count: number; truncated: boolean; max_rows: number; elapsed_ms: number; as_of_sequence: number; head_sequence: number };
const query = async (sql: string, extra: Record<string, unknown> = {}): Promise<{ status: number; body: Result & { error?: { code: string; message: string; details: Record<string, unknown> } } }> => {
  const r = await bus.call('POST', '/api/v1/query', { sql, ...extra });
  return { status: r.status, body: (await r.json()) as Result & { error?: { code: string; message: string; details: Record<string, unknown> } } };
};

async function post(events: Record<string, unknown>[]): Promise<number> {
  const r = await bus.call('POST', '/api/v1/events/batch', { source: 'BalatroMCP', events });
  return ((await r.json()) as { last_sequence: number }).last_sequence;
}

async function caughtUp(seq: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (((await bus.health()).components as { analytics: { position: number } }).analytics.position < seq) {
    if (Date.now() > deadline) throw new Error('analytics did not catch up');
    await Bun.sleep(10);
  }
}

const gs = (game: string, ante: number, extra: Record<string, unknown> = {}) => ({ type: 'GAME_STATE', payload: { game_id: game, ante, round: ante * 3, chips: 100 * ante, money: 10 + ante, jokers: [{ name: 'Joker' }, { name: 'Blueprint' }], game_state: 'SELECTING_HAND', ...extra } });

describe('analytics tables from the bus', () => {
  test('events by type per game over the event index, and the derived games, rounds, decisions and metrics tables', async () => {
    const seq = await post([
      gs('A', 1), gs('A', 2), { type: 'HAND_PLAYED', payload: { game_id: 'A', hands_remaining: 2 } }, { type: 'ROUND_COMPLETE', payload: { game_id: 'A', ante: 2, round: 6, score: 450, money: 14 } },
      gs('B', 1), { type: 'ROUND_COMPLETE', payload: { game_id: 'B', ante: 1, round: 1, score: 120, money: 8 } }, gs('B', 1, { game_state: 'GAME_OVER' }),
      { type: 'LEARNING_DECISION', subtype: 'REQUEST', payload: { request_id: 'r1', game_id: 'A', available_actions: ['play_hand', 'discard'], time_limit_ms: 50 } },
      { type: 'LEARNING_DECISION', subtype: 'RESPONSE', payload: { request_id: 'r1', game_id: 'A', selected_action: 'discard', confidence: 0.75, strategy_name: 'learned:policy-v1', used_llm: false } },
    ]);
    // A batch of its own: events that name no game take the first game named in their batch.
    await caughtUp(Math.max(seq, await post([
      { type: 'METRIC', subtype: 'fps', payload: { name: 'frame_rate', value: 59.5, labels: { scene: 'shop' } } },
      { type: 'METRIC', subtype: 'memory', payload: { heap_mb: 120, textures_mb: 33, scene: 'shop' } },
      { type: 'HEARTBEAT', payload: {} },
    ])));
    const byType = await query("SELECT game_id, type, count(*) AS n FROM events WHERE game_id IN ('A', 'B') GROUP BY game_id, type ORDER BY game_id, type");
    expect(byType.status).toBe(200);
    expect(byType.body.columns).toEqual(['game_id', 'type', 'n']);
    expect(byType.body.rows).toEqual([['A', 'GAME_STATE', 2], ['A', 'HAND_PLAYED', 1], ['A', 'LEARNING_DECISION', 2], ['A', 'ROUND_COMPLETE', 1], ['B', 'GAME_STATE', 2], ['B', 'ROUND_COMPLETE', 1]]);
    expect(byType.body).toMatchObject({ row_count: 6, truncated: false, max_rows: 50 });
    expect(byType.body.as_of_sequence).toBeGreaterThanOrEqual(seq);
    const games = await query('SELECT game_id, source, max_ante, max_round, last_chips, last_money, jokers, state, events, decisions, rounds, total_score, ended FROM games ORDER BY game_id');
    expect(games.body.rows).toEqual([
      ['A', 'BalatroMCP', 2, 6, 200, 12, '["Joker","Blueprint"]', 'SELECTING_HAND', 6, 1, 1, 450, 0],
      ['B', 'BalatroMCP', 1, 3, 100, 11, '["Joker","Blueprint"]', 'GAME_OVER', 3, 0, 1, 120, 1],
    ]);
    const rounds = await query('SELECT game_id, ante, round, score, money FROM rounds ORDER BY seq');
    expect(rounds.body.rows).toEqual([['A', 2, 6, 450, 14], ['B', 1, 1, 120, 8]]);
    const decisions = await query("SELECT game_id, request_id, kind, selected_action, confidence, strategy_name, used_llm, available_actions, time_limit_ms FROM decisions WHERE request_id = 'r1' ORDER BY seq");
    expect(decisions.body.rows).toEqual([['A', 'r1', 'request', null, null, null, null, '["play_hand","discard"]', 50], ['A', 'r1', 'response', 'discard', 0.75, 'learned:policy-v1', 0, null, null]]);
    const metrics = await query("SELECT name, value, labels, topic FROM metrics WHERE topic IN ('metrics.fps', 'metrics.memory') ORDER BY name");
    expect(metrics.body.rows).toEqual([['frame_rate', 59.5, '{"scene":"shop"}', 'metrics.fps'], ['memory.heap_mb', 120, '{"scene":"shop"}', 'metrics.memory'], ['memory.textures_mb', 33, '{"scene":"shop"}', 'metrics.memory']]);
  });

  test('the row cap truncates and says so; params bind; plain-text SQL works', async () => {
    const r = await query('WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 100) SELECT x FROM n', { max_rows: 5 });
    expect(r.body).toMatchObject({ rows: [[1], [2], [3], [4], [5]], row_count: 5, truncated: true, max_rows: 5 });
    const p = await query('SELECT ? + ? AS s, :ignored', { params: [2, 3] });
    expect(p.status).toBe(400);
    const q = await query('SELECT ?1 + ?2 AS s', { params: [2, 3] });
    expect(q.body.rows).toEqual([[5]]);
    const t = await bus.call('POST', '/api/v1/query', 'SELECT 40 + 2 AS answer', { 'Content-Type': 'text/plain' });
    expect(((await t.json()) as Result).rows).toEqual([[42]]);
  });
});

describe('analytics bad input: 400 with the reason, nothing changes', () => {
  test('several statements, writes, ATTACH, PRAGMA and load_extension are refused before they run', async () => {
    const count = async () => (await query('SELECT count(*) FROM events')).body.rows[0]![0];
    const before = await count();
    const cases: [string, string][] = [
      ['SELECT 1; DELETE FROM events', 'multiple_statements'],
      ['DELETE FROM events', 'not_a_select'],
      ['UPDATE games SET ended = 1', 'not_a_select'],
      ["ATTACH DATABASE 'other.sqlite' AS o", 'not_a_select'],
      ['PRAGMA query_only = OFF', 'not_a_select'],
      ["SELECT load_extension('x')", 'forbidden_function'],
      ['WITH x AS (SELECT 1) INSERT INTO events SELECT * FROM events', 'forbidden_keyword'],
    ];
    for (const [sql, reason] of cases) {
      const r = await query(sql);
      expect({ sql, status: r.status, code: r.body.error?.code, reason: r.body.error?.details.reason }).toEqual({ sql, status: 400, code: 'QUERY_REJECTED', reason });
    }
    const syntax = await query('SELECT FROM WHERE');
    expect([syntax.status, syntax.body.error?.code]).toEqual([400, 'QUERY_FAILED']);
    expect(syntax.body.error?.message).toContain('syntax error');
    const missing = await query('SELECT * FROM passwords');
    expect(missing.body.error?.message).toContain('no such table: passwords');
    expect((await query('SELECT 1', { max_rows: 51 })).status).toBe(400);
    expect((await bus.call('POST', '/api/v1/query', '{"sql": ')).status).toBe(400);
    expect(await count()).toBe(before);
  });

  test('a huge recursive CTE is stopped at its time limit while the server keeps answering, and the next query runs', async () => {
    const t0 = performance.now();
    const slow = query('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c', { timeout_ms: 300 });
    await Bun.sleep(50);
    const h0 = performance.now();
    const health = await bus.call('GET', '/api/v1/events/health');
    const healthMs = performance.now() - h0;
    expect(health.status).toBe(200);
    expect(healthMs).toBeLessThan(300);
    const r = await slow;
    expect(r.status).toBe(408);
    expect(r.body.error).toMatchObject({ code: 'QUERY_TIMEOUT', message: 'the query ran past its 300 ms time limit and was stopped', details: { timeout_ms: 300 } });
    expect(performance.now() - t0).toBeLessThan(3000);
    expect((await query('SELECT 7')).body.rows).toEqual([[7]]);
    expect((((await bus.health()).components as { analytics: { queries: { killed: number } } }).analytics.queries.killed)).toBe(1);
  });
});

describe('WS /ws/metrics', () => {
  test('streams per-second figures: events/s by type, decisions/s, p99s', async () => {
    const sock = await openSocket(`${bus.url.replace('http', 'ws')}/ws/metrics`);
    await sock.next('welcome');
    await post([{ type: 'HEARTBEAT', payload: {} }, { type: 'HEARTBEAT', payload: {} }]);
    await bus.call('POST', '/api/v1/decisions', { available_actions: ['play_hand'] });
    let frame: Record<string, unknown> = {};
    for (let i = 0; i < 10; i++) {
      frame = await sock.next('metrics', 2500);
      if (((frame.events_per_s as { by_type: Record<string, number> }).by_type.HEARTBEAT ?? 0) > 0) break;
    }
    expect(frame).toMatchObject({ type: 'metrics', interval_ms: 200 });
    expect((frame.events_per_s as { by_type: Record<string, number>; total: number }).by_type.HEARTBEAT).toBeGreaterThanOrEqual(1);
    expect(Object.keys(frame.p99_ms as object).sort()).toEqual(['advisor', 'decisions', 'graphql', 'graphql_mutation', 'ingest_commit', 'query', 'resources']);
    sock.ws.close();
  });
});
