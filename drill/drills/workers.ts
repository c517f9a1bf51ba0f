/**
 * Worker faults through real service routes: with `pool.faultInjection` (a drill-only
 * setting) the admin port arms the next run of a pool task to throw, to kill its worker
 * thread, or to hang past the task timeout. The request that meets it must get the
 * service's 500 (throw, exit) or timeout/unavailable status (hang) in its envelope, the
 * pool must be back to its threads, and the next requests must succeed.
 */
import { Recorder } from '../../bench/lib/hist.ts';
import { envelopeProblem } from '../lib/envelope.ts';
import { excerpt, field, must, send, type Exchange } from '../lib/http.ts';
import { DrillServer } from '../lib/server.ts';
import { fail, mb, row } from '../lib/table.ts';
import type { DrillRow, HttpRequest, PoolRoute, Running, ServiceDrill, Session } from '../lib/types.ts';
import { configFor } from '../services/index.ts';

const MODES = ['throw', 'exit', 'hang'] as const;
type Mode = (typeof MODES)[number];

/**
 * What a request that met the fault may answer: a 500 for a failed task; for a hung one a
 * timeout (408/504), 503, or the route's documented 500 (mall: "Simulation error") whose
 * message says the task timed out.
 */
const EXPECTED: Record<Mode, number[]> = { throw: [500], exit: [500], hang: [408, 500, 503, 504] };
const SAYS_TIMEOUT = /exceeded|timed? ?out/i;
const TASK_TIMEOUT_MS = 1500;

async function call(run: Running, s: Session, q: HttpRequest): Promise<Exchange> {
  return send(q.method, `${run.url}${q.path}`, { headers: { ...s.headers, ...q.headers }, body: q.body, timeoutMs: 20_000 });
}

async function poolCompleted(server: DrillServer): Promise<{ completed: number; threads: number }> {
  const st = await must('GET', `${server.admin}/api/stats`);
  return { completed: Number(field(st, 'pool', 'completed')), threads: Number(field(st, 'pool', 'threads')) };
}

async function drillRoute(svc: ServiceDrill, route: PoolRoute, seed: number, quick: boolean): Promise<DrillRow> {
  const r = row('worker faults', `${svc.name}: ${route.task}`, seed);
  const lat = new Recorder();
  const { sets, env } = configFor([svc]);
  const server = await DrillServer.start({
    services: [svc.name],
    sets: { ...sets, ...route.sets, 'pool.faultInjection': 'true', 'pool.minThreads': '2', 'pool.maxThreads': '2', 'pool.taskTimeoutMs': String(TASK_TIMEOUT_MS) },
    env,
  });
  try {
    const run: Running = { server, url: server.url(svc.name) };
    const s = await svc.session(run);
    await route.setup?.(run, s);
    let i = 0;
    // The route must really use the pool, or the drill proves nothing.
    const before = await poolCompleted(server);
    const base = await call(run, s, route.request(s, i++));
    r.operations++;
    if (base.status !== 200) return (fail(r, `baseline request answered ${base.status}: ${excerpt(base.text, 200)}`), r);
    if ((await poolCompleted(server)).completed <= before.completed) fail(r, `the baseline request did not run ${route.task} in the pool`);
    for (const mode of MODES) {
      for (let rep = 0; rep < (quick ? 1 : 3); rep++) {
        await must('POST', `${server.admin}/api/pool/faults`, { body: { task: route.task, mode, count: 1 } });
        const x = await call(run, s, route.request(s, i++));
        r.operations++;
        lat.record(x.ms);
        if (!EXPECTED[mode].includes(x.status)) {
          r.errors++;
          fail(r, `${mode}: answered ${x.status || x.error} (expected ${EXPECTED[mode].join('/')}): ${excerpt(x.text, 200)}`);
        } else {
          const env = envelopeProblem(svc.envelope, x);
          if (env) {
            r.errors++;
            fail(r, `${mode}: ${x.status} outside the ${svc.envelope} envelope (${env}): ${excerpt(x.text, 200)}`);
          } else if (mode === 'hang' && !SAYS_TIMEOUT.test(x.text)) {
            r.errors++;
            fail(r, `hang: ${x.status} does not say the task timed out: ${excerpt(x.text, 200)}`);
          } else if (rep === 0) r.notes.push(`${mode}: ${x.status} ${excerpt(x.text, 150)}`);
        }
        if (mode === 'hang' && x.ms > TASK_TIMEOUT_MS + 5000) fail(r, `hang: the request took ${Math.round(x.ms)} ms with a ${TASK_TIMEOUT_MS} ms task timeout`);
        // The next requests must succeed on a replaced worker.
        for (let k = 0; k < 4; k++) {
          const ok = await call(run, s, route.request(s, i++));
          r.operations++;
          lat.record(ok.ms);
          if (ok.status === 200) r.acknowledged++;
          else {
            r.errors++;
            fail(r, `after ${mode}: request ${k + 1} answered ${ok.status || ok.error}: ${excerpt(ok.text, 200)}`);
          }
        }
        if (!server.alive) {
          r.server_died = true;
          fail(r, `the server died after a worker ${mode}:\n${server.logTail(10)}`);
          return r;
        }
      }
    }
    const after = await poolCompleted(server);
    if (after.threads < 1) fail(r, `the pool has ${after.threads} threads after the faults`);
    r.notes.push(`pool threads after the faults: ${after.threads}`);
    r.rss_mb = mb(server.rssBytes());
    r.p99_ms = lat.count ? lat.row('').p99_ms : null;
  } finally {
    await server.stop();
  }
  return r;
}

export async function workerFaultDrill(o: { seed: number; quick: boolean; services: readonly ServiceDrill[] }): Promise<DrillRow[]> {
  const rows: DrillRow[] = [];
  for (const svc of o.services) for (const route of svc.pool) rows.push(await drillRoute(svc, route, o.seed, o.quick));
  return rows;
}
