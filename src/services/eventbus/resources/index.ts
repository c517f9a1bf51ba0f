/**
 * Resource coordinator mount: capacities from config (GPU compute, memory MB per the
 * spec's memory allocation, Claude API tokens), its own gRPC server on
 * RESOURCE_COORDINATOR_URL (127.0.0.1:50052), the REST mirror and WS /ws/resources.
 */
import { ConfigError } from '../../../config.ts';
import type { WsRoute } from '../../../runtime/ws.ts';
import type { ComponentContext, Mounted } from '../bus-io/context.ts';
import { startServer } from '../bus-io/grpc-kit.ts';
import { grpcObserver } from '../bus-io/observe.ts';
import { readOptions } from '../bus-io/options.ts';
import { startWalCheckpoints } from '../../../runtime/wal-checkpoint.ts';
import { join } from 'node:path';
import { parseGrpcUrl } from '../options.ts';
import { Coordinator } from './coordinator.ts';
import type { PoolConfig, ResourceType } from './engine/allocator.ts';
import { resourceService } from './grpc.ts';
import { RESOURCE_TOPIC, resourceRoutes, resourceSocket } from './routes.ts';
import { ResourceStore } from './store.ts';

export const RESOURCE_DEFAULTS = {
  grpcEnabled: true,
  /** RESOURCE_COORDINATOR_URL (grpc://localhost:50052). */
  grpcUrl: '127.0.0.1:50052',
  /** Overrides the port of grpcUrl when set (0 = a free port). */
  grpcPort: -1,
  /** RESOURCE_REQUEST_TIMEOUT: the longest a request waits in the priority queue. */
  requestTimeoutMs: 5000,
  defaultDurationMs: 60_000,
  maxDurationMs: 86_400_000,
  historyMs: 86_400_000,
  /** Percent of one GPU; the spec's gpu_time_slice is 100 ms. */
  gpuCompute: { capacity: 100, quotas: {}, otherQuota: 0 } as PoolConfig,
  /** The spec's "Memory Allocation (Revised)": 32 GB in total; components not listed share the 1 GB buffer. */
  memoryMb: {
    capacity: 32_768,
    quotas: { event_bus: 2048, resource_coordinator: 1024, redis_cache: 2048, knowledge_graph: 10_240, learning: 8192, analytics: 5120, mcp_server: 2048, claude_advisor: 1024 },
    otherQuota: 1024,
  } as PoolConfig,
  claudeApiTokens: { capacity: 100_000, quotas: {}, otherQuota: 0 } as PoolConfig,
};

function pool(key: string, p: PoolConfig): PoolConfig {
  if (!Number.isInteger(p.capacity) || p.capacity < 1) throw new ConfigError(`${key}.capacity`, 'expected a positive integer');
  if (typeof p.quotas !== 'object' || p.quotas === null) throw new ConfigError(`${key}.quotas`, 'expected an object of component → units');
  for (const [c, q] of Object.entries(p.quotas)) if (!Number.isInteger(q) || q < 0) throw new ConfigError(`${key}.quotas.${c}`, 'expected a non-negative integer');
  if (!Number.isInteger(p.otherQuota) || p.otherQuota < 0) throw new ConfigError(`${key}.otherQuota`, 'expected a non-negative integer (0 = the whole pool)');
  return p;
}

export async function mountResources(c: ComponentContext): Promise<Mounted> {
  const key = 'services.eventbus.options.resources';
  const raw = { ...((c.options('resources') as Record<string, unknown> | undefined) ?? {}) };
  if (c.ctx.env.RESOURCE_COORDINATOR_URL) raw.grpcUrl = c.ctx.env.RESOURCE_COORDINATOR_URL;
  if (c.ctx.env.RESOURCE_REQUEST_TIMEOUT) raw.requestTimeoutMs = c.ctx.env.RESOURCE_REQUEST_TIMEOUT;
  const o = readOptions(key, raw, RESOURCE_DEFAULTS);
  const addr = parseGrpcUrl(`${key}.grpcUrl`, o.grpcUrl);
  if (o.grpcPort !== -1) addr.port = o.grpcPort;
  const pools: Record<ResourceType, PoolConfig> = {
    GPU_COMPUTE: pool(`${key}.gpuCompute`, o.gpuCompute), MEMORY_MB: pool(`${key}.memoryMb`, o.memoryMb), CLAUDE_API_TOKENS: pool(`${key}.claudeApiTokens`, o.claudeApiTokens),
  };
  const store = new ResourceStore(c.dataDir);
  // Checkpoints on a thread of their own: an inline one would land on whichever request crosses 1,000 WAL pages.
  const checkpoints = startWalCheckpoints(store.db, join(c.dataDir, 'resources.sqlite'), { intervalMs: 1000, log: c.ctx.log });
  const breaker = c.breakers.get('resource_coordinator');
  const coord = new Coordinator({ pools, requestTimeoutMs: o.requestTimeoutMs, defaultDurationMs: o.defaultDurationMs, maxDurationMs: o.maxDurationMs, historyMs: o.historyMs }, store, c.producer, c.ctx.metrics, c.ctx.now, (ms) => c.window.latency('resources', ms));
  const unsubscribe = coord.subscribe((e) => c.ctx.ws.publish(RESOURCE_TOPIC, { type: 'resource_event', ...e }));
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  if (o.grpcEnabled) {
    try {
      const observe = grpcObserver(c);
      server = await startServer(addr.host, addr.port, [resourceService(coord, (method, ms, code) => {
        observe(method, ms, code);
        // Only the coordinator's own failures count (INTERNAL), never a client's bad request.
        if (code === 13) {
          breaker.failure(`grpc ${method} failed`);
          c.errors.report({ component: 'resource_coordinator', severity: 'ERROR', errorType: 'grpc_internal', action: 'RETRY', message: `${method} failed inside the coordinator` });
        } else if (code === 0) breaker.success();
      })]);
      c.ctx.log.info('listening', { service: 'eventbus.resources.grpc', url: `grpc://${server.address}` });
    } catch (e) {
      coord.close();
      await checkpoints.stop();
      store.close();
      throw new Error(`eventbus: the resource coordinator's gRPC cannot listen on ${addr.host}:${addr.port} (set services.eventbus.options.resources.grpcUrl or RESOURCE_COORDINATOR_URL): ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return {
    name: 'resources',
    routes: resourceRoutes(coord),
    ws: [resourceSocket() as WsRoute<unknown>],
    grpc: [],
    health: () => ({ grpc: server ? { address: server.address } : null, queued: coord.alloc.queued().length, active_grants: coord.alloc.grants.size, events: coord.counts }),
    close: async () => {
      unsubscribe();
      coord.close();
      await server?.stop();
      await checkpoints.stop();
      store.close();
    },
  };
}
