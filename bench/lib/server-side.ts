/**
 * Server-side latency for a benchmark row: the server's own per-route hdr histogram
 * (request in → response out), read from the admin port after a reset. Rows gated this
 * way keep the end-to-end figure beside them as a record row, so the load generator's own
 * cost on two shared cores shows, but is not charged to the service.
 */
import type { BenchServer } from './server.ts';
import type { BenchRow } from './types.ts';

interface RouteStats { series: string; count: number; p50_ms: number; p90_ms: number; p99_ms: number; max_ms: number }

export async function resetServerStats(server: BenchServer): Promise<void> {
  const res = await fetch(`${server.url('admin')}/api/stats/reset`, { method: 'POST' });
  if (!res.ok) throw new Error(`stats reset failed: ${res.status}`);
}

/** `route` as in the route table, e.g. `POST /tick`. */
export async function serverStats(server: BenchServer, route: string): Promise<RouteStats> {
  const s = (await (await fetch(`${server.url('admin')}/api/stats`)).json()) as { routes: RouteStats[] };
  const r = s.routes.find((x) => x.series.includes(`route="${route}"`));
  if (!r) throw new Error(`no server-side figures for ${route}`);
  return r;
}

/**
 * Runs `load` (end to end) after a stats reset; returns the gated server-side row and the
 * end-to-end row (its budget moved into a note).
 */
export async function gatedServerSide(server: BenchServer, route: string, name: string, budget: number, load: () => Promise<BenchRow>): Promise<BenchRow[]> {
  await resetServerStats(server);
  const e2e = await load();
  const r = await serverStats(server, route);
  const gated: BenchRow = {
    name: `${name}, server-side`, count: r.count, p50_ms: r.p50_ms, p90_ms: r.p90_ms, p99_ms: r.p99_ms, p999_ms: r.max_ms, max_ms: r.max_ms,
    rps: e2e.rps, budget_p99_ms: budget, note: "request in to response out, from the server's route histogram (p99.9 column shows max)",
  };
  const { budget_p99_ms: _dropped, ...rest } = e2e;
  return [gated, { ...rest, name: `${name}, end to end (record)`, note: `end to end through the load generator${e2e.note ? `; ${e2e.note}` : ''}` }];
}
