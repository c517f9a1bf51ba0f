import { afterAll, describe, expect, test } from 'bun:test';
import { KernelFailure } from '../../src/runtime/errors.ts';
import { WorkerPool } from '../../src/runtime/pool.ts';

const pool = new WorkerPool({ minThreads: 1, maxThreads: 2, maxQueue: 4, taskTimeoutMs: 5000 });
afterAll(() => pool.close());

describe('worker pool', () => {
  test('runs a named task in a worker and returns its result', async () => {
    expect(await pool.run('kernel.noop', { n: 42 })).toBe(42);
    expect(await pool.run('kernel.echo', { value: { a: [1, 2] } })).toEqual({ a: [1, 2] });
  });

  test('transfer lists move buffers to the worker and back instead of copying them', async () => {
    const one = new WorkerPool({ minThreads: 1, maxThreads: 1, maxQueue: 4, taskTimeoutMs: 5000 });
    try {
      const values = Float64Array.from([1, 2, 3]);
      const r = await one.run('kernel.double', { values }, { transfer: [values.buffer] });
      expect(values.byteLength).toBe(0); // moved out of this thread
      expect(r.received).toBe(24); // and arrived whole
      expect(Array.from(r.values)).toEqual([2, 4, 6]);
      expect(r.values).toBeInstanceOf(Float64Array);
      // The worker's own copy of the result is detached: it was moved, not cloned.
      expect(await one.run('kernel.lastMovedBytes', {})).toBe(0);
      // Without a transfer list the caller keeps its buffer.
      const kept = Float64Array.from([5]);
      expect(Array.from((await one.run('kernel.double', { values: kept })).values)).toEqual([10]);
      expect(kept.byteLength).toBe(8);
    } finally {
      await one.close();
    }
  });

  test('a task that throws rejects that call as an internal failure', async () => {
    const e = (await pool.run('kernel.fail', { message: 'bad input' }).catch((x: unknown) => x)) as KernelFailure;
    expect(e).toBeInstanceOf(KernelFailure);
    expect(e.kind).toBe('internal');
    expect(e.message).toContain('bad input');
    expect(await pool.run('kernel.noop', { n: 1 })).toBe(1);
  });

  test('a worker that dies fails only its task and the pool keeps serving', async () => {
    const e = (await pool.run('kernel.die', { code: 7 }).catch((x: unknown) => x)) as KernelFailure;
    expect(e).toBeInstanceOf(KernelFailure);
    expect(e.kind).toBe('internal');
    const results = await Promise.all([1, 2, 3].map((n) => pool.run('kernel.noop', { n })));
    expect(results).toEqual([1, 2, 3]);
  });

  test('a task over its timeout is aborted with a timeout failure', async () => {
    const e = (await pool.run('kernel.spin', { ms: 2000 }, { timeoutMs: 50 }).catch((x: unknown) => x)) as KernelFailure;
    expect(e).toBeInstanceOf(KernelFailure);
    expect(e.kind).toBe('timeout');
    expect(await pool.run('kernel.noop', { n: 5 })).toBe(5);
  });

  test('a full queue rejects new tasks as unavailable', async () => {
    const small = new WorkerPool({ minThreads: 1, maxThreads: 1, maxQueue: 1, taskTimeoutMs: 5000 });
    try {
      await small.run('kernel.noop', { n: 0 }); // thread up
      const outcomes = await Promise.allSettled([1, 2, 3, 4].map(() => small.run('kernel.spin', { ms: 40 })));
      const rejected = outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason as KernelFailure);
      expect(outcomes.filter((o) => o.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
      expect(rejected.length).toBeGreaterThanOrEqual(1);
      for (const e of rejected) {
        expect(e).toBeInstanceOf(KernelFailure);
        expect(e.kind).toBe('unavailable');
      }
      expect(await small.run('kernel.noop', { n: 9 })).toBe(9);
    } finally {
      await small.close();
    }
  });

  test('reports thread count, completions and failures', async () => {
    const s = pool.stats();
    expect(s.threads).toBeGreaterThanOrEqual(1);
    expect(s.completed).toBeGreaterThan(0);
    expect(s.failed).toBeGreaterThan(0);
    expect(s.utilization).toBeGreaterThanOrEqual(0);
  });

  test('a closed pool refuses work', async () => {
    const p = new WorkerPool({ minThreads: 1, maxThreads: 1, maxQueue: 1, taskTimeoutMs: 1000 });
    await p.close();
    const e = (await p.run('kernel.noop', { n: 1 }).catch((x: unknown) => x)) as KernelFailure;
    expect(e.kind).toBe('unavailable');
  });
});
