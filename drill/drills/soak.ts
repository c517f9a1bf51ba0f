/**
 * Soak: every service at once, for minutes — WebSocket clients at 20 Hz and steady HTTP
 * traffic (each service's entry says what) against one server. Pass: no error, the
 * server's RSS flat within ±10% after warm-up, and each service's p99 in the last window
 * within 1.5× of the first window after warm-up. Requests are sent on schedule whether or
 * not the previous one has answered (a slow server is not given time to catch up).
 */
import { Recorder } from '../../bench/lib/hist.ts';
import { excerpt, send } from '../lib/http.ts';
import { deriveSeed, rng } from '../lib/rng.ts';
import { DrillServer } from '../lib/server.ts';
import { fail, mb, row } from '../lib/table.ts';
import type { DrillRow, Running, ServiceDrill, Session, SoakHttp, WsEndpoint } from '../lib/types.ts';
import { openSocket, type DrillSocket } from '../lib/ws-client.ts';
import { configFor } from '../services/index.ts';

export interface SoakOptions {
  seed: number;
  /** Measured time, after the warm-up. */
  durationSec: number;
  services: readonly ServiceDrill[];
  /** Printed every `progressSec` (long runs). */
  progressSec?: number;
}

/** RSS may drift this much after warm-up; the last window's p99 may be this many times the first's. */
export const RSS_TOLERANCE = 0.1;
export const P99_RATIO = 1.5;
/**
 * Sub-millisecond p99s move by more than 50% on one scheduler hiccup of a shared machine:
 * a last-window p99 within this many ms of the first passes too.
 */
export const P99_SLACK_MS = 2;

export interface SoakWindows {
  /** Traffic before the measured time: the JIT, the heap and SQLite's caches settle (RSS grows for about a minute). */
  warmupSec: number;
  windowSec: number;
  /** Warm-up plus the measured duration. */
  totalSec: number;
}

/** A warm-up of 30 s (60 s in runs of 5 minutes or more), then minute windows, shorter in a short run. */
export function windowsFor(durationSec: number): SoakWindows {
  const warmupSec = durationSec >= 300 ? 60 : 30;
  const windowSec = Math.min(60, Math.max(5, Math.floor(durationSec / 4)));
  return { warmupSec, windowSec, totalSec: warmupSec + durationSec };
}

/** Whether the last window's p99 is within the allowed growth of the first's. */
export function p99Holds(first: number, last: number): boolean {
  return last <= first * P99_RATIO || last - first <= P99_SLACK_MS;
}

/** Median of the samples. */
export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** The q-quantile of the samples (linear between neighbours). */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (at - lo);
}

/**
 * RSS of a window as its floor (10th percentile of the per-second samples): between
 * collections RSS swings by several MiB, what a leak raises is what is left after them.
 */
export const rssFloor = (xs: readonly number[]): number => quantile(xs, 0.1);

/** The RSS floor of each measured window, from `from` to `to` seconds in steps of `step`. */
export function rssByWindow(samples: readonly { at: number; bytes: number }[], from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let a = from; a + step <= to + 1e-9; a += step) {
    const xs = samples.filter((s) => s.at >= a && s.at < a + step).map((s) => s.bytes);
    if (xs.length) out.push(rssFloor(xs));
  }
  return out;
}

interface ServiceLoad {
  svc: ServiceDrill;
  row: DrillRow;
  all: Recorder;
  errorSamples: string[];
}

function note(load: ServiceLoad, msg: string): void {
  load.row.errors++;
  if (load.errorSamples.length < 5) load.errorSamples.push(msg);
}

function record(load: ServiceLoad, ms: number): void {
  load.all.record(ms);
}

