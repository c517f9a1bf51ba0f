/** The drills in the order they run, and the knobs of one run (quick = the CI form). */
import { crashDrill } from './drills/crash.ts';
import { diskDrill } from './drills/disk.ts';
import { fuzzDrill } from './drills/fuzz.ts';
import { soakDrill } from './drills/soak.ts';
import { workerFaultDrill } from './drills/workers.ts';
import type { DrillRow, ServiceDrill } from './lib/types.ts';

export interface DrillPlan {
  quick: boolean;
  seed: number;
  /** `--only` tokens: drill, drill:service or service names. */
  only: string[];
  /** Replay one fuzz case. */
  fuzzCase?: number;
  soakSeconds?: number;
  rounds?: number;
  fuzzCases?: number;
}

export interface Drill {
  name: string;
  run(plan: DrillPlan, services: ServiceDrill[]): Promise<DrillRow[]>;
}

export const DRILLS: readonly Drill[] = [
  {
    name: 'crash',
    run: (p, services) => crashDrill({ seed: p.seed, rounds: p.rounds ?? (p.quick ? 2 : 10), killAfterMs: p.quick ? [1500, 3000] : [1000, 6000], services: services.filter((s) => s.durable.length > 0) }),
  },
  {
    name: 'fuzz',
    run: (p, services) => fuzzDrill({ seed: p.seed, cases: p.fuzzCases ?? (p.quick ? 250 : 2000), wsFrames: p.quick ? 60 : 500, services, only: p.fuzzCase }),
  },
  { name: 'soak', run: (p, services) => soakDrill({ seed: p.seed, durationSec: p.soakSeconds ?? (p.quick ? 60 : 600), services, progressSec: p.quick ? undefined : 60 }) },
  { name: 'disk-full', run: (p, services) => diskDrill('full', { seed: p.seed, services, attempts: p.quick ? 15 : 60 }) },
  { name: 'workers', run: (p, services) => workerFaultDrill({ seed: p.seed, quick: p.quick, services: services.filter((s) => s.pool.length > 0) }) },
  {
    name: 'deps',
    async run(p, services) {
      const rows: DrillRow[] = [];
      for (const s of services) for (const d of s.dependencies) rows.push(await d.run({ seed: p.seed, quick: p.quick }));
      return rows;
    },
  },
  { name: 'disk-readonly', run: (p, services) => diskDrill('read-only', { seed: p.seed, services, attempts: p.quick ? 5 : 20 }) },
];

/** `--only crash,fuzz:ccc,mall`: a drill name, a drill:service pair, or a service name. */
export function selected(plan: DrillPlan, drill: string, services: readonly ServiceDrill[]): ServiceDrill[] {
  if (plan.only.length === 0) return [...services];
  const names = new Set(services.map((s) => s.name));
  const picked = new Set<string>();
  for (const o of plan.only) {
    const [d, s] = o.split(':');
    if (s !== undefined) {
      if (d === drill) picked.add(s);
    } else if (d === drill) for (const n of names) picked.add(n);
    else if (d !== undefined && names.has(d) && !DRILLS.some((x) => x.name === d)) picked.add(d);
  }
  return services.filter((s) => picked.has(s.name));
}
