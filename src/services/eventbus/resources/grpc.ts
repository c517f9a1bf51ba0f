/** ResourceCoordinator on its own grpc-js server (127.0.0.1:50052, RESOURCE_COORDINATOR_URL), from resources.proto. */
import type * as grpc from '@grpc/grpc-js';
import { buildService, type BuiltService, type Msg } from '../bus-io/grpc-kit.ts';
import { componentProtos } from '../bus-io/protos.ts';
import type { Coordinator, GrantView, ResourceEventView } from './coordinator.ts';

export function resourceService(c: Coordinator, observe: (method: string, ms: number, code: grpc.status) => void): BuiltService {
  const svc = componentProtos().lookupService('jimbot.resources.v1.ResourceCoordinator');
  const grant = (g: GrantView): Msg => ({ ...g });
  return buildService(svc, {
    RequestResource: {
      kind: 'unary',
      handle: (r) => {
        const g = c.request({
          component: String(r.component ?? ''), type: String(r.type), amount: Number(r.amount), duration_ms: Number(r.duration_ms),
          priority: String(r.priority), wait_ms: Number(r.wait_ms), request_id: String(r.request_id ?? ''),
        });
        return g instanceof Promise ? g.then(grant) : grant(g);
      },
    },
    ReleaseResource: {
      kind: 'unary',
      handle: (r) => {
        const out = c.release(String(r.grant_id ?? ''), String(r.component ?? ''));
        return { grant_id: out.grant.grant_id, released: true, amount: out.grant.amount, available: out.available, type: out.grant.type };
      },
    },
    GetResourceStatus: { kind: 'unary', handle: () => c.status() as unknown as Msg },
    SubscribeToResourceEvents: {
      kind: 'server_stream',
      open: (_req, write) => c.subscribe((e: ResourceEventView) => void write({ ...e, grant: grant(e.grant) })),
    },
  }, observe);
}
