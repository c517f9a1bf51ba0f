/** The drill table: printed once at the end and written to bench/results/drills.json. */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { DrillRow } from './types.ts';

export const RESULTS_FILE = new URL('../../bench/results/drills.json', import.meta.url).pathname;

export function row(drill: string, service: string, seed: number, init: Partial<DrillRow> = {}): DrillRow {
  return {
    drill, service, operations: 0, acknowledged: 0, found_after: null, lost: 0, errors: 0, rss_mb: null, p99_ms: null,
    verdict: 'pass', server_died: false, seed, notes: [], ...init,
  };
}

/** Marks a row failed with a reason (kept in notes). */
export function fail(r: DrillRow, why: string): void {
  r.verdict = 'fail';
  r.notes.push(why);
}

export const mb = (bytes: number | null): number | null => (bytes === null ? null : Math.round((bytes / 1_048_576) * 10) / 10);

const HEAD = ['drill', 'service', 'operations', 'acknowledged', 'found after', 'lost', 'errors', 'RSS MiB', 'p99 ms', 'result'];

function cells(r: DrillRow): string[] {
  return [
    r.drill, r.service, String(r.operations), String(r.acknowledged), r.found_after === null ? '-' : String(r.found_after), String(r.lost), String(r.errors),
    r.rss_mb === null ? '-' : r.rss_mb.toFixed(1), r.p99_ms === null ? '-' : r.p99_ms.toFixed(2),
    r.verdict === 'pass' ? 'PASS' : r.verdict === 'skip' ? 'SKIP' : r.server_died ? 'FAIL (server died)' : 'FAIL',
  ];
}

/** The table as text (also what the README's "Reliability" section shows). */
export function formatTable(rows: readonly DrillRow[]): string {
  const lines = rows.map(cells);
  const widths = HEAD.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (c: string[]): string => c.map((x, i) => (i < 2 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ');
  return [fmt(HEAD), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(fmt)].join('\n');
}

/** The same table as Markdown, for the README. */
export function markdownTable(rows: readonly DrillRow[]): string {
  const out = [`| ${HEAD.join(' | ')} |`, `|${HEAD.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`];
  for (const r of rows) out.push(`| ${cells(r).join(' | ')} |`);
  return out.join('\n');
}

export function printRows(rows: readonly DrillRow[]): void {
  console.log(formatTable(rows));
  for (const r of rows) {
    if (r.notes.length === 0) continue;
    console.log(`  ${r.drill} / ${r.service}:`);
    for (const n of r.notes) console.log(`    ${n.replace(/\n/g, '\n    ')}`);
  }
}

export function writeResults(rows: readonly DrillRow[], meta: Record<string, unknown>): void {
  mkdirSync(new URL('../../bench/results/', import.meta.url).pathname, { recursive: true });
  writeFileSync(RESULTS_FILE, `${JSON.stringify({ ...meta, rows }, null, 2)}\n`);
}

/** Exit status: 1 when an acknowledged write was lost, the server died, or a drill failed. */
export function exitCode(rows: readonly DrillRow[]): number {
  return rows.some((r) => r.lost > 0 || r.server_died || r.verdict === 'fail') ? 1 : 0;
}
