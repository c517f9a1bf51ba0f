/** Test helpers for the event bus: start it (gRPC on a free port), post, read history, open sockets. */
import { afterAll, describe, test } from 'bun:test';
import { Packr } from 'msgpackr';
import type { EventView } from '../../../src/services/eventbus/engine/view.ts';
import { createEventBusService } from '../../../src/services/eventbus/index.ts';
import { startTestService, type TestService, type TestServiceOptions } from '../../helpers.ts';
import { MOD_HEADERS } from './fixtures.ts';
import { NATS_SKIP_MESSAGE, natsServerPath, startNats, type NatsServer } from './nats-server.ts';

export interface Bus extends TestService {
  post(path: string, body: string | Uint8Array, headers?: Record<string, string>): Promise<Response>;
  history(query?: string): Promise<{ status: string; events: View[]; count: number; has_more: boolean; next_after: number | null; next_before: number | null; head_sequence: number }>;
  health(): Promise<Record<string, unknown>>;
}

/** What history and subscriptions return per event. */
export type View = EventView;

export async function startBus(options: Record<string, unknown> = {}, o: TestServiceOptions = {}): Promise<Bus> {
  const svc = await startTestService('eventbus', createEventBusService, { ...o, options: { grpcPort: 0, sweepInterval: '1h', resources: { grpcPort: 0 }, ...options } });
  const bus: Bus = {
    ...svc,
    post: (path, body, headers = MOD_HEADERS) => fetch(svc.url + path, { method: 'POST', headers, body }),
    async history(query = '') {
      const r = await fetch(`${svc.url}/api/v1/events${query ? `?${query}` : ''}`);
      if (r.status !== 200) throw new Error(`history ${query}: ${r.status} ${await r.text()}`);
      return (await r.json()) as Awaited<ReturnType<Bus['history']>>;
    },
    async health() {
      return (await (await fetch(`${svc.url}/api/v1/events/health`)).json()) as Record<string, unknown>;
    },
  };
  return bus;
}

export type Backend = 'sqlite' | 'nats';
export type StartBus = (options?: Record<string, unknown>, o?: TestServiceOptions) => Promise<Bus>;

/**
 * Starts a bus on the NATS backend, on its own nats-server unless one is given (null: the
 * `natsUrl` of the options); stopping the bus stops a server it started.
 */
export async function startNatsBus(options: Record<string, unknown> = {}, o: TestServiceOptions = {}, server?: NatsServer | null): Promise<Bus> {
  const own = server === undefined ? await startNats() : null;
  const url = (server ?? own)?.url;
  try {
    const bus = await startBus({ backend: 'nats', ...(url ? { natsUrl: url } : {}), ...options }, o);
    let stopped: Promise<void> | null = null;
    return {
      ...bus,
      stop(opts) {
        stopped ??= (async () => {
          await bus.stop(opts);
          await own?.stop();
        })();
        return stopped;
      },
    };
  } catch (e) {
    await own?.stop();
    throw e;
  }
}

let warned = false;

/**
 * Registers a suite once per log backend: SQLite, and NATS JetStream against a real
 * nats-server. Without nats-server the NATS suite is a skipped test saying so.
 */
export function eachBackend(name: string, body: (start: StartBus, backend: Backend) => void): void {
  describe(`${name} (sqlite log)`, () => body(startBus, 'sqlite'));
  if (!natsServerPath()) {
    if (!warned) console.warn(`\n*** ${NATS_SKIP_MESSAGE} ***\n`);
    warned = true;
    describe(`${name} (nats log)`, () => test.skip(NATS_SKIP_MESSAGE, () => undefined));
    return;
  }
  describe(`${name} (nats log)`, () => {
    const started: Bus[] = [];
    body(async (options, o) => {
      const bus = await startNatsBus(options, o);
      started.push(bus);
      return bus;
    }, 'nats');
    // Registered after the suite's own hooks: whatever a test left running is stopped last.
    afterAll(async () => {
      for (const b of started) await b.stop().catch(() => undefined);
    }, 30_000);
  });
}

