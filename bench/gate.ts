/**
 * Latency gate: runs every registered suite and fails (exit 1) when a row's p99 exceeds
 * its budget, a floor row falls under its floor, or a row holds too few samples for the
 * percentile it gates (1,000 for p99; a quick run, or a row that declares it, gates p90
 * over at least 100). `--quick` (CI) uses shorter runs, 2× budgets (those set from a
 * reference measured in the same run too: the reference and the service run at different
 * moments of a shared machine) and 3/4 of each floor, and re-runs a failing suite once
 * before calling it a failure; without it the real budgets hold.
 * `--record` runs everything without failing (the `bench` script).
 * `--only <text>` runs suites whose name contains the text.
 */
import { cpus } from 'node:os';
import { samplesFor } from './lib/hist.ts';
import { printTable, writeResults, type Verdict } from './lib/report.ts';
import type { BenchRow, Suite } from './lib/types.ts';
import { ALL_SUITES } from './suites/index.ts';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const record = argv.includes('--record');
const onlyIdx = argv.indexOf('--only');
const only = onlyIdx >= 0 ? argv[onlyIdx + 1] : undefined;
const factor = quick ? 2 : 1;
/**
 * Floors (a share of a bare reference's throughput) in quick runs: three quarters of the
 * real floor. CI's two cores are shared; the reference and the service take turns on
 * them, and a short run's ratio swings (kolibri /vm/run: 0.56-0.72 over runs of one
 * build). A drop below three quarters of the floor is a regression, not noise; the full
 * gate holds the real floor.
 */
const QUICK_FLOOR_SHARE = 0.75;

const judge = (measured: BenchRow, retried: boolean): Verdict => {
  const row = quick && measured.floor ? { ...measured, floor: { ...measured.floor, min: Math.round(measured.floor.min * QUICK_FLOOR_SHARE * 1000) / 1000 } } : measured;
  const floorOk = row.floor === undefined || row.floor.value >= row.floor.min;
  if (row.budget_p99_ms === undefined) return { row, pass: floorOk, retried };
  const limit = row.budget_p99_ms * factor;
  if (row.gate_percentile !== 90 && row.count >= samplesFor(99)) return { row, limit_ms: limit, gated: 'p99', pass: floorOk && row.p99_ms <= limit, retried };
  // A short (quick) run, or a row that declares it, gates p90 against the budget: a weaker
  // check, but one its samples can carry.
  const p90Allowed = quick || row.gate_percentile === 90;
  if (p90Allowed && row.count >= samplesFor(90)) return { row, limit_ms: limit, gated: 'p90', pass: floorOk && row.p90_ms <= limit, retried };
  const need = p90Allowed ? `${samplesFor(90)} for p90` : `${samplesFor(99)} for p99`;
  return { row, limit_ms: limit, pass: false, retried, reason: `too few samples (${row.count}; needs ${need})` };
};

async function runSuite(s: Suite): Promise<Verdict[]> {
  const started = performance.now();
  let verdicts = (await s.run({ quick })).map((r) => judge(r, false));
  if (!record && quick && verdicts.some((v) => !v.pass)) {
    for (const v of verdicts.filter((x) => !x.pass)) console.log(`  ${s.name}: "${v.row.name}" ${v.reason ?? (v.row.floor && v.row.floor.value < v.row.floor.min ? `${v.row.floor.what} ${v.row.floor.value.toFixed(2)} under ${v.row.floor.min}` : `${v.gated} over ${v.limit_ms} ms`)}; running the suite once more`);
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
