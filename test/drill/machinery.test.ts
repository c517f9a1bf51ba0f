import { describe, expect, test } from 'bun:test';
import { envelopeProblem, errorMessage } from '../../drill/lib/envelope.ts';
import { ApiError } from '../../src/runtime/errors.ts';
import type { Exchange } from '../../drill/lib/http.ts';
import { deriveSeed, rng } from '../../drill/lib/rng.ts';
import { exitCode, formatTable, markdownTable, row } from '../../drill/lib/table.ts';
import type { LedgerEntry } from '../../drill/lib/types.ts';
import { countCheck, outcomeOf } from '../../drill/lib/verify.ts';
import { median, p99Holds, rssByWindow, rssFloor, windowsFor } from '../../drill/drills/soak.ts';
import { selected, type DrillPlan } from '../../drill/plan.ts';
import { SERVICES } from '../../drill/services/index.ts';
import { cccProfile, eventBusProfileForTest, kolibriProfile, mallProfile, openkoreProfile } from './profiles.ts';

function reply(status: number, body: unknown, type = 'application/json'): Exchange {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { method: 'POST', url: 'http://x/', status, headers: new Headers({ 'content-type': type }), text, json, ms: 1, timedOut: false };
}

describe('envelope checks', () => {
  test('accept each service\'s real error body and refuse other shapes', () => {
    const err = new ApiError(400, 'INVALID_REQUEST', 'Missing required field: x', { field: 'x' });
    const lower = new ApiError(400, 'bad_request', 'bad', {});
    const meta = { requestId: 'r-1', debug: false };
    expect(envelopeProblem('openkore', reply(400, openkoreProfile.format(err, meta)))).toBeNull();
    expect(envelopeProblem('mall', reply(400, mallProfile.format(err, meta)))).toBeNull();
    expect(envelopeProblem('kolibri', reply(400, kolibriProfile.format(lower, meta)))).toBeNull();
    expect(envelopeProblem('ccc', reply(400, cccProfile.format(err, meta)))).toBeNull();
    expect(envelopeProblem('eventbus', reply(400, eventBusProfileForTest.format(err, meta)))).toBeNull();
    expect(envelopeProblem('kolibri', reply(400, kolibriProfile.format(err, meta)))).toContain('error.code');
    expect(envelopeProblem('mall', reply(400, { error: 'x', extra: 1 }))).toContain('unexpected keys');
    expect(envelopeProblem('openkore', reply(400, { error: 'x' }))).toContain('status');
    expect(envelopeProblem('ccc', reply(431, ''))).toContain('not a JSON object');
    expect(envelopeProblem('ccc', reply(500, 'oops', 'text/plain'))).toContain('not JSON');
    expect(errorMessage(reply(400, mallProfile.format(err, meta)))).toBe('Missing required field: x');
    expect(errorMessage(reply(400, cccProfile.format(err, meta)))).toBe('Missing required field: x');
  });
});

describe('the write ledger', () => {
  const entries = (acked: number, unknown: number): LedgerEntry[] => [
    ...Array.from({ length: acked }, (_, i): LedgerEntry => ({ id: i, round: 1, client: 0, outcome: 'acked' })),
    ...Array.from({ length: unknown }, (_, i): LedgerEntry => ({ id: acked + i, round: 1, client: 0, outcome: 'unknown' })),
  ];

  test('a count is fine between the acknowledged writes and those plus the ones in flight', () => {
    const ok = countCheck('ticks', 11, entries(10, 3));
    expect([ok.found, ok.lost, ok.phantom, ok.unknownPresent]).toEqual([10, [], [], 1]);
    const lost = countCheck('ticks', 8, entries(10, 3));
    expect(lost.lost).toEqual(['2 acknowledged ticks missing (8 stored, 10 acknowledged)']);
    const extra = countCheck('ticks', 14, entries(10, 3));
    expect(extra.phantom).toHaveLength(1);
  });

  test('a reply becomes acknowledged, refused (kept with the exchange) or unknown (no reply)', () => {
    expect(outcomeOf(reply(201, { id: 'a' }), (x) => (x.json as { id: string }).id)).toEqual({ kind: 'acked', data: 'a' });
    const refused = outcomeOf(reply(507, { error: 'full' }));
    expect(refused.kind === 'rejected' && refused.status === 507 && refused.exchange?.status === 507).toBe(true);
    expect(outcomeOf({ ...reply(0, ''), error: 'ECONNRESET' }).kind).toBe('unknown');
  });
});