/** A suite that needs a real nats-server: without one it is a skipped test saying so. */
export function describeNats(name: string, body: () => void): void {
  if (natsServerPath()) describe(name, body);
  else describe(name, () => test.skip(NATS_SKIP_MESSAGE, () => undefined));
}

/** Posts one MONEY_CHANGED event per id as one batch (same id = same content); returns the status and, on 200, the sequences. */
export async function postIds(bus: { url: string }, ids: string[], type = 'MONEY_CHANGED'): Promise<{ status: number; retryAfter: string | null; seqs: number[] }> {
  const events = ids.map((id) => ({ type, event_id: id, source: 'fault-test', timestamp: 1_733_000_000_000, payload: { id } }));
  try {
    const r = await fetch(`${bus.url}/api/v1/events/batch`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ batch_id: ids[0], events }) });
    const body = (await r.json()) as { results?: { sequence: number }[] };
    return { status: r.status, retryAfter: r.headers.get('retry-after'), seqs: r.status === 200 ? body.results!.map((x) => x.sequence) : [] };
  } catch {
    return { status: 0, retryAfter: null, seqs: [] };
  }
}

/** Polls `check` until it returns a value (not undefined) or the time is up. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(25);
  }
}

/** The gRPC address the bus reports in its health (port 0 → the bound port). */
export async function grpcAddress(bus: Bus): Promise<string> {
  const h = await bus.health();
  return (h.grpc as { address: string }).address;
}

export async function allEvents(bus: Bus, query = '', from = 0): Promise<View[]> {
  const out: View[] = [];
  let after = from;
  for (;;) {
    const page = await bus.history(`limit=1000&after=${after}${query ? `&${query}` : ''}`);
    out.push(...page.events);
    if (page.next_after === null) return out;
    after = page.next_after;
  }
}

const packr = new Packr({ useRecords: false });

export interface Socket {
  ws: WebSocket;
  next(type?: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Every `events` frame's events until `count` have arrived. */
  events(count: number, timeoutMs?: number): Promise<View[]>;
  send(msg: unknown): void;
  all: Record<string, unknown>[];
}

export function openSocket(url: string, protocols?: string[]): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    ws.binaryType = 'arraybuffer';
    const all: Record<string, unknown>[] = [];
    const inbox: Record<string, unknown>[] = [];
    let wake: (() => void) | null = null;
    ws.onmessage = (ev) => {
      const msg = (typeof ev.data === 'string' ? JSON.parse(ev.data) : packr.unpack(new Uint8Array(ev.data as ArrayBuffer))) as Record<string, unknown>;
      all.push(msg);
      inbox.push(msg);
      wake?.();
    };
    ws.onerror = () => reject(new Error('ws error'));
    const waitFor = async (pred: (m: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = inbox.findIndex(pred);
        if (i >= 0) return inbox.splice(i, 1)[0]!;
        if (Date.now() > deadline) throw new Error(`no matching frame in ${timeoutMs} ms; got ${JSON.stringify(inbox).slice(0, 300)}`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 20);
        });
      }
    };
    const sock: Socket = {
      ws,
      all,
      next: (type, timeoutMs = 3000) => waitFor((m) => type === undefined || m.type === type, timeoutMs),
      async events(count, timeoutMs = 5000) {
        const got: View[] = [];
        while (got.length < count) got.push(...((await waitFor((m) => m.type === 'events', timeoutMs)).events as View[]));
        return got;
      },
      send: (msg) => ws.send(protocols?.includes('msgpack') ? packr.pack(msg) : JSON.stringify(msg)),
    };
    ws.onopen = () => resolve(sock);
  });
}

/** The rejection of `p` (bun's `expect(p).rejects` holds up the worker messages the log's promises wait for). */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}
