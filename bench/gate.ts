/**
 * Latency gate: runs every registered suite and fails (exit 1) when a row's p99 exceeds
 * its budget, or a row's gated figure (`value`) is below its `min_value`. `--quick` (CI)
 * uses shorter runs and 2× budgets, and re-runs a failing suite once before calling it a
 * failure; without it the real budgets hold.
 * `--record` runs everything without failing (the `bench` script).
 * `--only <text>` runs suites whose name contains the text.
 */
import { cpus } from 'node:os';
import { printTable, writeResults, type Verdict } from './lib/report.ts';
import type { BenchRow, Suite } from './lib/types.ts';
import { ALL_SUITES } from './suites/index.ts';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const record = argv.includes('--record');
const onlyIdx = argv.indexOf('--only');
const only = onlyIdx >= 0 ? argv[onlyIdx + 1] : undefined;
const factor = quick ? 2 : 1;

const judge = (row: BenchRow, retried: boolean): Verdict => {
  if (row.min_value !== undefined) return { row, pass: row.value !== undefined && row.value >= row.min_value, retried };
  const limit = row.budget_p99_ms === undefined ? undefined : row.budget_p99_ms * factor;
  return { row, limit_ms: limit, pass: limit === undefined || (row.p99_ms <= limit && row.count > 0), retried };
};

async function runSuite(s: Suite): Promise<Verdict[]> {
  const started = performance.now();
  let verdicts = (await s.run({ quick })).map((r) => judge(r, false));
  if (!record && quick && verdicts.some((v) => !v.pass)) {
    for (const v of verdicts.filter((x) => !x.pass)) console.log(`  ${s.name}: "${v.row.name}" ${v.row.min_value !== undefined ? `${v.row.value} below ${v.row.min_value}` : `p99 ${v.row.p99_ms.toFixed(3)} ms over ${v.limit_ms} ms`}; running the suite once more`);
    verdicts = (await s.run({ quick })).map((r) => judge(r, true));
  }
  console.log(`  ${s.name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return verdicts;
}

const suites = ALL_SUITES.filter((s) => !only || s.name.includes(only));
console.log(`hotloop latency gate: ${suites.length} suites, ${quick ? 'quick (2x budgets, one retry)' : 'full budgets'}${record ? ', record only' : ''}`);
const all: Verdict[] = [];
for (const s of suites) {
  try {
    all.push(...(await runSuite(s)));
  } catch (e) {
    console.log(`  ${s.name}: suite failed: ${e instanceof Error ? e.stack : String(e)}`);
    all.push({ row: { name: `${s.name}: suite error`, p50_ms: 0, p90_ms: 0, p99_ms: 0, p999_ms: 0, max_ms: 0, count: 0, note: String(e) }, limit_ms: 0, pass: false, retried: false });
  }
}
printTable(all);
writeResults(all, { when: new Date().toISOString(), quick, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', bun: Bun.version });
const failed = all.filter((v) => !v.pass);
if (failed.length > 0 && !record) {
  console.log(`GATE FAILED: ${failed.map((v) => v.row.name).join('; ')}`);
  process.exit(1);
}
console.log(record ? 'recorded (not gated)' : 'GATE PASSED');
process.exit(0);
