import { describe, expect, test } from 'bun:test';
import { KernelFailure } from '../../src/runtime/errors.ts';
import { Idempotency, MemoryReplayStore, fingerprint, isValidRequestId } from '../../src/runtime/idempotency.ts';

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

  test('the same key with a different body is a conflict and nothing runs; the same body replays', async () => {
    const idem = new Idempotency();
    let runs = 0;
    const produce = async () => Response.json({ n: ++runs });
    await idem.once('k', produce, fingerprint({ program: '2+2' }));
    const err = await idem.once('k', produce, fingerprint({ program: '2+3' })).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(KernelFailure);
    expect((err as KernelFailure).kind).toBe('conflict');
    expect((err as KernelFailure).details).toEqual({ reason: 'idempotency_key_reused' });
    const same = await idem.once('k', produce, fingerprint({ program: '2+2' }));
    expect(await same.json()).toEqual({ n: 1 });
    expect(runs).toBe(1);
  });

  test('a different body while the first is still running is a conflict too', async () => {
    const idem = new Idempotency();
    const slow = idem.once('k', async () => { await Bun.sleep(20); return Response.json({}); }, fingerprint({ a: 1 }));
    await expect(idem.once('k', async () => Response.json({}), fingerprint({ a: 2 }))).rejects.toBeInstanceOf(KernelFailure);
    expect((await slow).status).toBe(200);
  });

  test('fingerprints ignore key order and whitespace but see every value', () => {
    expect(fingerprint(JSON.parse('{"a":1,"b":[1,{"c":2}]}'))).toBe(fingerprint(JSON.parse('{ "b": [1, {"c": 2}], "a": 1 }')));
    expect(fingerprint({ a: 1 })).not.toBe(fingerprint({ a: '1' }));
    expect(fingerprint({ a: [1, 2] })).not.toBe(fingerprint({ a: [2, 1] }));
    expect(fingerprint({ a: null })).not.toBe(fingerprint({}));
  });

  test('request ids are 1-200 visible ASCII characters', () => {
    expect(isValidRequestId('req-1')).toBe(true);
    expect(isValidRequestId('x'.repeat(200))).toBe(true);
    for (const bad of ['', 'x'.repeat(201), 'a b', 'tab\there', 'é']) expect(isValidRequestId(bad)).toBe(false);
  });
});
