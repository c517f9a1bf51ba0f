import { afterAll, beforeAll, expect, test } from 'bun:test';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { connect, nanos } from '@nats-io/transport-node';
import { NatsLogReader } from '../../../src/services/eventbus/log/nats-read.ts';
import { allEvents, describeNats, openSocket, postIds, startNatsBus, waitFor, type Bus, type View } from './bus.ts';
import { freePort, startNats, startNatsCluster, type NatsServer } from './nats-server.ts';

/** Posts batches of 5 from `clients` loops until stopped; keeps what was acknowledged and every refusal. */
function ingestLoops(bus: Bus, clients: number, tag: string) {
  const acked = new Map<string, number>();
  const refused: { status: number; retryAfter: string | null }[] = [];
  let running = true;
  let n = 0;
  const loops = Array.from({ length: clients }, async (_, c) => {
    while (running) {
      const ids = Array.from({ length: 5 }, () => `${tag}-${c}-${n++}`);
      const r = await postIds(bus, ids);
      if (r.status === 200) ids.forEach((id, i) => acked.set(id, r.seqs[i]!));
      else {
        refused.push({ status: r.status, retryAfter: r.retryAfter });
        await Bun.sleep(20);
      }
    }
  });
  return { acked, refused, stop: async () => void ((running = false), await Promise.all(loops)) };
}

/** Every acknowledged event is stored exactly once, at the sequence it was acknowledged with. */
async function expectAllStored(bus: Bus, acked: Map<string, number>): Promise<void> {
  // History reads up to the head this node's tail has reached: after a fail-over it may take a few seconds to get there.
  const top = Math.max(...acked.values());
  await waitFor(`the node's head to reach ${top}`, async () => ((await bus.health()).last_sequence as number) >= top ? true : undefined, 30_000).catch(async (e: Error) => {
    throw new Error(`${e.message}: ${JSON.stringify((await bus.health()).nats)}`);
  });
  // A read right after a fail-over may meet a stream leader election (503 to retry).
  const stored = await waitFor('a full history read', () => allEvents(bus).catch(() => undefined), 20_000);
  const byId = new Map<string, number[]>();
  for (const v of stored) byId.set(v.event.event_id as string, [...(byId.get(v.event.event_id as string) ?? []), v.sequence]);
  const lost = [...acked].filter(([id, seq]) => JSON.stringify(byId.get(id)) !== JSON.stringify([seq]));
  expect(lost).toEqual([]);
}

describeNats('NATS faults', () => {
  let nats: NatsServer;
  beforeAll(async () => {
    nats = await startNats();
  }, 30_000);
  afterAll(() => nats.stop(), 30_000);

  test('nats-server killed mid-ingest: refusals are 503 with Retry-After, health says why, and after a restart the bus reconnects by itself; nothing acknowledged is lost and a subscriber resumes with no gap', async () => {
    const bus = await startNatsBus({ natsStream: 'KILL', natsReconnectWait: '100ms', natsAckTimeout: '2s' }, {}, nats);
    let restarted = true;
    try {
      const sock = await openSocket(`${bus.url.replace('http', 'ws')}/ws/events?patterns=game.>&from_sequence=1`);
      const load = ingestLoops(bus, 3, 'k');
      await waitFor('200 acknowledged events', () => (load.acked.size >= 200 ? true : undefined));
      restarted = false;
      await nats.kill();
      await waitFor('a refusal', () => (load.refused.length > 0 ? true : undefined));
      const health = await waitFor('health to say NATS is down', async () => {
        const h = await bus.health();
        return h.status === 'unavailable' ? h : undefined;
      });
      expect(health.last_error).toMatch(/NATS/);
      expect((health.nats as { connected: boolean }).connected).toBe(false);
      const before = load.acked.size;
      await nats.restart();
      restarted = true;
      await waitFor('ingest to resume on its own', () => (load.acked.size > before + 100 ? true : undefined), 30_000);
      await load.stop();
      // Every refusal was a 503 with Retry-After (or the connection closing under it): never a 2xx for an unstored event.
      expect(load.refused.filter((r) => !(r.status === 503 && r.retryAfter !== null))).toEqual([]);
      await expectAllStored(bus, load.acked);
      await waitFor('health to be ok again', async () => ((await bus.health()).status === 'ok' ? true : undefined), 10_000);
      // The subscriber attached through the outage got every sequence, in order, once.
      const head = (await bus.history('limit=1')).head_sequence;
      const seen: number[] = [];
      while (seen.length < head) seen.push(...(await sock.events(1, 15_000)).map((v: View) => v.sequence));
      expect(seen).toEqual(Array.from({ length: head }, (_, i) => i + 1));
      sock.ws.close();
    } finally {
      await bus.stop();
      // The other tests of this suite use the same server.
      if (!restarted) await nats.restart();
    }
  }, 60_000);

  test('a missing stream is created with file storage, <prefix>.> subjects, max_age = retention, max_msg_size and replicas from config', async () => {
    const bus = await startNatsBus({ natsStream: 'MADE', topicPrefix: 'made', retentionPeriod: '2d', maxMessageSize: '2MB' }, {}, nats);
    try {
      const nc = await connect({ servers: nats.url });
      const info = await (await jetstreamManager(nc)).streams.info('MADE');
      await nc.close();
      expect(info.config).toMatchObject({ subjects: ['made.>'], storage: StorageType.File, retention: RetentionPolicy.Limits, max_age: nanos(2 * 86_400_000), num_replicas: 1 });
      expect(info.config.max_msg_size).toBeGreaterThanOrEqual(2 * 1_048_576);
      expect((await postIds(bus, ['made-1'])).status).toBe(200);
    } finally {
      await bus.stop();
    }
  });

  test('a stream with a configuration the log cannot use stops start-up with a message naming it; tunable limits are brought to the configured values', async () => {
    const nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'WRONG', subjects: ['wrong.>'], storage: StorageType.Memory });
    await jsm.streams.add({ name: 'OLDAGE', subjects: ['oldage.>'], storage: StorageType.File, max_age: nanos(3_600_000) });
    const err = await startNatsBus({ natsStream: 'WRONG', topicPrefix: 'wrong' }, {}, nats).then(
      async (b) => {
        await b.stop();
        return null;
      },
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/stream WRONG exists with a configuration this log cannot use: storage is "memory", expected "file"/);
    const bus = await startNatsBus({ natsStream: 'OLDAGE', topicPrefix: 'oldage', retentionPeriod: '7d' }, {}, nats);
    await bus.stop();
    expect((await jsm.streams.info('OLDAGE')).config.max_age).toBe(nanos(7 * 86_400_000));
    await nc.close();
  });
});

