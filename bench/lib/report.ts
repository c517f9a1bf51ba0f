/** Prints rows as a table and writes bench/results/latest.json. */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { BenchRow } from './types.ts';

const RESULTS = new URL('../results/latest.json', import.meta.url).pathname;

export interface Verdict {
  row: BenchRow;
  limit_ms?: number;
  pass: boolean;
  retried: boolean;
}

const f = (n: number | undefined, d = 3): string => (n === undefined ? '' : n.toFixed(d));

export function printTable(verdicts: Verdict[]): void {
  const head = ['row', 'count', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'p99 limit', 'result'];
  const lines = verdicts.map(({ row, limit_ms, pass, retried }) => [
    row.name, String(row.count), row.rps === undefined ? '' : row.rps.toFixed(0), f(row.p50_ms), f(row.p90_ms), f(row.p99_ms), f(row.p999_ms), f(row.max_ms),
    row.min_value !== undefined ? `${f(row.value, 2)} >= ${f(row.min_value, 2)}` : limit_ms === undefined ? 'record' : f(limit_ms, 1),
    limit_ms === undefined && row.min_value === undefined ? '-' : pass ? (retried ? 'PASS (retry)' : 'PASS') : 'FAIL',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(fmt(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) console.log(fmt(l));
  for (const { row } of verdicts) if (row.note) console.log(`  ${row.name}: ${row.note}`);
}

export function writeResults(verdicts: Verdict[], meta: Record<string, unknown>): void {
  mkdirSync(new URL('../results/', import.meta.url).pathname, { recursive: true });
  writeFileSync(RESULTS, JSON.stringify({ ...meta, rows: verdicts }, null, 2));
}
