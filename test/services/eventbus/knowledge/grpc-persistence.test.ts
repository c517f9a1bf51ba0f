import { describe, expect, test } from 'bun:test';
import * as grpc from '@grpc/grpc-js';
import { allEvents, grpcAddress, startBus } from '../bus.ts';
import { eventually, knowledgeClient, unary } from '../component-clients.ts';
import { applied, gql, postGames, type GameSpec } from './games.ts';

const pairGames = (prefix: string, n: number): GameSpec[] => Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, jokers: ['Hack', 'Dusk'], rounds: [400] }));

describe('UpdateKnowledge over gRPC (:50051)', () => {
  test('applies asserted facts and finished games, answers with the sequence and version, and refuses bad updates with INVALID_ARGUMENT', async () => {
    const bus = await startBus();
    const client = knowledgeClient(await grpcAddress(bus));
    try {
      const ok = await unary(client, client.UpdateKnowledge, {
        update_id: 'g-1', source: 'tuner',
        strategies: [{ name: 'Retrigger Rush', description: 'retriggers first' }],
        enables: [{ joker: 'Hack', strategy: 'Retrigger Rush', importance: 0.9 }],
        counters: [{ joker: 'Hack', countered_by: 'The Flint', severity: 0.4 }],
        jokers: [{ name: 'Hack', effect: 'retrigger 2-5' }],
      });
      expect(ok.err).toBeNull();
      expect(ok.res).toMatchObject({ update_id: 'g-1', accepted: true, applied: true, changes: 4, message: 'applied' });
      expect(ok.res!.sequence).toBeGreaterThan(0);
      const q = await gql(bus, '{ joker(name: "hack") { effect enables_strategies { strategy { name description } importance } countered_by { countered_by severity } } }');
      const j = q.body.data!.joker as { effect: string; enables_strategies: { strategy: { name: string; description: string }; importance: number }[]; countered_by: { countered_by: string; severity: number }[] };
      expect(j.effect).toBe('retrigger 2-5');
      expect(j.enables_strategies[0]).toEqual({ strategy: { name: 'Retrigger Rush', description: 'retriggers first' }, importance: 0.9 });
      expect(j.countered_by).toContainEqual({ countered_by: 'The Flint', severity: 0.4 });
      const games = await unary(client, client.UpdateKnowledge, { games: Array.from({ length: 20 }, (_, i) => ({ session_id: `rep-${i}`, jokers: ['Mime', 'Baron'], final_score: 900, final_ante: 6, won: i % 2 === 0 })) });
      expect(games.res!.applied).toBe(true);
      const edge = await gql(bus, '{ joker(name: "Mime") { synergies { target { name } games win_rate } } }');
      // Mime and Baron never played apart: no baseline, so no synergy yet.
      expect(edge.body.data).toEqual({ joker: { synergies: [] } });
      const before = (await bus.history('limit=1')).head_sequence;
      const bad = await unary(client, client.UpdateKnowledge, { synergies: [{ source: 'Mime', target: 'Mime', strength: 0.5 }], enables: [{ joker: 'Mime', strategy: 'Nope' }] });
      expect(bad.err?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(bad.err?.details).toBe('VALIDATION_ERROR: the update was refused: synergies[0]: a joker cannot synergize with itself; enables[0].strategy: unknown strategy "Nope"');
      expect((await bus.history('limit=1')).head_sequence).toBe(before);
    } finally {
      client.close();
      await bus.stop();
    }
  });
});

describe('durable position', () => {
  test('after a restart the graph resumes where it stopped: nothing counted twice, new games counted once', async () => {
    const bus = await startBus();
    await applied(bus, await postGames(bus, pairGames('p', 20)));
    const games = async (b: typeof bus): Promise<unknown> => (await gql(b, '{ joker(name: "Hack") { games synergies { games } } stats { position sessions } }')).body.data;
    const first = (await games(bus)) as { joker: { games: number }; stats: { position: number } };
    expect(first.joker.games).toBe(20);
    await bus.stop({ keepData: true });
    const again = await startBus({}, { dataDir: bus.dataDir });
    try {
      expect(await games(again)).toEqual(first);
      const seq = await postGames(again, pairGames('q', 1));
      await applied(again, seq);
      const after = (await games(again)) as { joker: { games: number }; stats: { position: number; sessions: number } };
      expect([after.joker.games, after.stats.sessions, after.stats.position]).toEqual([21, 21, seq]);
    } finally {
      await again.stop();
    }
  });
});

describe('KNOWLEDGE_UPDATE events from any producer', () => {
  test('a valid one posted to the bus is applied; an invalid one changes nothing and becomes an ErrorEvent', async () => {
    const bus = await startBus();
    try {
      const ok = await bus.call('POST', '/api/v1/events', { type: 'KNOWLEDGE_UPDATE', source: 'notebook', payload: { counters: [{ joker: 'Baron', countered_by: 'The Plant', severity: 0.3 }] } });
      await applied(bus, ((await ok.json()) as { sequence: number }).sequence);
      const q = await gql(bus, '{ joker(name: "Baron") { countered_by { countered_by severity } } }');
      expect((q.body.data!.joker as { countered_by: unknown[] }).countered_by).toContainEqual({ countered_by: 'The Plant', severity: 0.3 });
      const before = (await gql(bus, '{ stats { version synergies } }')).body.data;
      const bad = await bus.call('POST', '/api/v1/events', { type: 'KNOWLEDGE_UPDATE', source: 'notebook', payload: { synergies: [{ source: 'Baron', target: 'Ghost Joker', strength: 0.9 }] } });
      const seq = ((await bad.json()) as { sequence: number }).sequence;
      await applied(bus, seq);
      expect((await gql(bus, '{ stats { version synergies } }')).body.data).toEqual(before!);
      const err = await eventually(async () => (await allEvents(bus, 'topic=system.error')).find((e) => (e.event.payload as { context?: { sequence?: string } }).context?.sequence === String(seq)));
      expect(err.event.payload).toMatchObject({ source_component: 'knowledge_graph', severity: 'WARNING', suggested_action: 'ESCALATE' });
      expect((err.event.payload as { message: string }).message).toContain('unknown joker "Ghost Joker"');
    } finally {
      await bus.stop();
    }
  });
});
