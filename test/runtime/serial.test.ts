import { describe, expect, test } from 'bun:test';
import { ApiError, PROFILES } from '../../src/runtime/errors.ts';
import { SerialQueue } from '../../src/runtime/serial.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('serial queue', () => {
  test('runs one key strictly in arrival order, one at a time', async () => {
    const q = new SerialQueue({ maxDepth: 100, maxInFlight: 10, startTimeoutMs: 5000 }, PROFILES.openkore);
    const log: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const job = (i: number) => async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      log.push(`start ${i}`);
      await sleep(5 - (i % 3));
      log.push(`end ${i}`);
      running--;
      return i;
    };
    const results = await Promise.all([0, 1, 2, 3, 4].map((i) => q.run('s1', job(i))));
    expect(results).toEqual([0, 1, 2, 3, 4]);
    expect(maxRunning).toBe(1);
    expect(log).toEqual([0, 1, 2, 3, 4].flatMap((i) => [`start ${i}`, `end ${i}`]));
  });

  test('different keys run concurrently', async () => {
    const q = new SerialQueue({ maxDepth: 10, maxInFlight: 10, startTimeoutMs: 5000 }, PROFILES.openkore);
    let concurrent = 0;
    let peak = 0;
    const job = async () => {
      concurrent++;
      peak = Math.max(peak, concurrent);
      await sleep(20);
      concurrent--;
    };
    await Promise.all(['a', 'b', 'c'].map((k) => q.run(k, job)));
    expect(peak).toBe(3);
  });

  test('the global cap bounds jobs in flight across keys', async () => {
    const q = new SerialQueue({ maxDepth: 10, maxInFlight: 2, startTimeoutMs: 5000 }, PROFILES.openkore);
    let concurrent = 0;
    let peak = 0;
    const job = async () => {
      concurrent++;
      peak = Math.max(peak, concurrent);
      await sleep(10);
      concurrent--;
    };
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((k) => q.run(k, job)));
    expect(peak).toBe(2);
  });

  test('a full queue rejects with 503 and a Retry-After', async () => {
    const q = new SerialQueue({ maxDepth: 2, maxInFlight: 10, startTimeoutMs: 5000 }, PROFILES.openkore);
    const gate = Promise.withResolvers<void>();
    const first = q.run('k', () => gate.promise); // running
    const queued = [q.run('k', () => 1), q.run('k', () => 2)]; // depth 2
    const overflow = q.run('k', () => 3);
    await expect(overflow).rejects.toBeInstanceOf(ApiError);
    const e = (await overflow.catch((x: unknown) => x)) as ApiError;
    expect([e.status, e.code]).toEqual([503, 'SERVICE_UNAVAILABLE']);
    expect(e.headers['Retry-After']).toBe('1');
    gate.resolve();
    await first;
    expect(await Promise.all(queued)).toEqual([1, 2]);
  });

  test('a job that cannot start in time gets 503 and never runs', async () => {
    const q = new SerialQueue({ maxDepth: 10, maxInFlight: 10, startTimeoutMs: 30 }, PROFILES.openkore);
    const gate = Promise.withResolvers<void>();
    const first = q.run('k', () => gate.promise);
    let ran = false;
    const late = q.run('k', () => {
      ran = true;
    });
    const e = (await late.catch((x: unknown) => x)) as ApiError;
    expect(e.status).toBe(503);
    gate.resolve();
    await first;
    await sleep(5);
    expect(ran).toBe(false);
    expect(q.depth('k')).toBe(0);
  });

  test('a failing job does not block the next one', async () => {
    const q = new SerialQueue({ maxDepth: 10, maxInFlight: 10, startTimeoutMs: 1000 }, PROFILES.openkore);
    const bad = q.run('k', () => {
      throw new Error('boom');
    });
    const good = q.run('k', () => 'ok');
    await expect(bad).rejects.toThrow('boom');
    expect(await good).toBe('ok');
  });
});
