import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { allEvents, startBus, type Bus } from '../bus.ts';
import { eventually } from '../component-clients.ts';

let bus: Bus;
beforeAll(async () => {
  bus = await startBus({ resources: { grpcPort: 0, gpuCompute: { capacity: 100, quotas: { trainer: 60 }, otherQuota: 0 }, requestTimeoutMs: 3000 } });
});
afterAll(async () => {
  await bus.stop();
});

type Grant = { grant_id: string; granted: boolean; component: string; type: string; amount: number; duration_ms: number; granted_at_ms: number; expires_at_ms: number; reason: string; waited_ms: number; available: number; request_id: string; priority: string };
type Pool = { type: string; capacity: number; in_use: number; available: number; usage_ratio: number; waiting: number; in_use_by_component: Record<string, number>; quota_by_component: Record<string, number> };

const req = (body: Record<string, unknown>): Promise<Response> => bus.call('POST', '/api/v1/resources/requests', body);
const status = async (): Promise<{ pools: Pool[]; active_grants: Grant[]; queued: number }> => (await (await bus.call('GET', '/api/v1/resources')).json()) as { pools: Pool[]; active_grants: Grant[]; queued: number };
const pool = async (type: string): Promise<Pool> => (await status()).pools.find((p) => p.type === type)!;

