/**
 * JimBot event bus (jimbot-event-bus.md): durable writes are events (a 2xx means every
 * event of the request is committed). A re-sent batch is recognised by event_id and
 * content, so writes whose reply was lost are retried after the restart.
 */
import { field, must } from '../lib/http.ts';
import type { DependencyContext, DrillRow, DurableWrites, LedgerEntry, Running, ServiceDrill, Session, WriteResult } from '../lib/types.ts';
import { row } from '../lib/table.ts';
import { emptyResult, write } from '../lib/verify.ts';
import { natsDown } from '../lib/deps-nats.ts';

const PER_BATCH = 5;
const eventId = (id: number, k: number): string => `drill-${id}-${k}`;

function batch(id: number): Record<string, unknown> {
  return {
    batch_id: `drill-batch-${id}`,
    source: 'drill',
    timestamp: 1_738_744_800_000 + id,
    events: Array.from({ length: PER_BATCH }, (_, k) => ({
      type: 'MONEY_CHANGED', event_id: eventId(id, k), source: 'drill', timestamp: 1_738_744_800_000 + id, payload: { old: id, new: id + k, drill_write: id },
    })),
  };
}

function post(r: Running, id: number): Promise<WriteResult> {
  return write('POST', `${r.url}/api/v1/events/batch`, { body: batch(id) }, (x) => (field(x.json, 'results') as { sequence: number }[]).map((e) => e.sequence));
}

/** Sources of the events components publish by themselves, after the request that caused them was answered. */
const COMPONENT_SOURCES = new Set(['learning', 'claude_advisor', 'resource_coordinator']);

/** How many events of the log came from clients (a drill's log holds a few hundred). */
async function clientEvents(r: Running): Promise<number> {
  let n = 0;
  let after = 0;
  for (;;) {
    const page = await must('GET', `${r.url}/api/v1/events?after=${after}&limit=1000`);
    const events = (field(page, 'events') ?? []) as { sequence: number; event: { source?: string } }[];
    for (const v of events) {
      if (!COMPONENT_SOURCES.has(v.event.source ?? '')) n++;
      after = Math.max(after, v.sequence);
    }
    if (events.length < 1000) return n;
  }
}

/** event_id → the sequences it is stored at, over the whole log. */
async function storedEvents(r: Running): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  let after = 0;
  for (;;) {
    const page = await must('GET', `${r.url}/api/v1/events?after=${after}&limit=1000`);
    const events = (field(page, 'events') ?? []) as { sequence: number; event: { event_id?: string } }[];
    for (const v of events) {
      const id = v.event.event_id ?? '';
      out.set(id, [...(out.get(id) ?? []), v.sequence]);
      after = Math.max(after, v.sequence);
    }
    if (page.has_more !== true && events.length < 1000) return out;
    if (typeof page.next_after === 'number') after = page.next_after;
  }
}

const events: DurableWrites<null> = {
  name: 'events',
  clients: 3,
  hz: 40,
  prepare: async () => null,
  write: (r, _s, t) => post(r, t.id),
  retry: (r, _s, e) => post(r, e.id),
  async verify(r, _s, ledger: readonly LedgerEntry[]) {
    const res = emptyResult();
    const stored = await storedEvents(r);
    const known = new Set<string>();
    for (const e of ledger) {
      const seqs = Array.from({ length: PER_BATCH }, (_, k) => stored.get(eventId(e.id, k)) ?? []);
      for (let k = 0; k < PER_BATCH; k++) known.add(eventId(e.id, k));
      const counts = seqs.map((s) => s.length);
      if (counts.some((c) => c > 1)) res.duplicated.push(`batch ${e.id}: events stored ${counts.join('/')} times`);
      const presentN = counts.filter((c) => c > 0).length;
      if (presentN > 0 && presentN < PER_BATCH) res.halfPresent.push(`batch ${e.id}: ${presentN} of ${PER_BATCH} events stored`);
      if (e.outcome === 'acked') {
        const acked = e.data as number[];
        const ok = seqs.every((s, k) => s.length >= 1 && s[0] === acked[k]);
        if (presentN === 0) res.lost.push(`batch ${e.id} acknowledged at sequences ${acked[0]}..${acked[PER_BATCH - 1]} but not stored`);
        else if (!ok) res.lost.push(`batch ${e.id} acknowledged at ${acked.join(',')} but stored at ${seqs.map((s) => s.join('|')).join(',')}`);
        else res.found++;
      } else if (e.outcome === 'rejected' && presentN > 0) res.phantom.push(`batch ${e.id} refused (${e.status}) but stored`);
      else if (e.outcome === 'unknown' && presentN === PER_BATCH) res.unknownPresent++;
    }
    for (const id of stored.keys()) if (id.startsWith('drill-') && !known.has(id)) res.phantom.push(`event ${id} stored but never sent`);
    return res;
  },
};


