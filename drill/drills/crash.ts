/**
 * Crash during writes: every durable write of every service is driven by several
 * clients at a steady rate against one server; at a seeded random moment the process is
 * killed with SIGKILL, started again on the same files, and every write is looked up:
 * each acknowledged one present exactly once and as acknowledged, nothing refused
 * present, in-flight ones present at most once and never in part. Repeated for
 * `rounds` kill points; every round checks the ledger of all rounds so far.
 */
import { Recorder } from '../../bench/lib/hist.ts';
import { deriveSeed, rng } from '../lib/rng.ts';
import { DrillServer } from '../lib/server.ts';
import { fail, mb, row } from '../lib/table.ts';
import type { DrillRow, DurableWrites, LedgerEntry, Running, ServiceDrill, VerifyResult } from '../lib/types.ts';
import { configFor } from '../services/index.ts';

export interface CrashOptions {
  seed: number;
  rounds: number;
  /** The kill lands this long after writes start, chosen per round from the seed. */
  killAfterMs: [number, number];
  services: readonly ServiceDrill[];
}

interface Writer {
  svc: ServiceDrill;
  spec: DurableWrites;
  ledger: LedgerEntry[];
  state: unknown;
  next: number;
  latency: Recorder;
  row: DrillRow;
}

const running = (server: DrillServer, svc: string): Running => ({ server, url: server.url(svc) });

async function clientLoop(server: DrillServer, w: Writer, client: number, round: number, stopped: () => boolean): Promise<void> {
  const period = 1000 / w.spec.hz;
  let due = performance.now() + (client / w.spec.clients) * period;
  const r = running(server, w.svc.name);
  while (!stopped()) {
    const wait = due - performance.now();
    if (wait > 0) await Bun.sleep(wait);
    if (stopped()) return;
    due += period;
    const entry: LedgerEntry = { id: w.next++, round, client, outcome: 'pending' };
    w.ledger.push(entry);
    const t0 = performance.now();
    let res;
    try {
      res = await w.spec.write(r, w.state, { id: entry.id, round, client });
    } catch (e) {
      res = { kind: 'unknown' as const, reason: e instanceof Error ? e.message : String(e) };
    }
    if (res.kind === 'acked') {
      entry.outcome = 'acked';
      entry.data = res.data;
      w.latency.record(performance.now() - t0);
    } else if (res.kind === 'rejected') {
      entry.outcome = 'rejected';
      entry.status = res.status;
      // Before the kill a refused write is a finding; after it, the server is gone.
      if (!stopped() && w.row.notes.filter((n) => n.startsWith('refused')).length < 3) w.row.notes.push(`refused write ${entry.id} in round ${round}: ${res.status} ${res.reply}`);
      if (!stopped()) w.row.errors++;
    } else {
      entry.outcome = 'unknown';
      entry.data = res.reason;
    }
  }
}

function judge(w: Writer, v: VerifyResult, round: number): void {
  const r = w.row;
  const show = (label: string, xs: string[]): void => {
    if (xs.length === 0) return;
    fail(r, `round ${round}: ${xs.length} ${label}: ${xs.slice(0, 3).join('; ')}${xs.length > 3 ? '; ...' : ''}`);
  };
  r.lost = Math.max(r.lost, v.lost.length);
  r.errors += v.duplicated.length + v.halfPresent.length + v.phantom.length;
  r.found_after = v.found;
  show('lost', v.lost);
  show('duplicated', v.duplicated);
  show('half-written', v.halfPresent);
  show('stored though refused or never sent', v.phantom);
}

export async function crashDrill(o: CrashOptions): Promise<DrillRow[]> {
  const R = rng(deriveSeed(o.seed, 'crash'));
  const { sets, env } = configFor(o.services);
  const names = o.services.map((s) => s.name);
  const writers: Writer[] = o.services.flatMap((svc) =>
    svc.durable.map((spec) => ({ svc, spec, ledger: [], state: undefined, next: 1, latency: new Recorder(), row: row('crash (kill -9)', `${svc.name}: ${spec.name}`, o.seed) })),
  );
  let server = await DrillServer.start({ services: names, sets, env });
  const killPoints: number[] = [];
  try {
    for (let round = 1; round <= o.rounds; round++) {
      for (const w of writers) w.state = await w.spec.prepare(running(server, w.svc.name), w.state);
      const killAt = R.int(o.killAfterMs[0], o.killAfterMs[1]);
      killPoints.push(killAt);
      let stop = false;
      const loops = writers.flatMap((w) => Array.from({ length: w.spec.clients }, (_, c) => clientLoop(server, w, c, round, () => stop)));
      await Bun.sleep(killAt);
      const died = !server.alive;
      const rss = server.rssBytes();
      stop = true;
      await server.kill9();
      await Promise.all(loops);
      for (const w of writers) {
        w.row.rss_mb = mb(rss);
        if (died) {
          w.row.server_died = true;
          fail(w.row, `round ${round}: the server died before the kill (exit ${server.exitCode}):\n${server.logTail(10)}`);
        }
      }
      try {
        server = await server.restart();
      } catch (e) {
        for (const w of writers) {
          w.row.server_died = true;
          fail(w.row, `round ${round}: the server did not start again after the kill: ${e instanceof Error ? e.message : String(e)}`);
        }
        return writers.map((w) => w.row);
      }
      for (const w of writers) {
        const r = running(server, w.svc.name);
        w.state = await w.spec.prepare(r, w.state);
        if (w.spec.retry) {
          // Writes whose reply the kill swallowed are re-sent with their idempotency key, as a client would.
          for (const e of w.ledger.filter((x) => x.outcome === 'unknown')) {
            const res = await w.spec.retry(r, w.state, e);
            e.retried = true;
            if (res.kind === 'acked') Object.assign(e, { outcome: 'acked', data: res.data });
            else if (res.kind === 'rejected') Object.assign(e, { outcome: 'rejected', status: res.status });
          }
        }
        judge(w, await w.spec.verify(r, w.state, w.ledger), round);
      }
      if (!server.alive) {
        for (const w of writers) {
          w.row.server_died = true;
          fail(w.row, `round ${round}: the server died while writes were verified:\n${server.logTail(10)}`);
        }
        return writers.map((w) => w.row);
      }
    }
  } finally {
    await server.stop();
    server.removeData();
  }
  for (const w of writers) {
    const acked = w.ledger.filter((e) => e.outcome === 'acked').length;
    const unknown = w.ledger.filter((e) => e.outcome === 'unknown' || e.retried).length;
    w.row.operations = w.ledger.length;
    w.row.acknowledged = acked;
    w.row.p99_ms = w.latency.count > 0 ? w.latency.row('').p99_ms : null;
    if (w.row.operations === 0) fail(w.row, 'no write was attempted');
    w.row.notes.push(`${o.rounds} kill points at ${killPoints.join(', ')} ms; ${unknown} writes in flight at a kill${w.spec.retry ? ' (re-sent with their idempotency key after the restart)' : ''}; replay: npm run drill -- --only crash --seed ${o.seed}`);
  }
  return writers.map((w) => w.row);
}
