import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import * as grpc from '@grpc/grpc-js';
import { openSocket, startBus, type Bus } from '../bus.ts';
import { eventually, resourceAddress, resourceClient, unary, type ResourceClient } from '../component-clients.ts';

let bus: Bus;
let client: ResourceClient;
beforeAll(async () => {
  bus = await startBus();
  client = resourceClient(await resourceAddress(bus));
});
afterAll(async () => {
  client.close();
  await bus.stop();
});

describe('ResourceCoordinator over gRPC (its own server)', () => {
  test('RequestResource, GetResourceStatus, ReleaseResource and the event stream agree', async () => {
    const stream = client.SubscribeToResourceEvents({});
    const events: Record<string, unknown>[] = [];
    stream.on('data', (e: Record<string, unknown>) => events.push(e));
    stream.on('error', () => {});
    await Bun.sleep(50);
    const g = await unary(client, client.RequestResource, { component: 'learning', type: 'GPU_COMPUTE', amount: 40, duration_ms: 30_000, priority: 'HIGH', request_id: 'grpc-1' });
    expect(g.err).toBeNull();
    expect(g.res).toMatchObject({ granted: true, component: 'learning', type: 'GPU_COMPUTE', amount: 40, duration_ms: 30_000, priority: 'HIGH', request_id: 'grpc-1', available: 60, reason: '' });
    const grantId = g.res!.grant_id as string;
    const s = await unary(client, client.GetResourceStatus, {});
    const gpu = s.res!.pools.find((p) => p.type === 'GPU_COMPUTE')!;
    expect(gpu).toMatchObject({ capacity: 100, in_use: 40, available: 60, usage_ratio: 0.4, in_use_by_component: { learning: 40 } });
    expect(s.res!.active_grants.map((x) => x.grant_id)).toContain(grantId);
    const r = await unary(client, client.ReleaseResource, { grant_id: grantId });
    expect(r.err).toBeNull();
    expect(r.res).toEqual({ grant_id: grantId, released: true, amount: 40, available: 100, type: 'GPU_COMPUTE' });
    await eventually(() => (events.length >= 2 ? true : undefined));
    expect(events.map((e) => [e.kind, (e.grant as { grant_id: string }).grant_id])).toEqual([['granted', grantId], ['released', grantId]]);
    expect(events[0]!.event_id).toMatch(/^[0-9a-f-]{36}$/);
    stream.cancel();
  });

  test('bad requests get INVALID_ARGUMENT, OUT_OF_RANGE, NOT_FOUND, FAILED_PRECONDITION, and the pools stay as they were', async () => {
    const before = await unary(client, client.GetResourceStatus, {});
    const cases: [Record<string, unknown>, grpc.status, string][] = [
      [{ component: 'x', type: 'GPU_COMPUTE', amount: -3 }, grpc.status.INVALID_ARGUMENT, 'amount must be a positive integer'],
      [{ component: '', type: 'GPU_COMPUTE', amount: 3 }, grpc.status.INVALID_ARGUMENT, 'component'],
      [{ component: 'x', type: 'GPU_COMPUTE', amount: 500 }, grpc.status.OUT_OF_RANGE, "pool's capacity of 100"],
      [{ component: 'x', type: 'MEMORY_MB', amount: 2000 }, grpc.status.OUT_OF_RANGE, 'quota of 1024'],
    ];
    for (const [msg, code, text] of cases) {
      const { err } = await unary(client, client.RequestResource, msg);
      expect({ msg, code: err?.code }).toEqual({ msg, code });
      expect(err?.details).toContain(text);
    }
    const unknown = await unary(client, client.ReleaseResource, { grant_id: 'nope' });
    expect(unknown.err?.code).toBe(grpc.status.NOT_FOUND);
    const g = await unary(client, client.RequestResource, { component: 'y', type: 'CLAUDE_API_TOKENS', amount: 10 });
    await unary(client, client.ReleaseResource, { grant_id: g.res!.grant_id });
    const twice = await unary(client, client.ReleaseResource, { grant_id: g.res!.grant_id });
    expect(twice.err?.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(twice.err?.details).toContain('ALREADY_RELEASED');
    const after = await unary(client, client.GetResourceStatus, {});
    expect(after.res!.pools).toEqual(before.res!.pools);
  });

  test('a busy pool answers granted=false with the reason when the caller will not wait', async () => {
    const hold = await unary(client, client.RequestResource, { component: 'big', type: 'GPU_COMPUTE', amount: 100 });
    const denied = await unary(client, client.RequestResource, { component: 'small', type: 'GPU_COMPUTE', amount: 1, wait_ms: -1 });
    expect(denied.err).toBeNull();
    expect(denied.res).toMatchObject({ granted: false, grant_id: '', available: 0 });
    expect(denied.res!.reason).toContain('only 0 GPU_COMPUTE available');
    await unary(client, client.ReleaseResource, { grant_id: hold.res!.grant_id });
  });
});

describe('where the coordinator listens', () => {
  test('RESOURCE_COORDINATOR_URL (from the environment) sets the address; a bad one stops start-up naming the setting', async () => {
    const b = await startBus({ resources: {} }, { env: { RESOURCE_COORDINATOR_URL: 'grpc://localhost:0' } });
    try {
      expect(await resourceAddress(b)).toMatch(/^127\.0\.0\.1:\d+$/);
    } finally {
      await b.stop();
    }
    let err: unknown = null;
    try {
      const bad = await startBus({ resources: {} }, { env: { RESOURCE_COORDINATOR_URL: 'grpc://nowhere' } });
      await bad.stop();
    } catch (e) {
      err = e;
    }
    expect(String(err)).toContain('services.eventbus.options.resources.grpcUrl');
  });

  test('WS /ws/resources streams the same events', async () => {
    const sock = await openSocket(`${bus.url.replace('http', 'ws')}/ws/resources`);
    await sock.next('welcome');
    const g = await unary(client, client.RequestResource, { component: 'ws', type: 'CLAUDE_API_TOKENS', amount: 5 });
    const e = await sock.next('resource_event');
    expect(e).toMatchObject({ type: 'resource_event', kind: 'granted', grant: { grant_id: g.res!.grant_id, component: 'ws', amount: 5 } });
    await unary(client, client.ReleaseResource, { grant_id: g.res!.grant_id });
    expect(await sock.next('resource_event')).toMatchObject({ kind: 'released' });
    sock.ws.close();
  });
});
