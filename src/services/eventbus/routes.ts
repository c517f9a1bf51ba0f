/** REST endpoint table: read and check the request, call ingest/history/commands, shape the reply. */
import { ApiError } from '../../runtime/errors.ts';
import { route, type RequestContext, type RouteDef } from '../../runtime/service.ts';
import { formatTraceparent } from '../../runtime/trace.ts';
import { readBody } from './body.ts';
import type { CommandQueues } from './commands.ts';
import { DEFAULT_TOPICS } from './engine/types.ts';
import type { TopicTable } from './engine/topics.ts';
import { busError } from './errors.ts';
import { parseHistoryQuery, readHistory } from './history.ts';
import type { Ingest, IngestOutcome } from './ingest.ts';
import { LogUnavailable, type EventLog } from './log/types.ts';
import type { BusMetrics } from './metrics.ts';
import type { EventBusOptions } from './options.ts';
import * as S from './schema.ts';
import type { SubscriptionHub } from './subscriptions.ts';
import { Writer } from './wire/pb.ts';

export interface RouteDeps {
  ingest: Ingest;
  log: EventLog;
  hub: SubscriptionHub;
  commands: CommandQueues;
  metrics: BusMetrics;
  opts: EventBusOptions;
  topics: TopicTable;
  health(): { status: 'ok' | 'degraded' | 'unavailable'; body: Record<string, unknown> };
}

/** Log failures become 503s the client can retry (BalatroMCP re-sends the whole batch). */
export function storageError(e: unknown): unknown {
  if (!(e instanceof LogUnavailable)) return e;
  if (e.kind === 'full') return busError('STORAGE_FULL', e.message, {}, { 'Retry-After': '30' });
  if (e.kind === 'backlog') return busError('BACKLOG_FULL', e.message, {}, { 'Retry-After': '1' });
  return busError('STORAGE_UNAVAILABLE', e.message, {}, { 'Retry-After': '5' });
}

/** The bus's own span, continuing the caller's trace; only when the caller sent one. */
function traceparent(ctx: RequestContext): string | null {
  return ctx.trace.parentSpanId ? formatTraceparent(ctx.trace) : null;
}

function requestGame(ctx: RequestContext): string {
  const g = ctx.request.headers.get('x-game-id') ?? ctx.query.get('game_id') ?? '';
  if (g.length > 256) throw busError('VALIDATION_ERROR', 'game_id is longer than 256 characters', { field: 'game_id' });
  return g;
}

function deadLettered(o: IngestOutcome): { index: number; event_id: string; reason: string; detail: string; topic: string; sequence: number }[] {
  return o.results.filter((r) => r.status === 'dead_lettered').map((r) => ({ index: r.index, event_id: r.event_id, reason: r.reason ?? '', detail: r.detail ?? '', topic: r.topic, sequence: r.sequence }));
}

