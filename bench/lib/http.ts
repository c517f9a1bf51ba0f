/**
 * HTTP load on autocannon's programmatic API. autocannon's own percentiles are whole
 * milliseconds, so every response's float duration is recorded in our hdr histogram (µs).
 * Fixed-rate mode for latency (queueing stays visible); max mode for capacity.
 */
import autocannon, { type Request as AcRequest } from 'autocannon';
import { Recorder } from './hist.ts';
import type { BenchRow } from './types.ts';

export interface HttpLoad {
  name: string;
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  headers?: Record<string, string>;
  /** Builds each request's body (e.g. to vary session ids); overrides `body`. */
  makeBody?: (i: number) => unknown;
  connections?: number;
  durationSec: number;
  budget_p99_ms?: number;
  /** Status codes that count as success (default 2xx). */
  okStatus?: (status: number) => boolean;
  /** Record into this histogram (e.g. one shared by alternating rounds) instead of a new one. */
  recorder?: Recorder;
}

async function runAutocannon(load: HttpLoad, rate: number | undefined): Promise<BenchRow> {
  const rec = load.recorder ?? new Recorder();
  const countBefore = rec.count;
  const ok = load.okStatus ?? ((s: number) => s >= 200 && s < 300);
  let i = 0;
  const json = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
  const requests = load.makeBody
    ? [{ setupRequest: (req: AcRequest): AcRequest => ({ ...req, body: json(load.makeBody!(i++)) }) }]
    : undefined;
  let resolveDone!: (r: autocannon.Result) => void;
  let rejectDone!: (e: Error) => void;
  const done = new Promise<autocannon.Result>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  const instance = autocannon({
    url: load.url,
    method: load.method ?? (load.body !== undefined || load.makeBody ? 'POST' : 'GET'),
    body: load.body !== undefined ? json(load.body) : undefined,
    headers: { 'content-type': 'application/json', ...load.headers },
    // Fixed-rate runs use few connections (one per 500 req/s, at most 4): a game client
    // holds one keep-alive connection, and on two shared cores autocannon's own cost per
    // connection shows up in the tail (measured on /vm/run at 2,000 req/s: server-side
    // p99 0.12 ms; end-to-end p99 3.6 ms with 10 connections, 1.1 ms with 4).
    connections: load.connections ?? (rate ? Math.max(1, Math.min(4, Math.ceil(rate / 500))) : 10),
    duration: load.durationSec,
    overallRate: rate,
    requests,
  }, (err, res) => (err ? rejectDone(err instanceof Error ? err : new Error(String(err))) : resolveDone(res)));
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (ok(status)) rec.record(ms);
    else rec.errors++;
  });
  const result = await done;
  rec.errors += result.errors + result.timeouts;
  // With a shared recorder the percentiles cover every round; the count is this round's.
  return { ...rec.row(load.name, { rps: result.requests.average, budget_p99_ms: load.budget_p99_ms }), count: rec.count - countBefore };
}

/** Latency at a fixed offered rate (requests per second across all connections). */
export function fixedRate(load: HttpLoad & { rate: number }): Promise<BenchRow> {
  return runAutocannon(load, load.rate);
}

/** As many requests as the server takes; the row's rps is the capacity figure. */
export function maxThroughput(load: HttpLoad): Promise<BenchRow> {
  return runAutocannon(load, undefined);
}