describeNats('NATS reads', () => {
  test('while no consumer can be created (a cluster electing its meta leader) a read goes on by single-message gets: same events, a bounded page with a cursor', async () => {
    const nats = await startNats();
    const bus = await startNatsBus({ natsStream: 'GETS' }, {}, nats);
    const nc = await connect({ servers: nats.url });
    try {
      const posted = await postIds(bus, Array.from({ length: 30 }, (_, i) => `get-${i}`));
      expect(posted.status).toBe(200);
      const jsm = await jetstreamManager(nc);
      const consumers = new Proxy(jsm.consumers, { get: (t, k) => (k === 'add' ? () => Promise.reject(new Error('timeout')) : Reflect.get(t, k)) });
      const refusing = new Proxy(jsm, { get: (t, k) => (k === 'consumers' ? consumers : Reflect.get(t, k)) });
      const o = { stream: 'GETS', prefix: 'jimbot', clockSkewMs: 0, latenessMs: 0 };
      const normal = new NatsLogReader(jsm, jetstream(nc), o);
      const byGets = new NatsLogReader(refusing, jetstream(nc), o);
      const q = { after: 4, limit: 10, maxScan: 100_000 };
      const want = await normal.read(q, 1, 30);
      const got = await byGets.read(q, 1, 30);
      expect(got).toEqual(want);
      expect(got.events.map((e) => e.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 5));
      // A filter that matches nothing: the page is bounded and hands back a cursor rather than an end.
      const none = await byGets.read({ after: 0, limit: 10, maxScan: 12, gameId: 'nobody' }, 1, 30);
      expect(none).toEqual({ events: [], next: 12 });
    } finally {
      await nc.close();
      await bus.stop();
      await nats.stop();
    }
  });
});

describeNats('NATS at start-up', () => {
  const failure = (p: Promise<Bus>): Promise<Error | null> => p.then(async (b) => {
    await b.stop();
    return null;
  }, (e: Error) => e);

  test('an unreachable NATS stops start-up with a message naming the URL', async () => {
    const port = await freePort();
    const err = await failure(startNatsBus({ natsUrl: `nats://127.0.0.1:${port}` }, {}, null));
    expect(err?.message).toContain(`eventbus: cannot reach NATS at nats://127.0.0.1:${port}`);
  });

  test("a server whose max_payload cannot hold max_message_size stops start-up saying what to set; a smaller max_message_size fits", async () => {
    const small = await startNats('1MB');
    try {
      const err = await failure(startNatsBus({}, {}, small));
      expect(err?.message).toMatch(/max_payload is 1048576 bytes, below max_message_size 10485760 .*set max_payload: 16MB/);
      const bus = await startNatsBus({ maxMessageSize: '512KB' }, {}, small);
      expect((await postIds(bus, ['small-1'])).status).toBe(200);
      await bus.stop();
    } finally {
      await small.stop();
    }
  });
});

describeNats('NATS cluster', () => {
  test('three nats-servers, stream replicas 3: one server killed mid-ingest, ingest goes on through the other two and nothing acknowledged is lost', async () => {
    const cluster = await startNatsCluster();
    let bus: Bus | null = null;
    try {
      bus = await startNatsBus({ natsUrl: cluster.urls, replicationFactor: 3, natsReconnectWait: '100ms', natsAckTimeout: '2s' }, {}, null);
      const load = ingestLoops(bus, 3, 'c');
      await waitFor('100 acknowledged events', () => (load.acked.size >= 100 ? true : undefined), 20_000);
      // The server this node is connected to: the hardest case (reconnect and, often, a new stream leader).
      const connected = (await bus.health()).nats as { server: string };
      const victim = cluster.servers.find((s) => connected.server.endsWith(`:${s.port}`)) ?? cluster.servers[0]!;
      await victim.kill();
      const before = load.acked.size;
      await waitFor('ingest to go on through the other two', () => (load.acked.size > before + 100 ? true : undefined), 30_000);
      await load.stop();
      expect(load.refused.filter((r) => !(r.status === 503 && r.retryAfter !== null))).toEqual([]);
      await expectAllStored(bus, load.acked);
    } finally {
      await bus?.stop();
      await cluster.stop();
    }
  }, 60_000);
});
