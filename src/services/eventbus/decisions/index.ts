/**
 * Learning decisions mount: logs LEARNING_DECISION events and game progress from the
 * bus (durable consumer), answers GetDecision over REST and gRPC (and LEARNING_DECISION
 * requests other producers put on the bus), trains policy versions in the worker pool.
 */
import type { ComponentContext, Mounted } from '../bus-io/context.ts';
import { DurableConsumer } from '../bus-io/consumer.ts';
import { grpcObserver } from '../bus-io/observe.ts';
import { readOptions } from '../bus-io/options.ts';
import { startWalCheckpoints } from '../../../runtime/wal-checkpoint.ts';
import { join } from 'node:path';
import { Trainer } from './jobs.ts';
import { learningService } from './grpc.ts';
import { Models } from './models.ts';
import { decisionRoutes } from './routes.ts';
import { DECISION_TOPICS, DecisionLog } from './samples.ts';
import { Decider } from './service.ts';
import { DecisionStore } from './store.ts';

export const DECISION_DEFAULTS = {
  defaultTimeLimitMs: 100,
  maxTimeLimitMs: 60_000,
  maxActions: 100,
  /** The spec's max_concurrent_decisions. */
  maxConcurrent: 1000,
  /** Softmax temperature of the confidence (action values are in return units). */
  temperature: 0.1,
  publish: true,
  /** Answer LEARNING_DECISION requests other producers put on the bus, if they are this recent. */
  answerBusRequests: true,
  answerWindowMs: 10_000,
  maxQueuedJobs: 10,
  minSamples: 20,
  maxSamples: 200_000,
  chunkTimeoutMs: 120_000,
};

export async function mountDecisions(c: ComponentContext): Promise<Mounted> {
  const o = readOptions('services.eventbus.options.decisions', c.options('decisions'), DECISION_DEFAULTS);
  const store = new DecisionStore(c.dataDir);
  // Checkpoints on a thread of their own: an inline one would land on whichever request crosses 1,000 WAL pages.
  const checkpoints = startWalCheckpoints(store.db, join(c.dataDir, 'decisions.sqlite'), { intervalMs: 1000, log: c.ctx.log });
  const models = new Models(store);
  const decider = new Decider(models, new Set(c.commandTypes), c.producer, c.breakers.get('learning'), c.window, o);
  const trainer = new Trainer(store, models, c.ctx.pool, c.producer, c.ctx.now, {
    maxQueuedJobs: o.maxQueuedJobs, minSamples: o.minSamples, chunkTimeoutMs: o.chunkTimeoutMs,
    onFailure: (job, e) => c.errors.report({ component: 'learning', severity: 'ERROR', errorType: 'training_failed', action: 'ESCALATE', message: `training job ${job.job_id} failed: ${job.error}`, error: e, context: { job_id: job.job_id } }),
  });
  const log = new DecisionLog(store, 'learning');
  const consumer = new DurableConsumer(c.log, {
    name: 'learning', patterns: DECISION_TOPICS, position: () => log.position,
    handle: (events, through) => {
      const open = log.handle(events, through);
      if (!o.answerBusRequests) return;
      const now = c.ctx.now();
      for (const r of open) {
        // Replays after a restart are logged, not answered: the game has moved on.
        if (r.receivedMs < now - o.answerWindowMs) continue;
        try {
          decider.decide(r.payload, { request: false, source: 'learning' });
        } catch (e) {
          c.errors.report({ component: 'learning', severity: 'WARNING', errorType: 'bad_bus_request', action: 'FALLBACK', message: `LEARNING_DECISION request at sequence ${r.seq} could not be answered: ${e instanceof Error ? e.message : String(e)}`, context: { sequence: String(r.seq) } });
        }
      }
    },
    onError: (e) => c.errors.report({ component: 'learning', severity: 'ERROR', errorType: 'log_failed', action: 'RETRY', message: 'logging decisions from the bus failed; retrying from the log', error: e }),
  }, c.topicPrefix);
  consumer.start();
  return {
    name: 'decisions',
    routes: decisionRoutes(decider, trainer, models, o.maxSamples),
    ws: [],
    grpc: [learningService(decider, grpcObserver(c))],
    health: () => ({ active_model: models.active?.model_id ?? null, position: consumer.position(), lag: consumer.lag(), decisions: decider.decisions, fallbacks: decider.fallbacks, logged_since_start: log.logged, model_cost_ms: Math.round(decider.costMs * 1000) / 1000 }),
    close: async () => {
      trainer.close();
      consumer.stop();
      await checkpoints.stop();
      store.close();
    },
  };
}
