import { afterEach, describe, expect, test } from 'bun:test';
import { rmSync } from 'node:fs';
import { DurableConsumer } from '../../../../src/services/eventbus/bus-io/consumer.ts';
import { SqliteEventLog } from '../../../../src/services/eventbus/log/sqlite.ts';
import type { AppendItem, StoredEvent } from '../../../../src/services/eventbus/log/types.ts';
import { tempDir } from '../../../helpers.ts';

const dirs: string[] = [];
const logs: SqliteEventLog[] = [];
afterEach(async () => {
  for (const l of logs.splice(0)) await l.close().catch(() => {});
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function open(dir = tempDir('hotloop-consumer-')): Promise<SqliteEventLog> {
  if (!dirs.includes(dir)) dirs.push(dir);
  const log = await SqliteEventLog.open({ dataDir: dir, name: 'eventbus', synchronous: 'NORMAL', maxStorageBytes: 0, cacheKb: 4096, dedupeWindowMs: 60_000, dedupeMaxEntries: 10_000, maxPendingBytes: 1 << 26, maxGroupBytes: 1 << 22, clockSkewMs: 0, latenessMs: 0, writerThread: false, now: Date.now });
  logs.push(log);
  return log;
}

let id = 0;
const item = (topic: string): AppendItem => ({ eventId: `c-${++id}`, fingerprint: id, topic, gameId: '', partition: 0, type: 8, timeMs: Date.now(), record: new Uint8Array([0x0a, 0x01, 0x61]) });

describe('durable consumer', () => {
  test('starts from the stored position, takes only its topics, exactly once and in order, while events keep committing', async () => {
    const log = await open();
    for (let i = 0; i < 30; i++) await log.append([item(i % 3 === 0 ? 'game.a' : 'other.b'), item('game.b')]);
    let position = 20;
    const seen: number[] = [];
    const c = new DurableConsumer(log, {
      name: 't', patterns: ['game.*'], position: () => position, pageSize: 7,
      handle: (events: StoredEvent[], through: number) => {
        for (const e of events) seen.push(e.seq);
        position = through;
      },
    });
    c.start();
    const appends: Promise<unknown>[] = [];
    for (let i = 0; i < 40; i++) appends.push(log.append([item('game.c'), item('other.d')]));
    await Promise.all(appends);
    expect(await c.waitFor(log.lastSequence(), 5000)).toBe(true);
    c.stop();
    const expected = (await log.read({ after: 20, limit: 10_000 })).events.filter((e) => e.topic.startsWith('game.')).map((e) => e.seq);
    expect(expected.length).toBeGreaterThan(40);
    expect(seen).toEqual(expected);
    expect(position).toBe(log.lastSequence());
  });

  test('a failing handler moves nothing; the same events come again until it succeeds', async () => {
    const log = await open();
    await log.append([item('game.a'), item('game.b')]);
    let fail = 2;
    let position = 0;
    const calls: number[][] = [];
    const c = new DurableConsumer(log, {
      name: 't', patterns: ['>'], position: () => position, retryMs: 20,
      handle: (events, through) => {
        calls.push(events.map((e) => e.seq));
        if (fail-- > 0) throw new Error('not now');
        position = through;
      },
    });
    c.start();
    expect(await c.waitFor(2, 3000)).toBe(true);
    c.stop();
    expect(calls).toEqual([[1, 2], [1, 2], [1, 2]]);
    expect(c.failures).toBe(2);
  });
});
