import { afterAll, beforeAll, expect, test } from 'bun:test';
import { allEvents, describeNats, grpcAddress, openSocket, postIds, startNatsBus, waitFor, type Bus, type View } from './bus.ts';
import { eventBusClient, type EventMsg } from './grpc-client.ts';
import { startServer } from '../../../bench/lib/server.ts';
import { startNats, type NatsServer } from './nats-server.ts';

const wsUrl = (bus: Bus, q: string): string => `${bus.url.replace('http', 'ws')}/ws/events${q}`;

describeNats('several hotloop nodes on one NATS', () => {
  let nats: NatsServer;
  let a: Bus;
  let b: Bus;
  beforeAll(async () => {
    nats = await startNats();
    a = await startNatsBus({}, {}, nats);
    b = await startNatsBus({}, {}, nats);
  }, 30_000);
  afterAll(async () => {
    await a.stop();
    await b.stop();
    await nats.stop();
  }, 30_000);

  test('an event published on node A reaches WebSocket and gRPC subscribers on node B, and history is the same on both nodes', async () => {
    const sock = await openSocket(wsUrl(b, '?patterns=game.>'));
    await sock.next('welcome');
    await sock.next('subscribed');
    const client = eventBusClient(await grpcAddress(b));
    const got: EventMsg[] = [];
    const stream = client.SubscribeEvents({ patterns: ['game.money.changed'] });
    stream.on('data', (e: EventMsg) => got.push(e));
    stream.on('error', () => undefined);
    await new Promise((resolve) => stream.on('metadata', resolve));

    const onA = await postIds(a, ['n-a-1', 'n-a-2', 'n-a-3']);
    const onB = await postIds(b, ['n-b-1']);
    expect(onA.status).toBe(200);
    expect(onB.status).toBe(200);
    // One global sequence: B's event comes after A's, whichever node took it.
    expect(onB.seqs[0]).toBeGreaterThan(onA.seqs[2]!);

    const views = await sock.events(4);
    expect(views.map((v) => v.event.event_id)).toEqual(['n-a-1', 'n-a-2', 'n-a-3', 'n-b-1']);
    expect(views.map((v) => v.sequence)).toEqual([...onA.seqs, ...onB.seqs]);
    await waitFor('4 gRPC events on node B', () => (got.length >= 4 ? true : undefined), 10_000);
    expect(got.map((e) => e.event_id)).toEqual(['n-a-1', 'n-a-2', 'n-a-3', 'n-b-1']);
    expect(got.map((e) => Number(e.metadata!['bus.sequence']))).toEqual([...onA.seqs, ...onB.seqs]);
    stream.cancel();
    client.close();
    sock.ws.close();

    // Each node's head is where its own tail has reached: A sees B's event within milliseconds.
    await waitFor("node A's head to reach B's event", async () => ((await a.history('limit=1')).head_sequence >= onB.seqs[0]! ? true : undefined));
    const histA = await allEvents(a);
    expect(histA.map((v) => v.event.event_id)).toEqual(['n-a-1', 'n-a-2', 'n-a-3', 'n-b-1']);
    expect(await allEvents(b)).toEqual(histA);
  });

  test("a re-send to the other node is stored once: the duplicate answer carries the first copy's sequence", async () => {
    const first = await postIds(a, ['n-dup-1']);
    const again = await postIds(b, ['n-dup-1']);
    expect(first.status).toBe(200);
    expect(again).toEqual({ status: 200, retryAfter: null, seqs: first.seqs });
    const stored = (await allEvents(b)).filter((v) => v.event.event_id === 'n-dup-1');
    expect(stored.map((v) => v.sequence)).toEqual(first.seqs);
  });

  test("components deriving state from the bus converge on every node: analytics on A and on B count the same games from events posted to both", async () => {
    const gs = (game: string, ante: number) => ({ type: 'GAME_STATE', source: 'BalatroMCP', event_id: `conv-${game}-${ante}`, timestamp: 1_733_000_000_000 + ante, payload: { game_id: game, ante, round: ante, chips: 100 * ante, money: 5 } });
    const post = async (bus: Bus, events: unknown[]): Promise<number> => {
      const r = (await (await fetch(`${bus.url}/api/v1/events/batch`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ events }) })).json()) as { last_sequence: number };
      return r.last_sequence;
    };
    await post(a, [gs('CONV-A', 1), gs('CONV-A', 2)]);
    const top = await post(b, [gs('CONV-B', 1), gs('CONV-A', 3)]);
    const games = async (bus: Bus): Promise<unknown[][] | undefined> => {
      const r = (await (await fetch(`${bus.url}/api/v1/query`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ sql: "SELECT game_id, max_ante, events FROM games WHERE game_id LIKE 'CONV-%' ORDER BY game_id" }) })).json()) as { rows: unknown[][]; as_of_sequence: number };
      return r.as_of_sequence >= top ? r.rows : undefined;
    };
    const want = [['CONV-A', 3, 3], ['CONV-B', 1, 1]];
    expect(await waitFor('analytics on A to apply every event', () => games(a), 15_000)).toEqual(want);
    expect(await waitFor('analytics on B to apply every event', () => games(b), 15_000)).toEqual(want);
  });

  test('a hotloop process killed (SIGKILL) while its subscribers are attached: they reconnect to another node and resume from their sequence with no gap and no duplicate', async () => {
    // A node of its own, in a child process, so it can really be killed.
    const c = await startServer(['eventbus'], {
      sets: { 'services.eventbus.options.backend': 'nats', 'services.eventbus.options.natsUrl': nats.url, 'services.eventbus.options.grpcPort': '0', 'services.eventbus.options.resources': '{"grpcPort":0}' },
      timeoutMs: 30_000,
    });
    try {
      const cUrl = c.url('eventbus');
      const head = ((await (await fetch(`${cUrl}/api/v1/events?limit=1`)).json()) as { head_sequence: number }).head_sequence;
      const sock = await openSocket(`${cUrl.replace('http', 'ws')}/ws/events?patterns=game.>&from_sequence=${head + 1}`);
      await sock.next('welcome');
      let producing = true;
      let n = 0;
      const acked: number[] = [];
      const producer = (async () => {
        while (producing) {
          const r = await postIds(b, [`n-kill-${n++}`, `n-kill-${n++}`]);
          if (r.status === 200) acked.push(...r.seqs);
        }
      })();
      const seen: number[] = [];
      while (seen.length < 10) seen.push(...(await sock.events(1, 10_000)).map((v) => v.sequence));
      c.proc.kill('SIGKILL');
      await c.proc.exited;
      await waitFor('the socket to close', () => (sock.ws.readyState === WebSocket.CLOSED ? true : undefined), 10_000);
      // Frames that arrived before the kill still count.
      for (const m of sock.all.slice()) if (m.type === 'events') for (const v of m.events as View[]) if (!seen.includes(v.sequence)) seen.push(v.sequence);
      const resume = seen[seen.length - 1]! + 1;
      const again = await openSocket(wsUrl(a, `?patterns=game.>&from_sequence=${resume}`));
      await again.next('welcome');
      await again.next('subscribed');
      await Bun.sleep(100);
      producing = false;
      await producer;
      const last = acked[acked.length - 1]!;
      while (seen[seen.length - 1]! < last) seen.push(...(await again.events(1, 10_000)).map((v) => v.sequence));
      again.ws.close();
      const expected = (await allEvents(a, 'topic=game.>', head)).map((v) => v.sequence).filter((s) => s <= last);
      expect(seen).toEqual(expected);
      for (const s of acked) expect(seen).toContain(s);
    } finally {
      await c.stop();
    }
  }, 30_000);
});
