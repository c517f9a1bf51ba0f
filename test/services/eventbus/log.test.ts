import { afterEach, describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { migrate } from '../../../src/runtime/db.ts';
import { LOG_MIGRATIONS } from '../../../src/services/eventbus/log/schema.ts';
import { SqliteEventLog, type SqliteLogOptions } from '../../../src/services/eventbus/log/sqlite.ts';
import type { AppendItem, EventLog } from '../../../src/services/eventbus/log/types.ts';
import { tempDir } from '../../helpers.ts';

let now = 1_733_000_000_000;
const dirs: string[] = [];
const logs: EventLog[] = [];

function options(dataDir: string, o: Partial<SqliteLogOptions> = {}): SqliteLogOptions {
  return {
    dataDir, name: 'eventbus', synchronous: 'NORMAL', maxStorageBytes: 0, cacheKb: 8192, dedupeWindowMs: 600_000, dedupeMaxEntries: 100_000,
    maxPendingBytes: 64 * 1_048_576, maxGroupBytes: 4 * 1_048_576, clockSkewMs: 0, latenessMs: 0, now: () => now, writerThread: false, ...o,
  };
}

async function open(o: Partial<SqliteLogOptions> = {}, dir?: string): Promise<SqliteEventLog> {
  const d = dir ?? tempDir('hotloop-eventlog-');
  if (!dir) dirs.push(d);
  const log = await SqliteEventLog.open(options(d, o));
  logs.push(log);
  return log;
}

afterEach(async () => {
  for (const l of logs.splice(0)) await l.close().catch(() => {});
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The rejection of `p` (bun's `expect(p).rejects` does not let worker messages through while it waits). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

let n = 0;
function item(o: Partial<AppendItem> = {}): AppendItem {
  n++;
  return { eventId: `ev-${n}`, fingerprint: n, topic: 'game.money.changed', gameId: 'G1', partition: 3, type: 9, timeMs: now, record: new TextEncoder().encode(`record-${n}`), ...o };
}

/** Every EventLog implementation runs these; a JetStream one adds an entry. */
const IMPLEMENTATIONS: { name: string; open(): Promise<EventLog> }[] = [
  { name: 'SQLite, commits on the event loop', open: () => open() },
  { name: 'SQLite, commits on a writer thread', open: () => open({ writerThread: true }) },
];

for (const impl of IMPLEMENTATIONS) {
  describe(`EventLog contract: ${impl.name}`, () => {
    test('appends get contiguous sequences in order and read back byte for byte', async () => {
      const log = await impl.open();
      const items = [item(), item({ topic: 'system.heartbeat', gameId: '' }), item()];
      const res = await log.append(items);
      expect(res).toEqual([{ seq: 1, duplicate: false }, { seq: 2, duplicate: false }, { seq: 3, duplicate: false }]);
      const r = await log.read({ limit: 10 });
      expect(r.events.map((e) => [e.seq, e.topic, e.gameId, e.partition, new TextDecoder().decode(e.record)])).toEqual(
        items.map((it, i) => [i + 1, it.topic, it.gameId, it.partition, new TextDecoder().decode(it.record)]));
      expect(r.next).toBeNull();
      expect(log.lastSequence()).toBe(3);
    });

    test('the same id and content is stored once, inside one call and across calls; same id with other content is a new event', async () => {
      const log = await impl.open();
      const a = item();
      const first = await log.append([a, { ...a }, item()]);
      expect(first[0]).toEqual({ seq: 1, duplicate: false });
      expect(first[1]).toEqual({ seq: 1, duplicate: true });
      const again = await log.append([{ ...a }]);
      expect(again[0]).toEqual({ seq: 1, duplicate: true });
      const collision = await log.append([{ ...a, fingerprint: a.fingerprint + 1000 }]);
      expect(collision[0]!.duplicate).toBe(false);
      expect((await log.read({ limit: 10 })).events).toHaveLength(3);
    });

    test('reads filter by topic, game, type, partition and time, page with a cursor, and run newest first', async () => {
      const log = await impl.open();
      const t0 = now;
      for (let i = 0; i < 10; i++) {
        now = t0 + i * 1000;
        await log.append([item({ topic: i % 2 ? 'a.b' : 'c.d', gameId: i < 5 ? 'G1' : 'G2', type: i % 3, partition: i % 4, timeMs: now })]);
      }
      expect((await log.read({ topics: ['a.b'], limit: 100 })).events.map((e) => e.seq)).toEqual([2, 4, 6, 8, 10]);
      expect((await log.read({ topics: ['a.b', 'c.d'], limit: 100 })).events).toHaveLength(10);
      expect((await log.read({ topics: ['nope'], limit: 100 })).events).toEqual([]);
      expect((await log.read({ gameId: 'G2', limit: 100 })).events.map((e) => e.seq)).toEqual([6, 7, 8, 9, 10]);
      expect((await log.read({ types: [0], limit: 100 })).events.map((e) => e.seq)).toEqual([1, 4, 7, 10]);
      expect((await log.read({ partition: 1, limit: 100 })).events.map((e) => e.seq)).toEqual([2, 6, 10]);
      expect((await log.read({ fromMs: t0 + 2000, toMs: t0 + 4000, limit: 100 })).events.map((e) => e.seq)).toEqual([3, 4, 5]);
      const p1 = await log.read({ limit: 4 });
      expect(p1.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      expect(p1.next).toBe(4);
      const p2 = await log.read({ after: 4, limit: 4 });
      expect(p2.events.map((e) => e.seq)).toEqual([5, 6, 7, 8]);
      expect((await log.read({ descending: true, limit: 3 })).events.map((e) => e.seq)).toEqual([10, 9, 8]);
      expect((await log.read({ descending: true, before: 8, limit: 3 })).events.map((e) => e.seq)).toEqual([7, 6, 5]);
      const scan = await log.read({ types: [1], limit: 100, maxScan: 4 });
      expect(scan.events.map((e) => e.seq)).toEqual([2]);
      expect(scan.next).toBe(4);
    });

    test('tail listeners see committed events in sequence order', async () => {
      const log = await impl.open();
      const seen: number[] = [];
      log.tail((evs) => seen.push(...evs.map((e) => e.seq)));
      await Promise.all([log.append([item(), item()]), log.append([item()]), log.append([item(), item(), item()])]);
      expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    });

  });
}

describe('SQLite event log', () => {
  test('concurrent appends commit in groups and every caller gets its own sequences', async () => {
    const log = await open();
    const batches = Array.from({ length: 20 }, () => [item(), item(), item()]);
    const res = await Promise.all(batches.map((b) => log.append(b)));
    const seqs = res.flat().map((r) => r.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(log.stats().commits).toBeLessThan(20);
  });

  test('a restart keeps every committed event and still recognises re-sends, whichever thread committed them', async () => {
    for (const [writerThread, reopenThread] of [[false, false], [true, false], [false, true]]) {
      const dir = tempDir('hotloop-eventlog-');
      dirs.push(dir);
      const log = await open({ writerThread }, dir);
      const a = item();
      await log.append([a, item()]);
      await log.close();
      const again = await open({ writerThread: reopenThread }, dir);
      expect(again.lastSequence()).toBe(2);
      expect((await again.append([{ ...a }]))[0]).toEqual({ seq: 1, duplicate: true });
      expect((await again.append([item()]))[0]).toEqual({ seq: 3, duplicate: false });
    }
  });

  test('retention sweeps events received before the cut-off and sequences never restart', async () => {
    const dir = tempDir('hotloop-eventlog-');
    dirs.push(dir);
    const log = await open({}, dir);
    await log.append([item(), item()]);
    now += 60_000;
    await log.append([item()]);
    expect(await log.sweep(now - 1000)).toBe(2);
    expect(log.firstSequence()).toBe(3);
    expect((await log.read({ limit: 10 })).events.map((e) => e.seq)).toEqual([3]);
    now += 60_000;
    expect(await log.sweep(now)).toBe(1);
    await log.close();
    const again = await open({}, dir);
    expect((await again.append([item()]))[0]!.seq).toBe(4);
  });

  test('a full disk budget rejects the append, stores nothing and keeps serving, on either thread', async () => {
    for (const writerThread of [false, true]) {
      const log = await open({ maxStorageBytes: 200_000, writerThread });
      const big = new Uint8Array(150_000).fill(1);
      expect(await rejection(log.append([item({ record: big }), item({ record: big })]))).toMatchObject({ kind: 'full' });
      expect(log.lastSequence()).toBe(0);
      expect((await log.read({ limit: 10 })).events).toEqual([]);
      expect((await log.append([item()]))[0]!.seq).toBe(1);
    }
  });

  test('a backlog over the pending limit is refused before anything is queued', async () => {
    const log = await open({ maxPendingBytes: 1000 });
    const p = log.append([item({ record: new Uint8Array(900) })]);
    expect(await rejection(log.append([item({ record: new Uint8Array(900) })]))).toMatchObject({ kind: 'backlog' });
    await p;
    expect(log.lastSequence()).toBe(1);
  });

  test('a write lock held by an outside connection fails the append (a retryable error) without a gap, and the log keeps serving once it is released', async () => {
    const dir = tempDir('hotloop-eventlog-');
    dirs.push(dir);
    const log = await open({}, dir);
    await log.append([item()]);
    const other = new Database(join(dir, 'eventbus.sqlite'));
    other.exec('BEGIN IMMEDIATE');
    expect(await rejection(log.append([item()]))).toMatchObject({ kind: 'failed' });
    other.exec('COMMIT');
    other.close();
    expect((await log.append([item()]))[0]).toEqual({ seq: 2, duplicate: false });
    expect((await log.read({ limit: 10 })).events.map((e) => e.seq)).toEqual([1, 2]);
  });

  test('groups larger than a shared segment, and many groups reusing segments, read back byte for byte', async () => {
    const log = await open();
    const big = item({ record: new Uint8Array(3 * 1_048_576).map((_, i) => i % 251) });
    const batches = [[big, item()], ...Array.from({ length: 30 }, () => [item(), item()])];
    for (const b of batches) await log.append(b);
    await Promise.all(Array.from({ length: 10 }, () => log.append([item()])));
    const all = (await log.read({ limit: 1000 })).events;
    expect(all).toHaveLength(72);
    expect(Buffer.compare(Buffer.from(all[0]!.record), Buffer.from(big.record))).toBe(0);
    expect(new TextDecoder().decode(all[71]!.record)).toBe(`record-${n}`);
  });
});

describe('SQLite event log: topic and game lookups', () => {
  /** Where the writer has filled topic_seq / game_seq to, read from the file. */
  function indexedUpto(dir: string): number {
    const db = new Database(join(dir, 'eventbus.sqlite'), { readonly: true });
    try {
      return Number(db.query<{ value: string }, []>("SELECT value FROM meta WHERE key = 'indexed_upto'").get()?.value ?? -1);
    } finally {
      db.close();
    }
  }

  test('reads by topic or game find events on both sides of the fill mark, oldest or newest first, with other filters', async () => {
    const dir = tempDir('hotloop-eventlog-');
    dirs.push(dir);
    const log = await open({ indexEveryEvents: 4, indexEveryMs: 3_600_000 }, dir);
    for (let i = 1; i <= 10; i++) await log.append([item({ topic: i % 2 ? 'a.b' : 'c.d', gameId: i <= 5 ? 'G1' : 'G2', type: i % 3 })]);
    // Filled after the 4th and 8th events: 9 and 10 are found by scanning.
    expect(indexedUpto(dir)).toBe(8);
    const seqs = async (q: Parameters<EventLog['read']>[0]): Promise<number[]> => (await log.read(q)).events.map((e) => e.seq);
    expect(await seqs({ topics: ['a.b'], limit: 100 })).toEqual([1, 3, 5, 7, 9]);
    expect(await seqs({ topics: ['c.d'], limit: 100, descending: true })).toEqual([10, 8, 6, 4, 2]);
    expect(await seqs({ gameId: 'G2', limit: 100 })).toEqual([6, 7, 8, 9, 10]);
    expect(await seqs({ gameId: 'G2', topics: ['c.d'], limit: 100 })).toEqual([6, 8, 10]);
    expect(await seqs({ gameId: 'G2', types: [0], limit: 100, descending: true })).toEqual([9, 6]);
    // Paging crosses the mark without a gap or a repeat.
    const p1 = await log.read({ topics: ['c.d'], limit: 4 });
    expect(p1.events.map((e) => e.seq)).toEqual([2, 4, 6, 8]);
    expect(p1.next).toBe(8);
    expect(await seqs({ topics: ['c.d'], after: 8, limit: 4 })).toEqual([10]);
    expect(await seqs({ topics: ['a.b'], before: 9, limit: 2, descending: true })).toEqual([7, 5]);
    expect(await seqs({ topics: ['a.b'], after: 3, before: 9, limit: 100 })).toEqual([5, 7]);
  });

  test('retention removes lookup entries with their events', async () => {
    const dir = tempDir('hotloop-eventlog-');
    dirs.push(dir);
    const log = await open({ indexEveryEvents: 1 }, dir);
    await log.append([item(), item({ topic: 'x.y', gameId: 'G9' })]);
    now += 60_000;
    await log.append([item()]);
    expect(await log.sweep(now - 1000)).toBe(2);
    await log.close();
    const db = new Database(join(dir, 'eventbus.sqlite'), { readonly: true });
    expect(db.query('SELECT seq FROM topic_seq ORDER BY seq').all()).toEqual([{ seq: 3 }]);
    expect(db.query('SELECT seq FROM game_seq ORDER BY seq').all()).toEqual([{ seq: 3 }]);
    db.close();
  });

  test('events committed after the last fill (a killed process) are added when the log opens again', async () => {
    const dir = tempDir('hotloop-eventlog-');
    dirs.push(dir);
    const log = await open({}, dir);
    for (let i = 0; i < 6; i++) await log.append([item({ topic: i % 2 ? 'a.b' : 'c.d' })]);
    await log.close();
    // What a kill before the fill leaves: lookups and mark behind the events.
    const db = new Database(join(dir, 'eventbus.sqlite'));
    db.run('DELETE FROM topic_seq WHERE seq > 2');
    db.run('DELETE FROM game_seq WHERE seq > 2');
    db.run("UPDATE meta SET value = '2' WHERE key = 'indexed_upto'");
    db.close();
    const again = await open({ indexEveryMs: 3_600_000 }, dir);
    expect(indexedUpto(dir)).toBe(6);
    expect((await again.read({ topics: ['a.b'], limit: 10 })).events.map((e) => e.seq)).toEqual([2, 4, 6]);
    expect((await again.read({ gameId: 'G1', limit: 10 })).events).toHaveLength(6);
  });

  test('a log written by the first schema (per-commit indexes) is migrated: its events are found by topic and game', async () => {
    const dir = tempDir('hotloop-eventlog-');
    dirs.push(dir);
    const db = new Database(join(dir, 'eventbus.sqlite'), { create: true, strict: true });
    migrate(db, LOG_MIGRATIONS.slice(0, 1));
    db.run("INSERT INTO topics (id, name) VALUES (1, 'a.b'), (2, 'c.d')");
    db.run("INSERT INTO games (id, name) VALUES (1, 'G1')");
    const ins = db.prepare('INSERT INTO events (seq, topic_id, game, part, type, time_ms, received_ms, idh, fp, record) VALUES (?, ?, ?, 0, 9, ?, ?, ?, ?, ?)');
    for (let s = 1; s <= 5; s++) ins.run(s, s % 2 ? 1 : 2, s <= 3 ? 1 : 0, now, now, s, s, new TextEncoder().encode(`old-${s}`));
    db.close();
    const log = await open({}, dir);
    expect((await log.read({ topics: ['a.b'], limit: 10 })).events.map((e) => [e.seq, new TextDecoder().decode(e.record)])).toEqual([[1, 'old-1'], [3, 'old-3'], [5, 'old-5']]);
    expect((await log.read({ gameId: 'G1', limit: 10 })).events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect((await log.append([item({ topic: 'a.b' })]))[0]!.seq).toBe(6);
    expect((await log.read({ topics: ['a.b'], after: 3, limit: 10 })).events.map((e) => e.seq)).toEqual([5, 6]);
    await log.close();
    const check = new Database(join(dir, 'eventbus.sqlite'), { readonly: true });
    expect(check.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'").all()).toEqual([]);
    check.close();
  });
});
