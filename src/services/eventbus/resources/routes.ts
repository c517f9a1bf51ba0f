/** REST mirror of ResourceCoordinator under /api/v1/resources, and WS /ws/resources for its events. */
import { route, type RouteDef } from '../../../runtime/service.ts';
import type { WsRoute } from '../../../runtime/ws.ts';
import { broadcastSocket } from '../bus-io/broadcast.ts';
import { componentError } from '../bus-io/errors.ts';
import type { Coordinator } from './coordinator.ts';
import * as S from './schema.ts';

export const RESOURCE_TOPIC = 'eventbus:resources';

export function resourceRoutes(c: Coordinator): RouteDef[] {
  const release = (grantId: string, component: string) => {
    const out = c.release(grantId, component);
    return { grant_id: out.grant.grant_id, released: true, amount: out.grant.amount, available: out.available, type: out.grant.type };
  };
  return [
    route({
      method: 'POST', path: '/api/v1/resources/requests', summary: 'RequestResource: 201 with the grant; 409 RESOURCE_UNAVAILABLE when it could not be granted in time; 400 OVER_CAPACITY when it never can',
      body: S.RequestBody, responses: { 201: S.GrantReply },
      handler: async (ctx) => {
        const b = ctx.body;
        const g = await c.request({ component: b.component, type: b.type, amount: b.amount, duration_ms: b.duration_ms ?? 0, priority: b.priority ?? 'NORMAL', wait_ms: b.wait_ms ?? 0, request_id: b.request_id ?? '' });
        if (!g.granted) throw componentError('RESOURCE_UNAVAILABLE', `not granted: ${g.reason}`, { ...g });
        return Response.json(g, { status: 201 });
      },
    }),
    route({
      method: 'POST', path: '/api/v1/resources/release', summary: 'ReleaseResource {grant_id, component?}',
      body: S.ReleaseBody, responses: { 200: S.ReleaseReply },
      handler: (ctx) => release(ctx.body.grant_id, ctx.body.component ?? ''),
    }),
    route({
      method: 'DELETE', path: '/api/v1/resources/grants/:grant_id', summary: 'ReleaseResource by grant id (?component= must match when given)',
      query: { component: { description: 'the grant holder, checked when given' } }, responses: { 200: S.ReleaseReply },
      handler: (ctx) => release(ctx.params.grant_id!, ctx.query.get('component') ?? ''),
    }),
    route({
      method: 'GET', path: '/api/v1/resources/grants/:grant_id', summary: 'A grant with its state (active, released, expired)',
      handler: (ctx) => {
        const g = c.get(ctx.params.grant_id!);
        if (!g) throw componentError('NOT_FOUND', `no grant "${ctx.params.grant_id!.slice(0, 80)}"`);
        return g;
      },
    }),
    route({ method: 'GET', path: '/api/v1/resources', summary: 'GetResourceStatus: pools, active grants, queue', handler: () => c.status() }),
  ];
}

export function resourceSocket(): WsRoute<null> {
  return broadcastSocket({ path: '/ws/resources', summary: 'SubscribeToResourceEvents: {type:"resource_event", kind, grant, at_ms, reason} for every grant, queueing, denial, release and expiry', topic: RESOURCE_TOPIC, welcome: () => ({ stream: 'resources' }) });
}