async function httpStream(run: Running, s: Session, spec: SoakHttp, load: ServiceLoad, endAt: number, seed: number): Promise<void> {
  const r = rng(deriveSeed(seed, 'soak', load.svc.name, spec.name));
  const period = 1000 / spec.hz;
  const pending = new Set<Promise<void>>();
  let i = 0;
  for (let due = performance.now(); due < endAt; due += period) {
    const wait = due - performance.now();
    if (wait > 0) await Bun.sleep(wait);
    if (pending.size >= 64) {
      note(load, `${spec.name}: 64 requests outstanding, sender paused`);
      await Promise.race(pending);
    }
    const q = spec.make(s, i++, r);
    const p = send(q.method, `${run.url}${q.path}`, { headers: { ...s.headers, ...q.headers }, body: q.body, timeoutMs: 10_000 }).then((x) => {
      load.row.operations++;
      const ok = spec.ok ? spec.ok(x) : x.status >= 200 && x.status < 300;
      if (!ok) note(load, `${spec.name}: ${x.status || x.error} ${excerpt(x.text, 160)}`);
      else {
        load.row.acknowledged++;
        record(load, x.ms);
      }
    });
    pending.add(p);
    void p.finally(() => pending.delete(p));
  }
  await Promise.all(pending);
}

async function wsClient(run: Running, s: Session, e: WsEndpoint, hz: number, load: ServiceLoad, endAt: number, offsetMs: number): Promise<void> {
  let sock: DrillSocket;
  try {
    sock = await openSocket(run.url, e, s);
  } catch (err) {
    note(load, `${e.path}: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  const period = 1000 / hz;
  const fifo: number[] = [];
  const bySeq = new Map<number, number>();
  sock.ws.addEventListener('message', (ev: MessageEvent) => {
    let m: unknown;
    try {
      m = JSON.parse(typeof ev.data === 'string' ? ev.data : new TextDecoder().decode(ev.data as ArrayBuffer));
    } catch {
      return;
    }
    if (!e.isProbeReply(m)) return;
    const seq = e.replySeq?.(m);
    const sent = seq !== undefined && seq !== null ? bySeq.get(seq) : fifo.shift();
    if (seq !== undefined && seq !== null) bySeq.delete(seq);
    if (sent === undefined) return;
    load.row.acknowledged++;
    record(load, performance.now() - sent);
  });
  // Replies are consumed above, not queued.
  sock.frames.length = 0;
  let seq = 0;
  for (let due = performance.now() + offsetMs; due < endAt; due += period) {
    const wait = due - performance.now();
    if (wait > 0) await Bun.sleep(wait);
    if (sock.closed) {
      note(load, `${e.path}: socket closed ${sock.closed.code} ${sock.closed.reason}`);
      return;
    }
    const now = performance.now();
    if (e.replySeq) bySeq.set(seq, now);
    else fifo.push(now);
    sock.send(e.probe(seq++));
    load.row.operations++;
    sock.frames.length = 0;
  }
  await Bun.sleep(2000);
  const unanswered = bySeq.size + fifo.length;
  if (unanswered > 0) note(load, `${e.path}: ${unanswered} frames unanswered after 2 s`);
  sock.close();
}

/** The server's JS heap in use, from the admin port's Prometheus text. */
async function heapUsed(server: DrillServer): Promise<number | null> {
  try {
    const text = await (await fetch(`${server.admin}/metrics`)).text();
    const m = /^process_heap_used_bytes (\d+(?:\.\d+)?)/m.exec(text);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

interface RouteP99 {
  route: string;
  count: number;
  p90_ms: number;
  p99_ms: number;
}

/**
 * Requests a route needs in both windows for its p99 to be compared (a p99 of fewer is one
 * or two samples: noise); routes with at least P90_MIN_COUNT are compared at p90 instead.
 */
const P99_MIN_COUNT = 300;
const P90_MIN_COUNT = 100;

/** Per service, the routes' p99 from the admin port's histograms (reset at the window's start). */
async function routeP99s(server: DrillServer): Promise<Map<string, RouteP99[]>> {
  const st = (await (await fetch(`${server.admin}/api/stats`)).json()) as { routes: { series: string; count: number; p90_ms: number; p99_ms: number }[] };
  const out = new Map<string, RouteP99[]>();
  for (const r of st.routes) {
    const svc = /service="([^"]+)"/.exec(r.series)?.[1];
    const route = /route="([^"]+)"/.exec(r.series)?.[1];
    if (!svc || !route) continue;
    out.set(svc, [...(out.get(svc) ?? []), { route, count: r.count, p90_ms: r.p90_ms, p99_ms: r.p99_ms }]);
  }
  return out;
}

function serverWindows(server: DrillServer, t0: number, warmupSec: number, windowSec: number, durationSec: number): { first: Map<string, RouteP99[]>; last: Map<string, RouteP99[]>; done: Promise<void> } {
  const out = { first: new Map<string, RouteP99[]>(), last: new Map<string, RouteP99[]>(), done: Promise.resolve() };
  const at = (sec: number): Promise<void> => Bun.sleep(Math.max(0, t0 + sec * 1000 - performance.now()));
  const reset = (): Promise<Response> => fetch(`${server.admin}/api/stats/reset`, { method: 'POST' });
  out.done = (async () => {
    await at(warmupSec);
    await reset();
    await at(warmupSec + windowSec);
    out.first = await routeP99s(server);
    await at(durationSec - windowSec);
    await reset();
    await at(durationSec);
    out.last = await routeP99s(server);
  })();
  return out;
}

export async function soakDrill(o: SoakOptions): Promise<DrillRow[]> {
  return (await runSoak(o)).rows;
}

export interface SoakResult {
  rows: DrillRow[];
  /** End-to-end latency of every acknowledged request and frame, per service. */
  latency: Map<string, Recorder>;
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const { sets, env } = configFor(o.services);
  const server = await DrillServer.start({ services: o.services.map((s) => s.name), sets, env });
  const { warmupSec, windowSec, totalSec } = windowsFor(o.durationSec);
  const loads: ServiceLoad[] = o.services.map((svc) => ({ svc, row: row('soak', svc.name, o.seed), all: new Recorder(), errorSamples: [] }));
  const processRow = row('soak', 'process (all services)', o.seed);
  const rss: { at: number; bytes: number }[] = [];
  const heap: { at: number; bytes: number }[] = [];
  let serverFirst = new Map<string, RouteP99[]>();
  let serverLast = new Map<string, RouteP99[]>();
  try {
    const sessions = new Map<string, Session>();
    for (const svc of o.services) {
      const run: Running = { server, url: server.url(svc.name) };
      const s = await svc.session(run);
      await svc.soak.setup?.(run, s);
      sessions.set(svc.name, s);
    }
    const t0 = performance.now();
    const endAt = t0 + totalSec * 1000;
    const sampler = setInterval(() => {
      const b = server.rssBytes();
      if (b !== null) rss.push({ at: (performance.now() - t0) / 1000, bytes: b });
      void heapUsed(server).then((h) => {
        if (h !== null) heap.push({ at: (performance.now() - t0) / 1000, bytes: h });
      });
    }, 1000);
    const progress = o.progressSec
      ? setInterval(() => console.log(`  soak: ${Math.round((performance.now() - t0) / 1000)} s, RSS ${mb(server.rssBytes())} MiB, ${loads.reduce((n, l) => n + l.row.operations, 0)} operations`), o.progressSec * 1000)
      : undefined;
    // Server-side latency windows (the server's own per-route histograms, so the load
    // generator's scheduling on the same cores is not charged to the server).
    const windows = serverWindows(server, t0, warmupSec, windowSec, totalSec);
    const work: Promise<void>[] = [windows.done];
    for (const load of loads) {
      const run: Running = { server, url: server.url(load.svc.name) };
      const s = sessions.get(load.svc.name)!;
      for (const h of load.svc.soak.http) work.push(httpStream(run, s, h, load, endAt, o.seed));
      for (const w of load.svc.soak.ws) {
        for (let c = 0; c < w.clients; c++) work.push(wsClient(run, s, w.endpoint, w.hz, load, endAt, (c / w.clients) * (1000 / w.hz)));
      }
    }
    await Promise.all(work);
    serverFirst = windows.first;
    serverLast = windows.last;
    clearInterval(sampler);
    if (progress) clearInterval(progress);
    if (!server.alive) {
      processRow.server_died = true;
      fail(processRow, `the server died during the soak:\n${server.logTail(12)}`);
    }
  } finally {
    await server.stop();
  }

  const firstFrom = warmupSec;
  const lastFrom = totalSec - windowSec;
  for (const l of loads) {
    const r = l.row;
    r.p99_ms = l.all.count ? l.all.row('').p99_ms : null;
    if (r.operations === 0) fail(r, 'no traffic was sent');
    if (r.errors > 0) fail(r, `${r.errors} errors: ${l.errorSamples.join('; ')}`);
    const first = serverFirst.get(l.svc.name) ?? [];
    const last = new Map((serverLast.get(l.svc.name) ?? []).map((x) => [x.route, x]));
    const compared: string[] = [];
    let atP99 = 0;
    for (const a of first) {
      const b = last.get(a.route);
      const n = Math.min(a.count, b?.count ?? 0);
      if (!b || n < P90_MIN_COUNT) continue;
      const q = n >= P99_MIN_COUNT ? 'p99' : 'p90';
      if (q === 'p99') atP99++;
      const [x, y] = q === 'p99' ? [a.p99_ms, b.p99_ms] : [a.p90_ms, b.p90_ms];
      const msg = `${a.route} ${q} ${x.toFixed(2)} → ${y.toFixed(2)} ms`;
      if (!p99Holds(x, y)) fail(r, `server-side ${msg} (${firstFrom}-${firstFrom + windowSec} s vs ${lastFrom}-${totalSec} s): more than ${P99_RATIO}x and ${P99_SLACK_MS} ms up`);
      else compared.push(msg);
    }
    if (compared.length) r.notes.push(`server-side, first vs last window: ${compared.join('; ')}`);
    if (l.svc.soak.http.length && atP99 === 0) fail(r, `no route had ${P99_MIN_COUNT} requests in both windows for a p99 comparison`);
  }
  const early = rssFloor(rss.filter((s) => s.at >= firstFrom && s.at < firstFrom + windowSec).map((s) => s.bytes));
  const late = rssFloor(rss.filter((s) => s.at >= lastFrom).map((s) => s.bytes));
  processRow.operations = loads.reduce((n, l) => n + l.row.operations, 0);
  processRow.acknowledged = loads.reduce((n, l) => n + l.row.acknowledged, 0);
  processRow.errors = loads.reduce((n, l) => n + l.row.errors, 0);
  processRow.rss_mb = mb(late);
  if (Number.isFinite(early) && Number.isFinite(late)) {
    const drift = (late - early) / early;
    const msg = `RSS floor ${mb(early)} MiB after warm-up (${firstFrom}-${firstFrom + windowSec} s), ${mb(late)} MiB in the last window: ${(drift * 100).toFixed(1)}%`;
    if (Math.abs(drift) > RSS_TOLERANCE) fail(processRow, `${msg}, outside ±${RSS_TOLERANCE * 100}%`);
    else processRow.notes.push(msg);
  } else fail(processRow, 'no RSS samples');
  const heapEarly = median(heap.filter((s) => s.at >= firstFrom && s.at < firstFrom + windowSec).map((s) => s.bytes));
  const heapLate = median(heap.filter((s) => s.at >= lastFrom).map((s) => s.bytes));
  if (Number.isFinite(heapEarly) && Number.isFinite(heapLate)) processRow.notes.push(`JS heap in use ${mb(heapEarly)} → ${mb(heapLate)} MiB over the same windows`);
  processRow.notes.push(`${o.durationSec} s measured after a ${warmupSec} s warm-up, windows of ${windowSec} s; peak RSS ${mb(Math.max(...rss.map((s) => s.bytes)))} MiB`);
  // The floor window by window: a slope that keeps rising (a leak or fragmentation) reads
  // differently from growth that levels off (caches filling).
  processRow.notes.push(`RSS floor by window: ${rssByWindow(rss, firstFrom, totalSec, windowSec).map((b) => mb(b)).join(' → ')} MiB`);
  for (const l of loads) l.row.rss_mb = processRow.rss_mb;
  return { rows: [...loads.map((l) => l.row), processRow], latency: new Map(loads.map((l) => [l.svc.name, l.all])) };
}
