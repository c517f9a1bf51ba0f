/**
 * Knowledge graph mount: seeds the graph, follows the bus with a durable consumer
 * (KNOWLEDGE_TOPICS), serves GraphQL, pushes changes on WS /ws/knowledge, and takes
 * UpdateKnowledge over gRPC (:50051) and the GraphQL mutation — both published on the bus
 * as KNOWLEDGE_UPDATE events and answered once applied from the log.
 */
import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { componentError } from '../bus-io/errors.ts';
import type { ComponentContext, Mounted } from '../bus-io/context.ts';
import { DurableConsumer } from '../bus-io/consumer.ts';
import { buildService } from '../bus-io/grpc-kit.ts';
import { componentProtos } from '../bus-io/protos.ts';
import { grpcObserver } from '../bus-io/observe.ts';
import { readOptions } from '../bus-io/options.ts';
import { startWalCheckpoints } from '../../../runtime/wal-checkpoint.ts';
import { join } from 'node:path';
import type { WsRoute } from '../../../runtime/ws.ts';
import { normalizeUpdate } from './engine/updates.ts';
import { SYNERGY_DEFAULTS } from './engine/synergy.ts';
import { GqlExecutor } from './gql/exec.ts';
import { KnowledgeGraph } from './graph.ts';
import { KNOWLEDGE_TOPICS, KnowledgeLearner } from './learner.ts';
import { KNOWLEDGE_TOPIC, knowledgeRoutes, knowledgeSocket } from './routes.ts';
import { loadSeed } from './seed.ts';
import { KnowledgeStore } from './store.ts';

export const KNOWLEDGE_DEFAULTS = {
  ...SYNERGY_DEFAULTS,
  /** A game that got past this ante counts as won when it ends without saying. */
  winAnte: 8,
  queryTimeoutMs: 50,
  mutationTimeoutMs: 200,
  maxConcurrent: 100,
  maxDepth: 10,
  maxComplexity: 2000,
  defaultListSize: 20,
  maxQueryBytes: 100_000,
  cacheSize: 1000,
};

export async function mountKnowledge(c: ComponentContext): Promise<Mounted> {
  const o = readOptions('services.eventbus.options.knowledge', c.options('knowledge'), KNOWLEDGE_DEFAULTS);
  const store = new KnowledgeStore(c.dataDir);
  // Checkpoints on a thread of their own: an inline one would land on whichever request crosses 1,000 WAL pages.
  const checkpoints = startWalCheckpoints(store.db, join(c.dataDir, 'knowledge.sqlite'), { intervalMs: 1000, log: c.ctx.log });
  const graph = new KnowledgeGraph(store, o, c.ctx.now);
  graph.open(loadSeed());
  const outcomes = new Map<number, { ok: boolean; errors: string[]; changes: number }>();
  const learner = new KnowledgeLearner(graph, o.winAnte,
    (changes, version, through) => {
      for (const change of changes) c.ctx.ws.publish(KNOWLEDGE_TOPIC, { type: 'change', version, sequence: through, change });
    },
    (seq, errors) => c.errors.report({ component: 'knowledge_graph', severity: 'WARNING', errorType: 'update_refused', action: 'ESCALATE', message: `KNOWLEDGE_UPDATE at sequence ${seq} was refused: ${errors.join('; ')}`, context: { sequence: String(seq) } }));
  const consumer = new DurableConsumer(c.log, {
    name: 'knowledge_graph', patterns: KNOWLEDGE_TOPICS, position: () => graph.position,
    handle: (events, through) => {
      const r = learner.handle(events, through);
      for (const [seq, out] of r.updates) outcomes.set(seq, out);
      while (outcomes.size > 1000) outcomes.delete(outcomes.keys().next().value!);
    },
    onError: (e) => {
      // The transaction rolled back: memory goes back to what the store holds, and the same events are read again.
      graph.reload();
      learner.restore();
      c.breakers.get('knowledge_graph').failure('learning transaction failed');
      c.errors.report({ component: 'knowledge_graph', severity: 'ERROR', errorType: 'learn_failed', action: 'RETRY', message: 'applying events to the knowledge graph failed; retrying from the log', error: e });
    },
  }, c.topicPrefix);

  /** Validates, publishes a KNOWLEDGE_UPDATE, waits (up to the mutation timeout) until the graph applied it. */
  const mutate = async (input: Record<string, unknown>, defaultSource: string): Promise<Record<string, unknown>> => {
    const started = performance.now();
    const r = normalizeUpdate({ ...input, source: input.source || defaultSource }, learner.known);
    if (!r.ok) throw componentError('VALIDATION_ERROR', `the update was refused: ${r.errors.join('; ')}`, { errors: r.errors });
    const updateId = r.update.update_id || randomUUID();
    const [pub] = await c.producer.publish([{ type: 'KNOWLEDGE_UPDATE', source: r.update.source, event_id: updateId, omitTimestamp: true, payload: { ...r.update, update_id: updateId } }]);
    const applied = await consumer.waitFor(pub!.sequence, Math.max(1, o.mutationTimeoutMs - (performance.now() - started)));
    const out = outcomes.get(pub!.sequence);
    return {
      update_id: updateId, accepted: true, sequence: pub!.sequence, applied: applied && out?.ok !== false, version: graph.version, changes: out?.changes ?? 0,
      message: !applied ? `published at sequence ${pub!.sequence}; not applied within ${o.mutationTimeoutMs} ms (it will be)` : out && !out.ok ? `refused when applied: ${out.errors.join('; ')}` : pub!.duplicate ? 'already applied (same update_id and content)' : 'applied',
    };
  };

  const exec = new GqlExecutor(o, () => ({
    graph, activeSessions: () => learner.activeSessions(), lag: () => consumer.lag(),
    mutate: (input) => mutate(input, 'graphql').catch((e: unknown) => {
      throw new GraphQLError(e instanceof Error ? e.message : String(e), { extensions: { code: 'BAD_USER_INPUT' } });
    }),
  }), c.breakers.get('knowledge_graph'), (kind, message) => c.errors.report({ component: 'knowledge_graph', severity: kind === 'timeout' ? 'WARNING' : 'ERROR', errorType: kind, action: kind === 'timeout' ? 'RETRY' : 'ESCALATE', message }));

  const grpc = buildService(componentProtos().lookupService('jimbot.knowledge.v1.KnowledgeGraph'), {
    UpdateKnowledge: { kind: 'unary', handle: (req) => mutate(req, 'grpc') },
  }, grpcObserver(c));

  consumer.start();
  const health = () => ({
    version: graph.version, position: consumer.position(), lag: consumer.lag(), jokers: graph.allJokers().length, synergies: graph.synergyCount,
    active_sessions: learner.activeSessions(), rejected_updates: learner.rejectedUpdates, running_operations: exec.running(),
    document_cache: { hits: exec.hits, misses: exec.misses }, timeouts: exec.timeouts,
  });
  return {
    name: 'knowledge',
    routes: knowledgeRoutes(exec, o.maxQueryBytes * 2, (kind, ms) => c.window.latency(kind === 'mutation' ? 'graphql_mutation' : 'graphql', ms)),
    ws: [knowledgeSocket(() => ({ version: graph.version, position: consumer.position() })) as WsRoute<unknown>],
    grpc: [grpc],
    health,
    close: async () => {
      consumer.stop();
      await checkpoints.stop();
      store.close();
    },
  };
}
