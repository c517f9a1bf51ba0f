/**
 * Mounts the components that live beside the bus on :8080 (knowledge graph, learning
 * decisions, LLM strategy advisor, analytics, resource coordinator). Each consumes and
 * produces events on the bus through the log and ingest it is given; this module only
 * wires them and gathers their routes, sockets, gRPC services, health and shutdown.
 */
import { join } from 'node:path';
import type { ServiceContext } from '../../runtime/service.ts';
import { ErrorReporter } from './breakers/errors.ts';
import { Breakers, parseBreakerOptions } from './breakers/registry.ts';
import type { ComponentContext, Mounted } from './bus-io/context.ts';
import { BusProducer } from './bus-io/producer.ts';
import { SecondWindow } from './bus-io/window.ts';
import type { Ingest } from './ingest.ts';
import type { EventLog } from './log/types.ts';
import type { BusMetrics } from './metrics.ts';
import { mountAdvisor } from './advisor/index.ts';
import { mountAnalytics } from './analytics/index.ts';
import { mountDecisions } from './decisions/index.ts';
import { mountKnowledge } from './knowledge/index.ts';
import { mountResources } from './resources/index.ts';

/** Option keys under `services.eventbus.options` that belong to the components, not the bus. */
export const COMPONENT_KEYS = ['knowledge', 'decisions', 'advisor', 'analytics', 'resources', 'breakers'] as const;

export function splitOptions(raw: Record<string, unknown>): { bus: Record<string, unknown>; components: Record<string, unknown> } {
  const bus: Record<string, unknown> = {};
  const components: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) ((COMPONENT_KEYS as readonly string[]).includes(k) ? components : bus)[k] = v;
  return { bus, components };
}

export interface MountedComponents {
  mounted: Mounted[];
  breakers: Breakers;
  producer: BusProducer;
  window: SecondWindow;
  health(): Record<string, unknown>;
  close(): Promise<void>;
}

export async function mountComponents(ctx: ServiceContext, d: { log: EventLog; ingest: Ingest; busMetrics: BusMetrics; topicPrefix: string; commandTypes: string[]; options: Record<string, unknown> }): Promise<MountedComponents> {
  const breakers = new Breakers(parseBreakerOptions(d.options.breakers), ctx.now, ctx.metrics);
  const producer = new BusProducer(d.ingest, ctx.now, 2, (e, n) => {
    d.busMetrics.error('eventbus.components', 'ERROR', 'publish_failed', n);
    ctx.log.error('component events could not be published', { events: n, error: e instanceof Error ? e.message : String(e) });
  });
  const errors = new ErrorReporter(producer, d.busMetrics, ctx.log);
  breakers.reporter = errors;
  const window = new SecondWindow();
  const c: ComponentContext = {
    ctx, log: d.log, ingest: d.ingest, producer, breakers, errors, busMetrics: d.busMetrics, window,
    dataDir: join(ctx.dataDir, 'eventbus'), topicPrefix: d.topicPrefix, commandTypes: d.commandTypes,
    options: (name) => d.options[name],
  };
  const mounted: Mounted[] = [];
  const close = async (): Promise<void> => {
    for (const m of [...mounted].reverse()) await m.close();
    producer.close();
  };
  const all: [string, (c: ComponentContext) => Promise<Mounted>][] = [['knowledge', mountKnowledge], ['decisions', mountDecisions], ['advisor', mountAdvisor], ['analytics', mountAnalytics], ['resources', mountResources]];
  try {
    // `services.eventbus.options.<component>: false` leaves a component out.
    for (const [name, mount] of all) if (d.options[name] !== false) mounted.push(await mount(c));
  } catch (e) {
    await close();
    throw e;
  }
  return {
    mounted, breakers, producer, window, close,
    health: () => ({
      breakers: breakers.snapshot(),
      ...Object.fromEntries(mounted.map((m) => [m.name, m.health()])),
      events_published: producer.published, events_failed: producer.failed, errors_reported: errors.reported,
    }),
  };
}