export function buildRoutes(d: RouteDeps): RouteDef[] {
  const { opts, metrics } = d;

  /** Runs a handler, recording jimbot_request_duration_seconds and mapping storage failures. */
  const timed = (method: string, fn: (ctx: RequestContext) => Promise<unknown> | unknown) => async (ctx: RequestContext): Promise<unknown> => {
    let status = 200;
    try {
      const out = await fn(ctx);
      if (out instanceof Response) status = out.status;
      return out;
    } catch (e) {
      const err = storageError(e);
      status = err instanceof ApiError ? err.status : 500;
      if (err instanceof ApiError) metrics.error('eventbus.http', status >= 500 ? 'CRITICAL' : 'WARNING', err.code);
      throw err;
    } finally {
      metrics.request(method, String(status), (performance.now() - ctx.startedAt) / 1000);
    }
  };

  const ingestRoute = (mode: 'single' | 'batch') => async (ctx: RequestContext): Promise<unknown> => {
    const body = await readBody(ctx.request, mode === 'single' ? opts.maxMessageSize : opts.maxBatchBytes);
    // Exposed to the kernel, which turns a stack overflow on a body nested past its depth limit into a 400.
    if (body.kind === 'json') ctx.body = body.value;
    const gameId = requestGame(ctx);
    const out = await d.ingest.ingest({ mode, body, traceparent: traceparent(ctx), gameId });
    const dl = deadLettered(out);
    if (ctx.log.enabled('debug')) {
      const topics = [...new Set(out.results.map((r) => r.topic))];
      ctx.log.debug('Event published', { event_type: topics.length === 1 ? topics[0] : topics.join(','), events: out.results.length, dead_lettered: dl.length, duration_ms: Math.round((performance.now() - ctx.startedAt) * 1000) / 1000 });
    }
    if (mode === 'single') {
      const r = out.results[0]!;
      return { status: r.status === 'dead_lettered' ? 'dead_lettered' : 'ok', event_id: r.event_id, sequence: r.sequence, topic: r.topic, accepted: r.status !== 'dead_lettered', duplicate: r.status === 'duplicate', dead_lettered: dl };
    }
    const accepted = out.results.filter((r) => r.status !== 'dead_lettered').length;
    const seqs = out.results.map((r) => r.sequence);
    return {
      status: dl.length === 0 ? 'ok' : accepted === 0 ? 'dead_lettered' : 'partial',
      batch_id: out.batchId,
      received: out.results.length,
      accepted,
      duplicates: out.results.filter((r) => r.status === 'duplicate').length,
      dead_lettered: dl,
      first_sequence: seqs.length ? Math.min(...seqs) : null,
      last_sequence: seqs.length ? Math.max(...seqs) : null,
      results: out.results.map((r) => ({ index: r.index, event_id: r.event_id, sequence: r.sequence, topic: r.topic, status: r.status })),
    };
  };

  const health = (ctx: RequestContext): Response => {
    void ctx;
    const h = d.health();
    return Response.json(h.body, { status: h.status === 'unavailable' ? 503 : 200 });
  };

  const history = async (ctx: RequestContext): Promise<unknown> => {
    const q = parseHistoryQuery(ctx.query, opts, d.log);
    const page = await readHistory(d.log, q);
    if (/application\/(x-)?protobuf/i.test(ctx.request.headers.get('accept') ?? '')) {
      // EventBatch { repeated Event events = 2 }, each with its bus.* placement metadata.
      const w = new Writer(4096);
      for (const e of page.events) w.bytes(2, d.hub.grpcMessage(e));
      return new Response(w.finish(), { headers: { 'Content-Type': 'application/x-protobuf', 'X-Next-After': String(page.next_after ?? ''), 'X-Head-Sequence': String(page.head_sequence) } });
    }
    return { status: 'ok', events: page.events.map((e) => d.hub.view(e)), count: page.events.length, has_more: page.has_more, next_after: page.next_after, next_before: page.next_before, head_sequence: page.head_sequence };
  };

  const poll = async (ctx: RequestContext): Promise<Response> => {
    const q = ctx.query.get('game_id');
    const out = await d.commands.poll(q ?? undefined, traceparent(ctx), (e) => {
      metrics.error('eventbus.commands', 'ERROR', 'delivery_not_recorded');
      ctx.log.error('command delivery could not be recorded', { error: e instanceof Error ? e.message : String(e) });
    });
    const body = out.commands.map((c) => c.command).join('\n');
    // A header carries visible ASCII only: any other game id is sent percent-encoded (a raw one made the reply a 500).
    const header = /^[\x20-\x7e]*$/.test(out.game_id) ? out.game_id : encodeURIComponent(out.game_id);
    return new Response(body === '' ? '' : `${body}\n`, { headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Game-Id': header } });
  };

  const q = (description: string): { description: string } => ({ description });
  return [
    route({
      method: 'POST', path: '/api/v1/events', summary: 'Publish one event (JSON as BalatroMCP sends it, or a protobuf Event)',
      rawBody: { contentTypes: ['application/json', 'application/x-protobuf'], schema: S.JsonEvent, description: 'One event; 2xx means it is committed on its topic or in deadletter.<reason>' },
      responses: { 200: S.SingleReply }, maxBodyBytes: opts.maxMessageSize,
      handler: timed('POST /api/v1/events', ingestRoute('single')),
    }),
    route({
      method: 'POST', path: '/api/v1/events/batch', summary: 'Publish a batch {batch_id, events[], source, timestamp} (or a protobuf EventBatch)',
      rawBody: { contentTypes: ['application/json', 'application/x-protobuf'], schema: S.BatchBody, description: 'Every event is committed (on its topic or dead-lettered) before the 200' },
      responses: { 200: S.BatchReply }, maxBodyBytes: opts.maxBatchBytes,
      handler: timed('POST /api/v1/events/batch', ingestRoute('batch')),
    }),
    route({
      method: 'GET', path: '/api/v1/events', summary: 'Event history, oldest first; JSON, or an EventBatch with Accept: application/x-protobuf',
      query: {
        from: q('Unix ms, Unix s or ISO-8601 (inclusive), on the canonical event time'), to: q('as from (inclusive)'), type: q('event type(s), comma separated'),
        topic: q('topic pattern(s), comma separated: * one segment, > or # the rest'), game_id: q('one game'), partition: q('0..partitions-1'),
        limit: q(`1..${opts.historyMaxLimit} (default ${opts.historyDefaultLimit})`), after: q('cursor: sequences above it'), before: q('cursor for order=desc'), order: q('asc (default) or desc'),
      },
      responses: { 200: S.HistoryReply },
      handler: timed('GET /api/v1/events', history),
    }),
    route({ method: 'GET', path: '/api/v1/events/health', summary: 'Status, backlog, last sequence, storage use', responses: { 200: S.HealthReply }, handler: timed('GET /api/v1/events/health', health) }),
    route({ method: 'POST', path: '/api/v1/events/health', summary: 'Same as GET (BalatroMCP posts `{}` here); the body is ignored', responses: { 200: S.HealthReply }, handler: timed('POST /api/v1/events/health', health) }),
    route({
      method: 'GET', path: '/api/v1/topics', summary: 'Topics the log holds and the type → topic table',
      handler: timed('GET /api/v1/topics', () => ({ status: 'ok', topics: d.log.topics().sort(), defaults: { ...DEFAULT_TOPICS, ...d.topics }, prefix: opts.topicPrefix })),
    }),
    route({
      method: 'GET', path: '/api/v1/commands/poll', summary: 'Next commands for the game as text/plain lines (empty 200 when none); without game_id: the game that most recently sent events',
      query: { game_id: q('the game to serve') },
      handler: timed('GET /api/v1/commands/poll', poll),
    }),
    route({
      method: 'POST', path: '/api/v1/commands', summary: 'Queue commands for a game (delivered once, in order, recorded on game.command.*)',
      body: S.CommandsBody, responses: { 200: S.CommandsReply },
      handler: timed('POST /api/v1/commands', async (ctx) => {
        const b = ctx.body as { game_id?: string; commands: (string | { type: string; params?: (string | number)[] })[] };
        return { status: 'ok', ...(await d.commands.enqueue(b.game_id, b.commands, traceparent(ctx))) };
      }),
    }),
    route({
      method: 'GET', path: '/api/v1/commands', summary: 'Commands of a game with their state', query: { game_id: q('the game (default: most recent)'), state: q('queued | delivered | all (default all)'), limit: q('1..1000 (default 100)') },
      handler: timed('GET /api/v1/commands', (ctx) => {
        const state = ctx.query.get('state') ?? 'all';
        if (state !== 'queued' && state !== 'delivered' && state !== 'all') throw busError('INVALID_QUERY', `"state" is queued, delivered or all, got "${state.slice(0, 20)}"`, { parameter: 'state' });
        const limitRaw = ctx.query.get('limit') ?? '100';
        const limit = Number(limitRaw);
        if (!/^\d+$/.test(limitRaw) || limit < 1 || limit > 1000) throw busError('INVALID_QUERY', '"limit" must be an integer 1..1000', { parameter: 'limit' });
        return { status: 'ok', ...d.commands.list(ctx.query.get('game_id') ?? undefined, state, limit) };
      }),
    }),
  ];
}