describe('the table', () => {
  test('prints every column, marks skips, and fails the run on a loss, a dead server or a failed drill, never on a skip', () => {
    const a = row('crash (kill -9)', 'mall: ticks', 1, { operations: 10, acknowledged: 9, found_after: 9, rss_mb: 120.5, p99_ms: 3.25 });
    const s = row('disk full', 'ccc: turns', 1, { verdict: 'skip' });
    const text = formatTable([a, s]);
    expect(text.split('\n')[0]).toMatch(/^drill\s+service\s+operations\s+acknowledged\s+found after\s+lost\s+errors\s+RSS MiB\s+p99 ms\s+result$/);
    expect(text).toContain('120.5');
    expect(text).toMatch(/disk full\s+ccc: turns .* SKIP$/m);
    expect(markdownTable([a]).split('\n')[2]).toBe('| crash (kill -9) | mall: ticks | 10 | 9 | 9 | 0 | 0 | 120.5 | 3.25 | PASS |');
    expect(exitCode([a, s])).toBe(0);
    expect(exitCode([{ ...a, lost: 1 }])).toBe(1);
    expect(exitCode([{ ...a, server_died: true }])).toBe(1);
    expect(exitCode([{ ...a, verdict: 'fail' }])).toBe(1);
  });
});

describe('soak criteria', () => {
  test('a minute of warm-up and minute windows in the long form; 30 s of warm-up and shorter windows in a short run', () => {
    expect(windowsFor(600)).toEqual({ warmupSec: 60, windowSec: 60, totalSec: 660 });
    expect(windowsFor(60)).toEqual({ warmupSec: 30, windowSec: 15, totalSec: 90 });
  });

  test('the last window\'s p99 may be 1.5x the first, or within 2 ms of it', () => {
    expect(p99Holds(10, 15)).toBe(true);
    expect(p99Holds(10, 15.1)).toBe(false);
    expect(p99Holds(0.4, 2.3)).toBe(true);
    expect(p99Holds(0.4, 2.5)).toBe(false);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    // The floor of a window ignores the swings between collections.
    expect(rssFloor([100, 140, 101, 150, 102, 145, 100, 139, 103, 148, 101])).toBe(100);
  });

  test('the RSS floor window by window shows a rising slope apart from a level one', () => {
    // One sample a second from 0 to 49 s; windows of 10 s from 10 s: a floor rising 1 per window.
    const samples = Array.from({ length: 50 }, (_, at) => ({ at, bytes: 100 + Math.floor(at / 10) + (at % 2 ? 30 : 0) }));
    expect(rssByWindow(samples, 10, 50, 10)).toEqual([101, 102, 103, 104]);
    // A window with no samples is left out rather than reported as zero.
    expect(rssByWindow(samples.filter((s) => s.at < 30), 10, 50, 10)).toEqual([101, 102]);
  });
});

describe('choosing drills and services', () => {
  const plan = (only: string[]): DrillPlan => ({ quick: true, seed: 1, only });
  const names = (xs: { name: string }[]): string[] => xs.map((x) => x.name);

  test('every service on main has an entry, and --only picks drills, drill:service pairs and services', () => {
    expect(names([...SERVICES]).sort()).toEqual(['aiservice', 'ccc', 'eventbus', 'kolibri', 'mall', 'openkore']);
    expect(names(selected(plan([]), 'fuzz', SERVICES))).toHaveLength(6);
    expect(names(selected(plan(['crash']), 'fuzz', SERVICES))).toEqual([]);
    expect(names(selected(plan(['crash']), 'crash', SERVICES))).toHaveLength(6);
    expect(names(selected(plan(['fuzz:ccc', 'crash:mall']), 'fuzz', SERVICES))).toEqual(['ccc']);
    expect(names(selected(plan(['kolibri']), 'soak', SERVICES))).toEqual(['kolibri']);
  });
});

describe('seeds', () => {
  test('the same seed gives the same draws, a derived seed is stable and differs by part', () => {
    const a = rng(42);
    const b = rng(42);
    expect(Array.from({ length: 5 }, () => a.int(0, 1000))).toEqual(Array.from({ length: 5 }, () => b.int(0, 1000)));
    expect(deriveSeed(1, 'fuzz', 'mall', 7)).toBe(deriveSeed(1, 'fuzz', 'mall', 7));
    expect(deriveSeed(1, 'fuzz', 'mall', 7)).not.toBe(deriveSeed(1, 'fuzz', 'mall', 8));
    const r = rng(3);
    for (let i = 0; i < 1000; i++) {
      const v = r.int(2, 5);
      expect(v >= 2 && v <= 5).toBe(true);
    }
  });
});
