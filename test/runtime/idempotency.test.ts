import { describe, expect, test } from 'bun:test';
import { Idempotency, MemoryReplayStore } from '../../src/runtime/idempotency.ts';

describe('idempotency replay cache', () => {
  test('replays the first response for the same key without running again', async () => {
    const idem = new Idempotency();
    let runs = 0;
    const produce = async () => Response.json({ id: ++runs }, { status: 201 });
    const a = await idem.once('k1', produce);
    const b = await idem.once('k1', produce);
    expect(runs).toBe(1);
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(await a.json()).toEqual({ id: 1 });
    expect(await b.json()).toEqual({ id: 1 });
    expect(b.headers.get('Idempotent-Replayed')).toBe('true');
    expect(a.headers.get('Idempotent-Replayed')).toBeNull();
  });

  test('concurrent duplicates wait for the first and share its response', async () => {
    const idem = new Idempotency();
    let runs = 0;
    const produce = async () => {
      runs++;
      await Bun.sleep(20);
      return Response.json({ n: runs });
    };
    const [a, b] = await Promise.all([idem.once('k', produce), idem.once('k', produce)]);
    expect(runs).toBe(1);
    expect(await a.text()).toBe(await b.text());
  });

  test('server failures are not cached so a retry runs again', async () => {
    const idem = new Idempotency();
    let runs = 0;
    const produce = async () => new Response('{}', { status: ++runs === 1 ? 500 : 200 });
    expect((await idem.once('k', produce)).status).toBe(500);
    expect((await idem.once('k', produce)).status).toBe(200);
    expect(runs).toBe(2);
  });

  test('a shared store replays across cache instances (as after a restart)', async () => {
    const store = new MemoryReplayStore();
    await new Idempotency(store).once('k', async () => Response.json({ v: 1 }));
    let ran = false;
    const res = await new Idempotency(store).once('k', async () => {
      ran = true;
      return Response.json({ v: 2 });
    });
    expect(ran).toBe(false);
    expect(await res.json()).toEqual({ v: 1 });
  });

  test('the memory store evicts the oldest entry past its bound', () => {
    const store = new MemoryReplayStore(2);
    for (const k of ['a', 'b', 'c']) store.set(k, { status: 200, body: k, contentType: 'text/plain' });
    expect(store.get('a')).toBeUndefined();
    expect(store.get('c')?.body).toBe('c');
  });
});