describe('resource coordinator over REST', () => {
  test('a request is granted with every field, counted in the pool and released back', async () => {
    const before = Date.now();
    const r = await req({ component: 'learning', type: 'MEMORY_MB', amount: 4096, duration_ms: 60_000, priority: 'HIGH', request_id: 'r-1' });
    expect(r.status).toBe(201);
    const g = (await r.json()) as Grant;
    expect(g).toEqual({ grant_id: g.grant_id, granted: true, component: 'learning', type: 'MEMORY_MB', amount: 4096, duration_ms: 60_000, granted_at_ms: g.granted_at_ms, expires_at_ms: g.granted_at_ms + 60_000, reason: '', waited_ms: 0, available: 32_768 - 4096, request_id: 'r-1', priority: 'HIGH' });
    expect(g.grant_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(g.granted_at_ms).toBeGreaterThanOrEqual(before);
    const p = await pool('MEMORY_MB');
    expect(p).toMatchObject({ capacity: 32_768, in_use: 4096, available: 28_672, usage_ratio: 4096 / 32_768, waiting: 0, in_use_by_component: { learning: 4096 } });
    expect(p.quota_by_component.learning).toBe(8192);
    const metrics = bus.app.metrics.render();
    expect(metrics).toContain('jimbot_resource_usage_ratio{component="learning",resource_type="MEMORY_MB"} 0.5');
    expect(metrics).toContain('jimbot_resource_usage_ratio{component="all",resource_type="MEMORY_MB"} 0.125');
    const rel = await bus.call('DELETE', `/api/v1/resources/grants/${g.grant_id}`);
    expect(rel.status).toBe(200);
    expect(await rel.json()).toEqual({ grant_id: g.grant_id, released: true, amount: 4096, available: 32_768, type: 'MEMORY_MB' });
    expect((await pool('MEMORY_MB')).in_use).toBe(0);
    expect(((await (await bus.call('GET', `/api/v1/resources/grants/${g.grant_id}`)).json()) as { state: string }).state).toBe('released');
  });

  test('waiting requests are served by priority, then arrival, when capacity frees', async () => {
    const holder = (await (await req({ component: 'a', type: 'GPU_COMPUTE', amount: 100 })).json()) as Grant;
    const order: string[] = [];
    const low = req({ component: 'low', type: 'GPU_COMPUTE', amount: 100, priority: 'LOW' }).then(async (r) => { order.push('low'); return (await r.json()) as Grant; });
    await eventually(async () => ((await pool('GPU_COMPUTE')).waiting === 1 ? true : undefined));
    const high = req({ component: 'high', type: 'GPU_COMPUTE', amount: 100, priority: 'CRITICAL' }).then(async (r) => { order.push('high'); return (await r.json()) as Grant; });
    await eventually(async () => ((await pool('GPU_COMPUTE')).waiting === 2 ? true : undefined));
    await bus.call('DELETE', `/api/v1/resources/grants/${holder.grant_id}`);
    const h = await high;
    expect(h).toMatchObject({ granted: true, component: 'high', priority: 'CRITICAL' });
    // It waited in the queue (waiting === 2 above); waited_ms is whole milliseconds and may round to 0 here.
    expect(order).toEqual(['high']);
    await bus.call('DELETE', `/api/v1/resources/grants/${h.grant_id}`);
    const l = await low;
    expect(l).toMatchObject({ granted: true, component: 'low' });
    expect(order).toEqual(['high', 'low']);
    await bus.call('DELETE', `/api/v1/resources/grants/${l.grant_id}`);
  });

  test('a request that cannot be served within its wait is denied with 409 and the reason', async () => {
    const holder = (await (await req({ component: 'a', type: 'GPU_COMPUTE', amount: 90 })).json()) as Grant;
    const r = await req({ component: 'b', type: 'GPU_COMPUTE', amount: 20, wait_ms: 60 });
    expect(r.status).toBe(409);
    const body = (await r.json()) as { status: string; error: { code: string; message: string; details: Grant } };
    expect(body.status).toBe('error');
    expect(body.error.code).toBe('RESOURCE_UNAVAILABLE');
    expect(body.error.details).toMatchObject({ granted: false, grant_id: '', component: 'b', amount: 20, available: 10 });
    expect(body.error.details.waited_ms).toBeGreaterThanOrEqual(50);
    const now = await req({ component: 'c', type: 'GPU_COMPUTE', amount: 20, wait_ms: -1 });
    expect(now.status).toBe(409);
    await bus.call('DELETE', `/api/v1/resources/grants/${holder.grant_id}`);
  });

  test('a component quota holds back only that component', async () => {
    const t1 = (await (await req({ component: 'trainer', type: 'GPU_COMPUTE', amount: 50 })).json()) as Grant;
    const over = await req({ component: 'trainer', type: 'GPU_COMPUTE', amount: 20, wait_ms: -1 });
    expect(over.status).toBe(409);
    expect(((await over.json()) as { error: { message: string } }).error.message).toContain('quota 60');
    const other = await req({ component: 'viewer', type: 'GPU_COMPUTE', amount: 20, wait_ms: -1 });
    expect(other.status).toBe(201);
    await bus.call('DELETE', `/api/v1/resources/grants/${t1.grant_id}`);
    await bus.call('DELETE', `/api/v1/resources/grants/${((await other.json()) as Grant).grant_id}`);
  });

  test('grants expire after duration_ms, the capacity returns, and a late release is 409 GRANT_EXPIRED', async () => {
    const g = (await (await req({ component: 'shortlived', type: 'CLAUDE_API_TOKENS', amount: 5000, duration_ms: 80 })).json()) as Grant;
    expect((await pool('CLAUDE_API_TOKENS')).in_use).toBe(5000);
    await eventually(async () => ((await pool('CLAUDE_API_TOKENS')).in_use === 0 ? true : undefined), 2000, 'expiry');
    const rel = await bus.call('DELETE', `/api/v1/resources/grants/${g.grant_id}`);
    expect(rel.status).toBe(409);
    expect(((await rel.json()) as { error: { code: string } }).error.code).toBe('GRANT_EXPIRED');
  });

  test('grants, denials, releases and expiries are events on the bus', async () => {
    const g = (await (await req({ component: 'evt', type: 'MEMORY_MB', amount: 10, duration_ms: 50 })).json()) as Grant;
    const hold = (await (await req({ component: 'evt-hold', type: 'GPU_COMPUTE', amount: 100 })).json()) as Grant;
    expect((await req({ component: 'evt', type: 'GPU_COMPUTE', amount: 10, wait_ms: -1 })).status).toBe(409);
    await bus.call('DELETE', `/api/v1/resources/grants/${hold.grant_id}`);
    await eventually(async () => {
      const evs = await allEvents(bus, 'topic=metrics.resource');
      const kinds = evs.filter((e) => (e.event.payload as { component?: string }).component === 'evt').map((e) => (e.event.payload as { kind: string }).kind);
      return kinds.includes('granted') && kinds.includes('denied') && kinds.includes('expired') ? kinds : undefined;
    }, 3000, 'resource events');
    const evs = await allEvents(bus, 'topic=metrics.resource');
    const granted = evs.find((e) => (e.event.payload as { grant_id?: string }).grant_id === g.grant_id && (e.event.payload as { kind: string }).kind === 'granted')!;
    expect(granted.event).toMatchObject({ type: 'METRIC', source: 'resource_coordinator', subtype: 'resource' });
    expect(granted.event.payload).toMatchObject({ kind: 'granted', component: 'evt', type: 'MEMORY_MB', amount: 10, capacity: 32_768 });
  });
});

describe('resource coordinator bad input (clear status, nothing changes)', () => {
  test('over capacity, over quota, negative or zero amounts, unknown types and priorities are 400s', async () => {
    const before = await status();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ component: 'x', type: 'GPU_COMPUTE', amount: 101 }, 'OVER_CAPACITY', "more than the pool's capacity of 100"],
      [{ component: 'learning', type: 'MEMORY_MB', amount: 9000 }, 'OVER_CAPACITY', 'quota of 8192'],
      [{ component: 'x', type: 'GPU_COMPUTE', amount: -5 }, 'VALIDATION_ERROR', 'amount'],
      [{ component: 'x', type: 'GPU_COMPUTE', amount: 0 }, 'VALIDATION_ERROR', 'amount'],
      [{ component: 'x', type: 'GPU_COMPUTE', amount: 1.5 }, 'VALIDATION_ERROR', 'amount'],
      [{ component: 'x', type: 'GPU_COMPUTE', amount: 1, duration_ms: -1 }, 'VALIDATION_ERROR', 'duration_ms'],
      [{ component: 'x', type: 'TPU', amount: 1 }, 'VALIDATION_ERROR', 'type'],
      [{ component: 'x', type: 'GPU_COMPUTE', amount: 1, priority: 'URGENT' }, 'VALIDATION_ERROR', 'priority'],
      [{ type: 'GPU_COMPUTE', amount: 1 }, 'VALIDATION_ERROR', 'component'],
    ];
    for (const [body, code, text] of cases) {
      const r = await req(body);
      expect({ body, status: r.status }).toEqual({ body, status: 400 });
      const e = (await r.json()) as { error: { code: string; message: string } };
      expect({ body, code: e.error.code }).toEqual({ body, code });
      expect(e.error.message).toContain(text);
    }
    expect(await status()).toEqual(before);
  });

  test('releasing an unknown grant is 404, releasing twice is 409 ALREADY_RELEASED, and the pool is unchanged', async () => {
    const unknown = await bus.call('DELETE', '/api/v1/resources/grants/no-such-grant');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    const g = (await (await req({ component: 'twice', type: 'MEMORY_MB', amount: 100 })).json()) as Grant;
    expect((await bus.call('POST', '/api/v1/resources/release', { grant_id: g.grant_id })).status).toBe(200);
    const before = await status();
    const again = await bus.call('POST', '/api/v1/resources/release', { grant_id: g.grant_id });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'ALREADY_RELEASED' });
    const wrongOwner = (await (await req({ component: 'owner', type: 'MEMORY_MB', amount: 100 })).json()) as Grant;
    const mismatch = await bus.call('DELETE', `/api/v1/resources/grants/${wrongOwner.grant_id}?component=thief`);
    expect(mismatch.status).toBe(400);
    expect((await pool('MEMORY_MB')).in_use).toBe(100);
    await bus.call('DELETE', `/api/v1/resources/grants/${wrongOwner.grant_id}`);
    expect(await status()).toEqual(before);
  });
});

describe('resource coordinator persistence', () => {
  test('an active grant survives a restart with its expiry', async () => {
    const b = await startBus({}, {});
    const g = (await (await b.call('POST', '/api/v1/resources/requests', { component: 'keeper', type: 'MEMORY_MB', amount: 512, duration_ms: 600_000 })).json()) as Grant;
    await b.stop({ keepData: true });
    const again = await startBus({}, { dataDir: b.dataDir });
    try {
      const s = (await (await again.call('GET', '/api/v1/resources')).json()) as { active_grants: Grant[] };
      expect(s.active_grants.map((x) => [x.grant_id, x.amount, x.expires_at_ms])).toEqual([[g.grant_id, 512, g.expires_at_ms]]);
      expect((await again.call('DELETE', `/api/v1/resources/grants/${g.grant_id}`)).status).toBe(200);
    } finally {
      await again.stop();
    }
  });
});
