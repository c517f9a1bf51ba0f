/**
 * `npm run drill`: every reliability drill against the real server process, one table,
 * `bench/results/drills.json`, exit 1 when an acknowledged write was lost, the server
 * died, or a drill failed.
 *
 *   npm run drill                          long form (soak 10 min, 10 kill points, 2,000 fuzz cases per service)
 *   npm run drill -- --quick               CI form (soak 60 s, 2 kill points, 250 fuzz cases per service)
 *   npm run drill -- --only crash,fuzz:ccc drills (and drill:service) to run
 *   npm run drill -- --seed 42             replay a run; fuzz failures also print --case
 *   npm run drill -- --quick --readme      also put the table into the README's Reliability section
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { exitCode, markdownTable, printRows, writeResults } from './lib/table.ts';
import type { DrillRow } from './lib/types.ts';
import { DRILLS, selected, type DrillPlan } from './plan.ts';
import { SERVICES } from './services/index.ts';

function parse(argv: string[]): DrillPlan {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (flag: string): number | undefined => {
    const v = value(flag);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`${flag} needs a number, got ${v}`);
    return n;
  };
  const quick = argv.includes('--quick');
  const only = (value('--only') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return {
    quick,
    seed: num('--seed') ?? (Date.now() % 1_000_000),
    only,
    fuzzCase: num('--case'),
    soakSeconds: num('--soak-seconds'),
    rounds: num('--rounds'),
    fuzzCases: num('--fuzz-cases'),
  };
}

const plan = parse(process.argv.slice(2));
console.log(`hotloop drills: ${plan.quick ? 'quick (CI) form' : 'long form'}, seed ${plan.seed}`);
const rows: DrillRow[] = [];
const started = performance.now();
for (const d of DRILLS) {
  const services = selected(plan, d.name, SERVICES);
  if (services.length === 0) continue;
  const t0 = performance.now();
  console.log(`- ${d.name}: ${services.map((s) => s.name).join(', ')}`);
  try {
    const out = await d.run(plan, services);
    rows.push(...out);
  } catch (e) {
    rows.push({
      drill: d.name, service: 'all', operations: 0, acknowledged: 0, found_after: null, lost: 0, errors: 1, rss_mb: null, p99_ms: null,
      verdict: 'fail', server_died: false, seed: plan.seed, notes: [`drill crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`],
    });
  }
  console.log(`  ${d.name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
console.log('');
printRows(rows);
writeResults(rows, {
  when: new Date().toISOString(), form: plan.quick ? 'quick' : 'long', seed: plan.seed, only: plan.only,
  seconds: Math.round((performance.now() - started) / 1000), cpus: cpus().length, bun: Bun.version,
});
if (process.argv.includes('--readme')) {
  const file = new URL('../README.md', import.meta.url).pathname;
  const text = readFileSync(file, 'utf8');
  const head = `Latest run: \`npm run drill -- ${plan.quick ? '--quick ' : ''}--seed ${plan.seed}\`, ${new Date().toISOString().slice(0, 10)}, ${Math.round((performance.now() - started) / 1000)} s on a ${cpus().length}-core machine shared with other jobs (load average ${loadavg()[0]!.toFixed(1)} at the end).`;
  const block = `<!-- drill-table -->\n${head}\n\n${markdownTable(rows)}\n<!-- /drill-table -->`;
  writeFileSync(file, text.replace(/<!-- drill-table -->[\s\S]*?<!-- \/drill-table -->/, block));
}
const code = exitCode(rows);
console.log(code === 0 ? 'DRILLS PASSED' : `DRILLS FAILED (replay: npm run drill -- ${plan.quick ? '--quick ' : ''}--seed ${plan.seed}${plan.only.length ? ` --only ${plan.only.join(',')}` : ''})`);
process.exit(code);