export const eventbus: ServiceDrill = {
  name: 'eventbus',
  envelope: 'eventbus',
  statuses: [200, 201, 202, 400, 404, 405, 408, 413, 414, 415, 429, 431, 503, 507],
  async session(r): Promise<Session> {
    return {
      headers: {},
      ids: { game_id: ['drill-game'], topic: ['game.>', 'game.money.changed'], type: ['MONEY_CHANGED', 'GAME_STATE'] },
      // The events clients stored, and the command queue. Events the bus's own components
      // publish later on their own (training progress, advice, resource metrics) are left out:
      // they follow accepted requests, and may land while a rejected one is answered.
      async digest() {
        const h = await must('GET', `${r.url}/api/v1/events/health`);
        return JSON.stringify([await clientEvents(r), field(h, 'backlog', 'queued_commands')]);
      },
    };
  },
  durable: [events],
  fuzz: {
    hints: {
      type: (rng) => rng.pick(['MONEY_CHANGED', 'GAME_STATE', 'HEARTBEAT', 'connection_test', 'TELEPORTED']),
      commands: (rng) => [rng.pick(['play_hand', 'select_card:0', 'discard', 'go_to_shop', 'teleport'])],
    },
  },
  ws: [{
    path: '/ws/events',
    probe: () => ({ type: 'ping' }),
    isProbeReply: (m) => field(m, 'type') === 'pong',
  }],
  soak: {
    http: [
      // The first page of history: the same 20 events however long the log grows.
      { name: 'history', hz: 20, make: () => ({ method: 'GET', path: '/api/v1/events?limit=20' }) },
      { name: 'events/batch', hz: 2, make: (_s, i) => ({ method: 'POST', path: '/api/v1/events/batch', body: { batch_id: `soak-${i}`, source: 'soak', events: Array.from({ length: 5 }, (_, k) => ({ type: 'MONEY_CHANGED', event_id: `soak-${i}-${k}`, source: 'soak', timestamp: Date.now(), payload: { old: i, new: i + 1 } })) } }) },
      { name: 'commands', hz: 1, make: () => ({ method: 'POST', path: '/api/v1/commands', body: { game_id: 'soak-game', commands: ['play_hand', 'select_card:0'] } }) },
      { name: 'commands/poll', hz: 2, make: () => ({ method: 'GET', path: '/api/v1/commands/poll?game_id=soak-game' }) },
      { name: 'health', hz: 1, make: () => ({ method: 'GET', path: '/api/v1/events/health' }) },
    ],
    ws: [{ endpoint: { path: '/ws/events', query: 'patterns=game.>', probe: () => ({ type: 'ping' }), isProbeReply: (m) => field(m, 'type') === 'pong' }, clients: 5, hz: 20 }],
  },
  pool: [],
  dependencies: [{ name: 'nats down', run: natsDown }],
  reads: () => [{ method: 'GET', path: '/api/v1/events/health' }, { method: 'GET', path: '/api/v1/events?limit=10' }, { method: 'GET', path: '/api/v1/topics' }],
};
