/**
 * Capacity ladder: the largest client count whose round-trip p99 stays under a bound, for
 * several servers measured in one run with the same swarm and frames. Counts go up in
 * steps; at each step the servers take turns (the order alternates) so drift in machine
 * load hits all of them alike. A server drops out at its first failing step; each is
 * then refined once halfway between its last passing and first failing count.
 */
import type { BenchRow } from './types.ts';
import { wsSwarm, type SwarmOptions, type SwarmRow } from './ws-swarm.ts';

export interface LadderTarget {
  /** Row label, e.g. `hotloop` or `bare Bun server`. */
  label: string;
  url: string;
  pid?: number;
}

export interface LadderOptions {
  /** Row name prefix, e.g. `openkore: WS state->action`. */
  name: string;
  targets: LadderTarget[];
  counts: number[];
  p99BoundMs: number;
  hz: number;
  durationSec: number;
  /** The swarm's frames (everything of SwarmOptions but the per-run fields). */
  frames: Omit<SwarmOptions, 'name' | 'url' | 'clients' | 'hz' | 'durationSec' | 'serverPid' | 'budget_p99_ms'>;
  /** Called after every run (progress output). */
  onRow?: (row: SwarmRow) => void;
}

export interface LadderResult {
  rows: SwarmRow[];
  /** Largest passing count per target label (0 when even the first step failed). */
  best: Map<string, number>;
}

export async function wsLadder(o: LadderOptions): Promise<LadderResult> {
  const rows: SwarmRow[] = [];
  const best = new Map<string, number>(o.targets.map((t) => [t.label, 0]));
  const failedAt = new Map<string, number>();
  const once = async (t: LadderTarget, clients: number): Promise<SwarmRow> => {
    const row = await wsSwarm({
      ...o.frames, name: `${o.name}, ${t.label}, ${clients} clients x ${o.hz} Hz (record)`, url: t.url, clients, hz: o.hz, durationSec: o.durationSec, serverPid: t.pid,
    });
    rows.push(row);
    o.onRow?.(row);
    return row;
  };
  const passes = (row: SwarmRow): boolean => row.p99_ms < o.p99BoundMs && (row.errors ?? 0) === 0;
  // A step that fails while the swarm's own senders ran more than half the bound late
  // measured the machine, not the server (seen in CI: 750 clients at p99 16 ms with the
  // senders 7.4 ms late, where the same server held 650 at 3.9 ms): it runs once more, for
  // any target alike, and the second run decides.
  const run = async (t: LadderTarget, clients: number): Promise<boolean> => {
    const row = await once(t, clients);
    if (passes(row)) return true;
    if (row.late_p99_ms <= o.p99BoundMs / 2) return false;
    return passes(await once(t, clients));
  };
  for (let step = 0; step < o.counts.length; step++) {
    const n = o.counts[step]!;
    const order = step % 2 === 0 ? o.targets : [...o.targets].reverse();
    for (const t of order) {
      if (failedAt.has(t.label)) continue;
      if (await run(t, n)) best.set(t.label, n);
      else failedAt.set(t.label, n);
    }
    if (failedAt.size === o.targets.length) break;
  }
  for (const t of o.targets) {
    const lo = best.get(t.label)!;
    const hi = failedAt.get(t.label);
    if (hi === undefined || hi - lo < 100) continue;
    const mid = Math.round((lo + hi) / 2 / 50) * 50;
    if (mid > lo && mid < hi && (await run(t, mid))) best.set(t.label, mid);
  }
  return { rows, best };
}

/** A row that records a count (in `value` and `count`), not a latency. */
export function countRow(name: string, value: number, note: string, extra: Partial<BenchRow> = {}): BenchRow {
  return { name, p50_ms: 0, p90_ms: 0, p99_ms: 0, p999_ms: 0, max_ms: 0, count: value, note, ...extra };
}
