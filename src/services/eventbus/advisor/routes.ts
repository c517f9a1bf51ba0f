/** GET/DELETE /api/v1/strategies/cache, GET/PUT /api/v1/config/rate_limits, POST /api/v1/strategies/requests. */
import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { route, type RouteDef } from '../../../runtime/service.ts';
import { componentError } from '../bus-io/errors.ts';
import type { BusProducer } from '../bus-io/producer.ts';
import { isJsonObject, type JsonObject } from '../wire/struct.ts';
import type { Advisor } from './advisor.ts';
import { updateLimits, type RateLimits } from './bucket.ts';
import type { AdvisorStore } from './store.ts';

const limitsView = (l: RateLimits) => ({ capacity: l.capacity, refill_rate: `${l.refill_per_hour}/hour`, refill_per_hour: l.refill_per_hour, burst_capacity: l.burst_capacity, burst_window_s: l.burst_window_s });

const StrategyRequestBody = Type.Object({
  request_id: Type.Optional(Type.String({ maxLength: 128 })),
  game_state: Type.Optional(Type.Unknown({ description: 'GameStateEvent' })),
  question: Type.Optional(Type.String({ maxLength: 500 })),
  available_actions: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })),
  wait: Type.Optional(Type.Boolean({ description: 'wait for the STRATEGY_RESPONSE (default true)' })),
});

export function advisorRoutes(advisor: Advisor, store: AdvisorStore, producer: BusProducer, now: () => number, timeoutMs: number): RouteDef[] {
  const rate = () => ({ rate_limits: limitsView(advisor.bucket.config), tokens: advisor.bucket.state() });
  return [
    route({
      method: 'GET', path: '/api/v1/strategies/cache', summary: 'GetCachedStrategies: advice cached by game-state signature',
      query: { limit: { description: '1..1000 (default 100)' }, signature: { description: 'one signature' } },
      handler: (ctx) => {
        const raw = ctx.query.get('limit') ?? '100';
        const limit = Number(raw);
        if (!/^\d+$/.test(raw) || limit < 1 || limit > 1000) throw componentError('INVALID_QUERY', '"limit" must be an integer from 1 to 1000', { parameter: 'limit' });
        const t = now();
        const r = store.entries(limit, t, ctx.query.get('signature'));
        return { entries: r.entries.map((e) => ({ ...e, fresh: e.expires_at > t })), count: r.entries.length, size: r.size, fresh: r.fresh };
      },
    }),
    route({ method: 'DELETE', path: '/api/v1/strategies/cache', summary: 'Empties the strategy cache', handler: () => ({ deleted: store.clear() }) }),
    route({ method: 'GET', path: '/api/v1/config/rate_limits', summary: 'The LLM token bucket: limits and tokens left', handler: rate }),
    route({
      method: 'PUT', path: '/api/v1/config/rate_limits', summary: 'UpdateRateLimits: {capacity, refill_rate ("100/hour" or per hour), burst_capacity, burst_window_s}; applied at once, kept across restarts',
      body: Type.Record(Type.String(), Type.Unknown()),
      handler: (ctx) => {
        const r = updateLimits(advisor.bucket.config, ctx.body as Record<string, unknown>);
        if (!r.ok) throw componentError('VALIDATION_ERROR', `rate limits refused: ${r.errors.join('; ')}`, { errors: r.errors });
        advisor.bucket.set(r.limits);
        store.setMeta('rate_limits', JSON.stringify(r.limits));
        return rate();
      },
    }),
    route({
      method: 'POST', path: '/api/v1/strategies/requests', summary: 'Puts a STRATEGY_REQUEST on the bus; with wait (default) answers the STRATEGY_RESPONSE (200), else 202',
      body: StrategyRequestBody,
      responses: { 200: Type.Object({ request_sequence: Type.Number(), response_sequence: Type.Number(), response: Type.Unknown() }), 202: Type.Object({ request_id: Type.String(), sequence: Type.Number(), status: Type.Literal('queued') }) },
      handler: async (ctx) => {
        const b = ctx.body as JsonObject & { wait?: boolean };
        const requestId = typeof b.request_id === 'string' && b.request_id !== '' ? b.request_id : randomUUID();
        // The id comes back in the STRATEGY_RESPONSE through UTF-8: a lone surrogate would not survive the trip and the reply would never match.
        if (/\p{Cs}/u.test(requestId)) throw componentError('VALIDATION_ERROR', 'request_id must be well-formed Unicode (no lone surrogates)', { field: 'request_id' });
        if (b.game_state !== undefined && !isJsonObject(b.game_state)) throw componentError('VALIDATION_ERROR', 'game_state must be an object', { field: 'game_state' });
        const payload: JsonObject = { request_id: requestId };
        for (const k of ['game_state', 'question', 'available_actions'] as const) if (b[k] !== undefined) payload[k] = b[k];
        const wait = b.wait !== false ? advisor.waitFor(requestId, timeoutMs + 1000) : null;
        const [pub] = await producer.publish([{ type: 'STRATEGY_REQUEST', source: 'rest', payload }]);
        if (!wait) return Response.json({ request_id: requestId, sequence: pub!.sequence, status: 'queued' }, { status: 202 });
        const res = await wait;
        if (!res) throw componentError('COMPONENT_UNAVAILABLE', `no STRATEGY_RESPONSE to ${requestId} within ${timeoutMs} ms`, { request_id: requestId, sequence: pub!.sequence });
        return { request_sequence: pub!.sequence, response_sequence: res.sequence, response: { ...res, sequence: undefined } };
      },
    }),
  ];
}
