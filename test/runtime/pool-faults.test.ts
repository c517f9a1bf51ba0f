import { afterAll, describe, expect, test } from 'bun:test';
import { defaultConfig } from '../../src/config.ts';
import { startHotloop } from '../../src/runtime/app.ts';
import { KernelFailure } from '../../src/runtime/errors.ts';
import { createLogger } from '../../src/runtime/log.ts';
import { WorkerPool } from '../../src/runtime/pool.ts';
import { tempDir } from '../helpers.ts';

const pool = new WorkerPool({ minThreads: 1, maxThreads: 1, maxQueue: 8, taskTimeoutMs: 5000, faultInjection: true });
afterAll(() => pool.close());

const failure = async (p: Promise<unknown>): Promise<KernelFailure> => (await p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e)) as KernelFailure;

describe('pool fault injection', () => {
  test('is refused unless the pool was configured with faultInjection', async () => {
    const plain = new WorkerPool({ minThreads: 1, maxThreads: 1, maxQueue: 1, taskTimeoutMs: 1000 });
    try {
      expect(() => plain.armFault('kernel.noop', 'throw')).toThrow('fault injection is off');
    } finally {
      await plain.close();
    }
  });

  test('an armed throw fails the next run of that task as an internal failure; the run after succeeds', async () => {
    pool.armFault('kernel.noop', 'throw');
    const e = await failure(pool.run('kernel.noop', { n: 1 }));
    expect(e.kind).toBe('internal');
    expect(e.message).toContain('injected fault in kernel.noop (throw)');
    expect(await pool.run('kernel.noop', { n: 2 })).toBe(2);
  });

  test('an armed exit kills the worker; the pool replaces it and the next run succeeds', async () => {
    pool.armFault('kernel.echo', 'exit');
    expect((await failure(pool.run('kernel.echo', { value: 1 }))).kind).toBe('internal');
    expect(await pool.run('kernel.echo', { value: 'after' })).toBe('after');
  });

  test('an armed hang is aborted at the task timeout; the next run succeeds on a fresh worker', async () => {
    pool.armFault('kernel.noop', 'hang');
    const t0 = performance.now();
    const e = await failure(pool.run('kernel.noop', { n: 1 }, { timeoutMs: 150 }));
    expect(e.kind).toBe('timeout');
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(await pool.run('kernel.noop', { n: 3 })).toBe(3);
  });

  test('a count arms that many runs, other tasks are untouched, and the fired count is reported', async () => {
    pool.armFault('kernel.noop', 'throw', 2);
    expect(await pool.run('kernel.echo', { value: 'other task' })).toBe('other task');
    await failure(pool.run('kernel.noop', { n: 1 }));
    await failure(pool.run('kernel.noop', { n: 1 }));
    expect(await pool.run('kernel.noop', { n: 4 })).toBe(4);
    expect(pool.armedFaults().find((f) => f.task === 'kernel.noop')).toMatchObject({ remaining: 0, mode: 'throw' });
  });
});

describe('admin /api/pool/faults', () => {
  const start = async (faultInjection: boolean): Promise<{ admin: string; stop(): Promise<void> }> => {
    const cfg = defaultConfig();
    cfg.dataDir = tempDir();
    cfg.admin.port = 0;
    cfg.pool = { minThreads: 1, maxThreads: 1, maxQueue: 4, taskTimeoutMs: 1000, faultInjection };
    for (const s of Object.values(cfg.services)) s.enabled = false;
    const app = await startHotloop(cfg, { factories: {}, log: createLogger('t', 'silent') });
    return { admin: app.admin!.url, stop: () => app.stop() };
  };

  test('is not there unless pool.faultInjection is set', async () => {
    const a = await start(false);
    try {
      const r = await fetch(`${a.admin}/api/pool/faults`, { method: 'POST', body: JSON.stringify({ task: 'kernel.noop', mode: 'throw' }) });
      expect(r.status).toBe(404);
    } finally {
      await a.stop();
    }
  });

  test('arms a fault, lists it, and refuses a bad body with a 400', async () => {
    const a = await start(true);
    try {
      const r = await fetch(`${a.admin}/api/pool/faults`, { method: 'POST', body: JSON.stringify({ task: 'kolibri.vm', mode: 'hang', count: 2 }) });
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ armed: { task: 'kolibri.vm', mode: 'hang', remaining: 2, fired: 0 } });
      const list = (await (await fetch(`${a.admin}/api/pool/faults`)).json()) as { faults: unknown[] };
      expect(list.faults).toEqual([{ task: 'kolibri.vm', mode: 'hang', remaining: 2, fired: 0 }]);
      const bad = await fetch(`${a.admin}/api/pool/faults`, { method: 'POST', body: JSON.stringify({ task: 'kolibri.vm', mode: 'explode' }) });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { message: string } }).error.message).toBe('mode must be throw, exit or hang');
    } finally {
      await a.stop();
    }
  });
});
