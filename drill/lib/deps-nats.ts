/**
 * NATS down under the event bus on its NATS backend: a real nats-server is killed with -9
 * while the bus runs. Publishes must be refused with 503 and Retry-After in the envelope
 * (never a 2xx for an event that is not stored), health must say NATS is down, and once
 * nats-server is back the same process must take events again by itself; every event
 * acknowledged before, during and after is in the history exactly once.
 */
import { natsServerPath, NATS_SKIP_MESSAGE, startNats, type NatsServer } from '../../test/services/eventbus/nats-server.ts';
import { envelopeProblem } from './envelope.ts';
import { excerpt, field, must, send, type Exchange } from './http.ts';
import { DrillServer } from './server.ts';
import { fail, mb, row } from './table.ts';
import type { DependencyContext, DrillRow } from './types.ts';

const PER_BATCH = 5;

function batch(tag: string): Record<string, unknown> {
  return {
    batch_id: `drill-nats-${tag}`, source: 'drill', timestamp: Date.now(),
    events: Array.from({ length: PER_BATCH }, (_, k) => ({ type: 'MONEY_CHANGED', event_id: `drill-nats-${tag}-${k}`, source: 'drill', timestamp: Date.now(), payload: { old: k, new: k + 1 } })),
  };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await Bun.sleep(100);
  }
}

/** event_id → how many times the history holds it. */
async function stored(url: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let after = 0;
  for (;;) {
    const page = await must('GET', `${url}/api/v1/events?after=${after}&limit=1000`);
    const events = (field(page, 'events') ?? []) as { sequence: number; event: { event_id?: string } }[];
    for (const v of events) {
      const id = v.event.event_id ?? '';
      out.set(id, (out.get(id) ?? 0) + 1);
      after = Math.max(after, v.sequence);
    }
    if (events.length === 0) return out;
  }
}

/** Health as JSON whatever its status (it answers 503 while NATS is down). */
async function healthOf(url: string): Promise<Record<string, unknown>> {
  const x = await send('GET', `${url}/api/v1/events/health`, { timeoutMs: 10_000 });
  return (x.json ?? {}) as Record<string, unknown>;
}

export async function natsDown(ctx: DependencyContext): Promise<DrillRow> {
  const r = row('deps: nats down', 'eventbus', ctx.seed);
  if (!natsServerPath()) {
    r.verdict = 'skip';
    r.notes.push(NATS_SKIP_MESSAGE);
    return r;
  }
  let nats: NatsServer | null = null;
  let server: DrillServer | null = null;
  const acked: string[] = [];
  const post = async (tag: string): Promise<Exchange> => {
    r.operations++;
    const x = await send('POST', `${server!.url('eventbus')}/api/v1/events/batch`, { body: batch(tag), timeoutMs: 15_000 });
    if (x.status === 200) {
      r.acknowledged++;
      for (let k = 0; k < PER_BATCH; k++) acked.push(`drill-nats-${tag}-${k}`);
    }
    return x;
  };
  try {
    nats = await startNats();
    server = await DrillServer.start({ services: ['eventbus'], sets: { 'services.eventbus.options.backend': 'nats', 'services.eventbus.options.natsUrl': nats.url } });
    const url = server.url('eventbus');
    const up = await post('before');
    if (up.status !== 200) fail(r, `NATS up: expected 200, got ${up.status} ${excerpt(up.text, 200)}`);

    await nats.kill();
    const down = await post('down');
    if (down.status === 200) fail(r, 'NATS down: a batch was acknowledged (2xx) with nats-server killed');
    else if (down.status !== 503) fail(r, `NATS down: expected 503, got ${down.status} ${excerpt(down.text, 200)}`);
    else {
      const env = envelopeProblem('eventbus', down);
      if (env) fail(r, `NATS down: 503 outside the envelope: ${env}`);
      if (!down.headers.get('retry-after')) fail(r, 'NATS down: the 503 has no Retry-After');
    }
    const health = await waitFor('health to say NATS is down', async () => {
      const h = await healthOf(url);
      return h.status === 'unavailable' ? h : undefined;
    }, 15_000).catch((e: Error) => {
      fail(r, e.message);
      return null;
    });
    if (health && !/NATS/i.test(String(field(health, 'last_error') ?? ''))) fail(r, `health does not say why: ${excerpt(JSON.stringify(health), 200)}`);
    r.notes.push(`down: ${down.status} "${excerpt(String(field(down.json, 'error', 'message') ?? down.text), 120)}", Retry-After ${down.headers.get('retry-after') ?? '-'}; health ${excerpt(String(field(health, 'last_error') ?? ''), 100)}`);

    const pid = server.proc.pid;
    const downAt = performance.now();
    await nats.restart();
    let n = 0;
    await waitFor('publishing to resume without a restart', async () => ((await post(`after-${n++}`)).status === 200 ? true : undefined), 30_000);
    r.notes.push(`publishing resumed ${Math.round(performance.now() - downAt)} ms after nats-server was restarted, same process (pid ${pid})`);
    await waitFor('health to be ok again', async () => ((await healthOf(url)).status === 'ok' ? true : undefined), 15_000).catch((e: Error) => fail(r, e.message));

    const held = await stored(url);
    const missing = acked.filter((id) => (held.get(id) ?? 0) === 0);
    const twice = acked.filter((id) => (held.get(id) ?? 0) > 1);
    const refused = Array.from({ length: PER_BATCH }, (_, k) => `drill-nats-down-${k}`).filter((id) => (held.get(id) ?? 0) > 0);
    r.found_after = acked.length - missing.length;
    r.lost = missing.length;
    if (missing.length) fail(r, `acknowledged events missing: ${missing.slice(0, 5).join(', ')}`);
    if (twice.length) fail(r, `stored twice: ${twice.slice(0, 5).join(', ')}`);
    if (down.status !== 200 && refused.length) fail(r, `the refused batch is (partly) stored: ${refused.join(', ')}`);
    if (!server.alive) {
      r.server_died = true;
      fail(r, `the server died:\n${server.logTail(10)}`);
    }
    r.rss_mb = mb(server.rssBytes());
  } catch (e) {
    fail(r, `drill stopped: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    await server?.stop();
    await nats?.stop();
  }
  return r;
}
