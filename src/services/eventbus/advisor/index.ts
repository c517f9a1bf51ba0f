/**
 * LLM strategy advisor mount: a durable consumer of `strategy.request`, the kernel's LLM
 * provider (offline `local` by default, any OpenAI-compatible endpoint by config), the
 * token bucket, the cache and its routes.
 */
import type { ComponentContext, Mounted } from '../bus-io/context.ts';
import { DurableConsumer } from '../bus-io/consumer.ts';
import { readOptions } from '../bus-io/options.ts';
import { loadSeed } from '../knowledge/seed.ts';
import { Advisor } from './advisor.ts';
import { DualBucket, RATE_DEFAULTS } from './bucket.ts';
import { advisorRoutes } from './routes.ts';
import { AdvisorStore } from './store.ts';

export const ADVISOR_DEFAULTS = {
  /** The spec's queue timeout. */
  timeoutMs: 5000,
  marginMs: 100,
  cacheTtlMs: 3_600_000,
  cacheMaxEntries: 10_000,
  maxConcurrent: 50,
  maxTokens: 400,
  temperature: 0.2,
  /** Token bucket defaults (spec: capacity 100, refill 100/hour, burst 10); PUT /api/v1/config/rate_limits changes them. */
  capacity: RATE_DEFAULTS.capacity,
  refillPerHour: RATE_DEFAULTS.refill_per_hour,
  burstCapacity: RATE_DEFAULTS.burst_capacity,
  burstWindowS: RATE_DEFAULTS.burst_window_s,
};

export async function mountAdvisor(c: ComponentContext): Promise<Mounted> {
  const o = readOptions('services.eventbus.options.advisor', c.options('advisor'), ADVISOR_DEFAULTS);
  const store = new AdvisorStore(c.dataDir);
  const limits = store.limits() ?? { capacity: o.capacity, refill_per_hour: o.refillPerHour, burst_capacity: o.burstCapacity, burst_window_s: o.burstWindowS };
  const bucket = new DualBucket(limits, c.ctx.now);
  // Which strategies a joker enables, from the seed's joker conditions.
  const seed = loadSeed();
  const byJoker = new Map<string, string[]>();
  for (const e of seed.enables) byJoker.set(e.joker.toLowerCase(), [...(byJoker.get(e.joker.toLowerCase()) ?? []), e.strategy]);
  const advisor = new Advisor(store, c.ctx.llm, bucket, c.breakers.get('claude_advisor'), c.producer, c.errors, c.window, c.ctx.now, o, (j) => byJoker.get(j.toLowerCase()) ?? []);
  const consumer = new DurableConsumer(c.log, {
    name: 'claude_advisor', patterns: ['strategy.request'], position: () => advisor.position,
    handle: (events, through) => advisor.handle(events, through),
    onError: (e) => c.errors.report({ component: 'claude_advisor', severity: 'ERROR', errorType: 'queue_failed', action: 'RETRY', message: 'taking strategy requests from the bus failed; retrying', error: e }),
  }, c.topicPrefix);
  advisor.resume();
  consumer.start();
  return {
    name: 'advisor',
    routes: advisorRoutes(advisor, store, c.producer, c.ctx.now, o.timeoutMs),
    ws: [],
    grpc: [],
    health: () => ({ provider: c.ctx.llm.name, model: c.ctx.llm.model, position: consumer.position(), lag: consumer.lag(), in_flight: advisor.pendingCount(), ...advisor.stats, rate_limits: bucket.config, tokens: bucket.state() }),
    close: () => {
      advisor.close();
      consumer.stop();
      store.close();
    },
  };
}
