/** Prints rows as a table and writes bench/results/latest.json. */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { BenchRow } from './types.ts';

const RESULTS = new URL('../results/latest.json', import.meta.url).pathname;

export interface Verdict {
  row: BenchRow;
  limit_ms?: number;
  /** The percentile held against `limit_ms` (p99, or p90 when a quick run has too few samples for p99). */
  gated?: 'p99' | 'p90';
  /** Why the row failed when it was not a figure over its limit (e.g. too few samples). */
  reason?: string;
  pass: boolean;
  retried: boolean;
}

const f = (n: number | undefined, d = 3): string => (n === undefined ? '' : n.toFixed(d));

export function printTable(verdicts: Verdict[]): void {
  const head = ['row', 'count', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'limit', 'result'];
  const lines = verdicts.map(({ row, limit_ms, gated, pass, retried }) => {
    const floor = row.floor ? `${row.floor.what} >= ${row.floor.min}` : '';
    const limit = limit_ms === undefined ? floor : `${gated ?? 'p99'} <= ${f(limit_ms, 1)}${floor ? `, ${floor}` : ''}`;
    const gatedRow = limit_ms !== undefined || row.floor !== undefined;
    return [
      row.name, String(row.count), row.rps === undefined ? '' : row.rps.toFixed(0), f(row.p50_ms), f(row.p90_ms), f(row.p99_ms), f(row.p999_ms), f(row.max_ms),
      gatedRow ? limit : 'record', !gatedRow ? '-' : pass ? (retried ? 'PASS (retry)' : 'PASS') : 'FAIL',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(fmt(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) console.log(fmt(l));
  for (const { row, reason } of verdicts) {
    if (row.floor) console.log(`  ${row.name}: ${row.floor.what} = ${row.floor.value.toFixed(2)} (floor ${row.floor.min})`);
    if (reason) console.log(`  ${row.name}: ${reason}`);
    if (row.note) console.log(`  ${row.name}: ${row.note}`);
  }
}

export function writeResults(verdicts: Verdict[], meta: Record<string, unknown>): void {
  mkdirSync(new URL('../results/', import.meta.url).pathname, { recursive: true });
  writeFileSync(RESULTS, JSON.stringify({ ...meta, rows: verdicts }, null, 2));
}
