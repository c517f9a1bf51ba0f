import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startBus, type Bus } from '../bus.ts';
import { gql, JOKER_SYNERGIES } from './games.ts';

let bus: Bus;
beforeAll(async () => {
  bus = await startBus({ knowledge: { maxDepth: 6, maxComplexity: 500 } });
});
afterAll(async () => {
  await bus.stop();
});

type Errors = { errors: { message: string; extensions?: { code?: string; [k: string]: unknown }; locations?: { line: number; column: number }[] }[]; data?: unknown };
const head = async (): Promise<number> => (await bus.history('limit=1')).head_sequence;

describe('GraphQL bad input: GraphQL error format, never a 500, nothing changes', () => {
  test('a syntax error is a 400 with the location', async () => {
    const r = await bus.call('POST', '/graphql', { query: '{ joker(name: "Joker") { name ' });
    expect(r.status).toBe(400);
    const b = (await r.json()) as Errors;
    expect(b.data).toBeUndefined();
    expect(b.errors[0]!.message).toStartWith('Syntax Error:');
    expect(b.errors[0]!.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(b.errors[0]!.locations?.[0]).toEqual({ line: 1, column: 31 });
  });

  test('unknown fields and arguments are 400 validation errors naming them', async () => {
    const r = await gql(bus, '{ joker(name: "Joker") { name power } }');
    expect(r.status).toBe(400);
    expect(r.body.errors![0]).toMatchObject({ message: 'Cannot query field "power" on type "Joker".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    const arg = await gql(bus, '{ joker(nom: "Joker") { name } }');
    expect(arg.status).toBe(400);
    expect(arg.body.errors!.map((e) => e.message)).toContain('Unknown argument "nom" on field "Query.joker". Did you mean "name"?');
  });

  test('an over-deep query is refused before it runs', async () => {
    const deep = '{ joker(name: "Joker") { synergies { target { synergies { target { synergies { target { synergies { target { name } } } } } } } } } }';
    const r = await gql(bus, deep);
    expect(r.status).toBe(400);
    expect(r.body.errors![0]).toMatchObject({ extensions: { code: 'QUERY_TOO_DEEP', depth: 10, max_depth: 6 } });
  });

  test('an over-complex query is refused, counting list limits', async () => {
    const r = await gql(bus, '{ jokers(limit: 500) { name synergies(limit: 100) { strength } } }');
    expect(r.status).toBe(400);
    expect(r.body.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', max_complexity: 500 });
    expect(r.body.errors![0]!.extensions!.complexity).toBe(1 + 500 * (1 + 1 + 100 * 1));
  });

  test('malformed JSON, a missing query, wrong variable types and bad limits are GraphQL-shaped errors', async () => {
    const cases: [Response, number, string][] = [
      [await bus.call('POST', '/graphql', '{"query": '), 400, 'BAD_REQUEST'],
      [await bus.call('POST', '/graphql', {}), 400, 'BAD_REQUEST'],
      [await bus.call('POST', '/graphql', { query: JOKER_SYNERGIES, variables: { jokerName: 7 } }), 400, ''],
      [await bus.call('POST', '/graphql', { query: JOKER_SYNERGIES }), 400, ''],
      [await bus.call('POST', '/graphql', { query: JOKER_SYNERGIES, variables: [1] }), 400, 'BAD_REQUEST'],
      [await bus.call('POST', '/graphql', 'query', { 'Content-Type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [await fetch(`${bus.url}/graphql`), 400, 'BAD_REQUEST'],
      [await fetch(`${bus.url}/graphql?query=${encodeURIComponent('mutation { update_knowledge(input: {strategies: [{name: "x"}]}) { applied } }')}`), 405, 'METHOD_NOT_ALLOWED'],
    ];
    for (const [r, status, code] of cases) {
      expect(r.status).toBe(status);
      const b = (await r.json()) as Errors;
      expect(Array.isArray(b.errors) && b.errors.length > 0 && typeof b.errors[0]!.message === 'string').toBe(true);
      if (code) expect(b.errors[0]!.extensions?.code).toBe(code);
    }
    const lim = await gql(bus, '{ jokers(limit: -1) { name } }');
    expect(lim.status).toBe(200);
    expect(lim.body).toEqual({ data: null, errors: [{ message: 'limit must be an integer from 0 to 500, got -1', locations: [{ line: 1, column: 3 }], path: ['jokers'], extensions: { code: 'BAD_USER_INPUT', argument: 'limit' } }] });
  });

  test('a refused mutation publishes nothing and says why', async () => {
    const before = await head();
    const r = await gql(bus, 'mutation { update_knowledge(input: {synergies: [{source: "Joker", target: "Nobody", strength: 2}]}) { applied } }');
    expect(r.status).toBe(200);
    expect(r.body.data).toBeNull();
    expect(r.body.errors![0]!.message).toBe('the update was refused: synergies[0].target: unknown joker "Nobody"; synergies[0].strength must be a number from 0 to 1');
    const empty = await gql(bus, 'mutation { update_knowledge(input: {}) { applied } }');
    expect(empty.body.errors![0]!.message).toContain('the update changes nothing');
    expect(await head()).toBe(before);
  });
});

describe('GraphQL limits', () => {
  test('GET runs queries the same as POST', async () => {
    const r = await fetch(`${bus.url}/graphql?query=${encodeURIComponent(JOKER_SYNERGIES)}&variables=${encodeURIComponent(JSON.stringify({ jokerName: 'Joker' }))}`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ data: { joker: { synergies: [] } } });
  });

  test('a query past its timeout stops with a TIMEOUT error (a 0 ms budget here)', async () => {
    const b = await startBus({ knowledge: { queryTimeoutMs: 0 } });
    try {
      const r = await gql(b, '{ jokers(limit: 5) { name } }');
      expect(r.status).toBe(200);
      expect(r.body.data).toBeNull();
      expect(r.body.errors![0]).toMatchObject({ message: 'the operation ran past its 0 ms timeout and was stopped', extensions: { code: 'TIMEOUT', timeout_ms: 0 } });
      const h = (await b.health()).components as { knowledge: { timeouts: number } };
      expect(h.knowledge.timeouts).toBe(1);
    } finally {
      await b.stop();
    }
  });

  test('operations beyond the concurrency limit are refused with 503 while others run', async () => {
    const b = await startBus({ knowledge: { maxConcurrent: 1 } });
    try {
      const m = (i: number) => b.call('POST', '/graphql', { query: `mutation { update_knowledge(input: {strategies: [{name: "s${i}"}]}) { applied } }` });
      const statuses = (await Promise.all([0, 1, 2, 3, 4, 5].map(m))).map((r) => r.status);
      expect(statuses).toContain(200);
      expect(statuses).toContain(503);
      const refused = await Promise.all([0, 1, 2, 3, 4, 5].map(m));
      const one = refused.find((r) => r.status === 503);
      if (one) expect(((await one.json()) as Errors).errors[0]!.extensions?.code).toBe('TOO_MANY_OPERATIONS');
    } finally {
      await b.stop();
    }
  });
});
