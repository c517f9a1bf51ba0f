/** A small service exercising every kernel feature, used by the server/ws/admin tests. */
import { Type } from '@sinclair/typebox';
import { ApiError, kolibriProfile } from '../../src/runtime/errors.ts';
import { RateLimiter, enforceRateLimit } from '../../src/runtime/ratelimit.ts';
import { route, type ServiceDef, type ServiceFactory } from '../../src/runtime/service.ts';

export const Item = Type.Object({ name: Type.String({ minLength: 1 }), qty: Type.Integer({ minimum: 1, maximum: 10 }), tag: Type.Optional(Type.String({ default: 'none' })) });

export interface FixtureState {
  stored: { name: string; qty: number; tag: string }[];
  closed: boolean;
  lastTraceId: string | null;
}

export function fixtureFactory(state: FixtureState): ServiceFactory {
  return (ctx) => {
    const limiter = new RateLimiter({ capacity: 3, refillPerSec: 0.01 });
    const def: ServiceDef = {
      name: 'fixture',
      profile: kolibriProfile,
      routes: [
        route({ method: 'GET', path: '/items', handler: () => ({ items: state.stored }) }),
        route({
          method: 'POST', path: '/items', body: Item, maxBodyBytes: 256,
          handler: (c) => {
            state.lastTraceId = c.trace.traceId;
            state.stored.push({ name: c.body.name, qty: c.body.qty, tag: c.body.tag ?? 'none' });
            return Response.json({ ok: true, count: state.stored.length, request_id: c.requestId }, { status: 201 });
          },
        }),
        route({ method: 'GET', path: '/items/:id', handler: (c) => {
          const i = Number(c.params.id);
          const item = state.stored[i];
          if (!item) throw new ApiError(404, 'not_found', `No item ${c.params.id}`, { id: c.params.id });
          return item;
        } }),
        route({ method: 'POST', path: '/optional', body: Type.Object({ seed: Type.Integer({ default: 7 }) }), bodyOptional: true, handler: (c) => c.body }),
        route({ method: 'GET', path: '/limited', onRequest: (c) => { Object.assign(c.headers, enforceRateLimit(limiter, c.ip, kolibriProfile)); }, handler: () => ({ ok: true }) }),
        route({ method: 'GET', path: '/boom', handler: () => { throw new Error('kaboom'); } }),
        route({ method: 'GET', path: '/busy', handler: () => { throw new ApiError(503, 'service_unavailable', 'not ready yet'); } }),
        route({ method: 'GET', path: '/pool/:task', handler: async (c) => {
          if (c.params.task === 'fail') return ctx.pool.run('kernel.fail', { message: 'task exploded' });
          if (c.params.task === 'slow') return ctx.pool.run('kernel.spin', { ms: 1000 }, { timeoutMs: 30 });
          return { n: await ctx.pool.run('kernel.noop', { n: 3 }) };
        } }),
        route({ method: 'GET', path: '/slow', handler: async () => { await Bun.sleep(300); return { done: true }; } }),
        route({ method: 'GET', path: '/peer', handler: async () => (await ctx.peers.fetch(ctx.name, '/items')).json() }),
      ],
      ws: [{
        path: '/ws',
        schema: Type.Object({ type: Type.Literal('echo'), value: Type.Number() }),
        upgrade: (c) => {
          if (c.query.get('token') === 'bad') throw new ApiError(401, 'unauthorized', 'bad token');
          return { count: 0 };
        },
        open: (conn) => conn.subscribe('news'),
        message: (conn, msg) => {
          const data = conn.data as { count: number };
          data.count++;
          conn.send({ type: 'echo', value: (msg as { value: number }).value, count: data.count, codec: conn.codec });
          if ((msg as { value: number }).value === 99) ctx.ws.publish('news', { type: 'news', text: 'hello all' });
        },
      }],
      close: () => {
        state.closed = true;
      },
    };
    return def;
  };
}
