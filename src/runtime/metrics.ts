/**
 * Latency histograms (hdr, microsecond resolution), counters and gauges, rendered as
 * Prometheus text. One registry per process; every service labels its own series.
 */
import * as hdr from 'hdr-histogram-js';

export type Labels = Readonly<Record<string, string>>;

const MAX_TRACKABLE_US = 120_000_000; // 2 minutes: long llm tasks still land in range.

export function newHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: MAX_TRACKABLE_US, numberOfSignificantValueDigits: 3, useWebAssembly: false });
}

function labelKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  return keys.map((k) => `${k}="${escapeLabel(labels[k] ?? '')}"`).join(',');
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/**
 * The last minute of one series, a histogram per second in a ring: log-spaced buckets
 * ~10% wide (values within ±5%), 1 µs to 2 min, 790 bytes per second of history. The
 * dashboard's sliding windows (last 10 s, last minute) sum the seconds they cover.
 */
const RECENT_SECONDS = 60;
const LOG_BASE = Math.log(1.1);
const RECENT_BUCKETS = Math.ceil(Math.log(MAX_TRACKABLE_US) / LOG_BASE) + 1;

class RecentWindow {
  private readonly counts = new Uint32Array(RECENT_SECONDS * RECENT_BUCKETS);
  private readonly stamps = new Float64Array(RECENT_SECONDS).fill(-1);
  private readonly maxUs = new Float64Array(RECENT_SECONDS);
  private readonly sumUs = new Float64Array(RECENT_SECONDS);

  constructor(private readonly clock: () => number) {}

  record(us: number): void {
    const sec = Math.floor(this.clock() / 1000);
    const slot = sec % RECENT_SECONDS;
    if (this.stamps[slot] !== sec) {
      this.counts.fill(0, slot * RECENT_BUCKETS, (slot + 1) * RECENT_BUCKETS);
      this.stamps[slot] = sec;
      this.maxUs[slot] = 0;
      this.sumUs[slot] = 0;
    }
    const b = us <= 1 ? 0 : Math.min(RECENT_BUCKETS - 1, Math.ceil(Math.log(us) / LOG_BASE));
    this.counts[slot * RECENT_BUCKETS + b]!++;
    if (us > this.maxUs[slot]!) this.maxUs[slot] = us;
    this.sumUs[slot]! += us;
  }

  /** Percentiles over the last `seconds` (the current second included). */
  summary(seconds: number, labels: string, values: Labels): LatencySnapshot {
    const now = Math.floor(this.clock() / 1000);
    const merged = new Float64Array(RECENT_BUCKETS);
    let count = 0;
    let max = 0;
    let sum = 0;
    for (let s = 0; s < RECENT_SECONDS; s++) {
      const stamp = this.stamps[s]!;
      if (stamp < 0 || stamp > now || now - stamp >= seconds) continue;
      for (let b = 0; b < RECENT_BUCKETS; b++) merged[b]! += this.counts[s * RECENT_BUCKETS + b]!;
      max = Math.max(max, this.maxUs[s]!);
      sum += this.sumUs[s]!;
    }
    for (let b = 0; b < RECENT_BUCKETS; b++) count += merged[b]!;
    const at = (p: number): number => {
      if (count === 0) return 0;
      const rank = Math.ceil((p / 100) * count);
      let seen = 0;
      for (let b = 0; b < RECENT_BUCKETS; b++) {
        seen += merged[b]!;
        if (seen >= rank) return Math.min(max, Math.exp(b * LOG_BASE)) / 1000;
      }
      return max / 1000;
    };
    return { labels, values, count, p50_ms: at(50), p90_ms: at(90), p99_ms: at(99), max_ms: max / 1000, mean_ms: count ? sum / count / 1000 : 0 };
  }

  reset(): void {
    this.stamps.fill(-1);
  }
}

interface HistSeries { labels: string; values: Labels; hist: hdr.Histogram; sumUs: number; recent: RecentWindow }
interface Family<T> { help: string; series: Map<string, T> }

export interface LatencySnapshot {
  labels: string;
  /** The label values themselves (e.g. `{service: 'mall', route: 'POST /tick'}`). */
  values: Labels;
  count: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  mean_ms: number;
}

export const QUANTILES = [0.5, 0.9, 0.95, 0.99, 0.999] as const;

/** Outcomes of one route of one service, counted by status (and error code for failures). */
export interface OutcomeCounters {
  /** `code`: the error code in the service's envelope, or null (taken from the status for failures). */
  count(status: number, code: string | null): void;
}

/** One row of a service's HTTP outcomes: route (`POST /tick`, or `not_found`, ...), status, count. */
export interface HttpCount {
  route: string;
  status: number;
  /** The error code in the service's envelope for failures (status >= 400), else null. */
  code: string | null;
  count: number;
}

/** Requests a service answered and how many of them failed (status >= 400), kernel rejections included. */
export interface ServiceTotals {
  requests: number;
  errors: number;
  /** 4xx: bad input, unknown ids, rate limits, and the kernel's 413/414/415/431 and malformed JSON. */
  clientErrors: number;
  serverErrors: number;
}

interface OutcomeRow extends HttpCount {
  inc: (by?: number) => void;
}

export class Metrics {
  private readonly hists = new Map<string, Family<HistSeries>>();
  private readonly counters = new Map<string, Family<{ labels: string; value: number }>>();
  private readonly gauges = new Map<string, Family<{ labels: string; read: () => number }>>();
  /** service → `route status code` → row; feeds hotloop_http_requests_total / _errors_total and the totals. */
  private readonly outcomes = new Map<string, Map<string, OutcomeRow>>();
  private readonly totals = new Map<string, ServiceTotals>();

  /** `clock`: wall time in ms for the sliding windows (replaceable in tests). */
  constructor(private readonly clock: () => number = Date.now) {}

  /**
   * Outcome counters of one route (pre-resolved: a request costs a map lookup by status).
   * Every response is counted in hotloop_http_requests_total{service,route,status}; a
   * failure also in hotloop_http_errors_total{service,route,status,code}, and in the
   * service's totals (`serviceTotals`).
   */
  httpOutcomes(service: string, route: string): OutcomeCounters {
    const rows = new Map<number, OutcomeRow>();
    const byCode = new Map<string, OutcomeRow>();
    const totals = this.totalsOf(service);
    return {
      count: (status, code) => {
        totals.requests++;
        if (status < 400) {
          let row = rows.get(status);
          if (!row) rows.set(status, (row = this.outcomeRow(service, route, status, null)));
          row.inc();
          return;
        }
        totals.errors++;
        if (status < 500) totals.clientErrors++;
        else totals.serverErrors++;
        const key = `${status} ${code ?? ''}`;
        let row = byCode.get(key);
        if (!row) byCode.set(key, (row = this.outcomeRow(service, route, status, code)));
        row.inc();
      },
    };
  }

  /** Every route/status/code row of one service with its count. */
  httpCounts(service: string): HttpCount[] {
    return [...(this.outcomes.get(service)?.values() ?? [])].map(({ route, status, code, count }) => ({ route, status, code, count }));
  }

  serviceTotals(service: string): ServiceTotals {
    return { ...this.totalsOf(service) };
  }

  private totalsOf(service: string): ServiceTotals {
    let t = this.totals.get(service);
    if (!t) this.totals.set(service, (t = { requests: 0, errors: 0, clientErrors: 0, serverErrors: 0 }));
    return t;
  }

  private outcomeRow(service: string, route: string, status: number, code: string | null): OutcomeRow {
    let rows = this.outcomes.get(service);
    if (!rows) this.outcomes.set(service, (rows = new Map()));
    // Failures without a code of their own (a handler's own error Response) are labelled by status.
    const errorCode = status >= 400 ? (code ?? `http_${status}`) : null;
    const key = `${route} ${status} ${errorCode ?? ''}`;
    const existing = rows.get(key);
    if (existing) return existing;
    const labels = { service, route, status: String(status) };
    const requests = this.counterHandle('hotloop_http_requests_total', labels, 'HTTP requests by route and status');
    const errors = errorCode === null ? null : this.counterHandle('hotloop_http_errors_total', { ...labels, code: errorCode }, 'Failed HTTP requests (status >= 400) by route, status and error code, kernel rejections included');
    const row: OutcomeRow = {
      route, status, code: errorCode, count: 0,
      inc: () => {
        row.count++;
        requests();
        errors?.();
      },
    };
    rows.set(key, row);
    return row;
  }

  /** Records one latency in milliseconds (fractions kept to the microsecond). */
  observe(name: string, labels: Labels, ms: number, help = name): void {
    record(this.series(name, labels, help), ms);
  }

  /** A pre-resolved series for hot paths: no label formatting per call. */
  histogram(name: string, labels: Labels, help = name): (ms: number) => void {
    const series = this.series(name, labels, help);
    return (ms) => record(series, ms);
  }

  private series(name: string, labels: Labels, help: string): HistSeries {
    const fam = this.family(this.hists, name, help);
    const key = labelKey(labels);
    let s = fam.series.get(key);
    if (!s) {
      s = { labels: key, values: { ...labels }, hist: newHistogram(), sumUs: 0, recent: new RecentWindow(this.clock) };
      fam.series.set(key, s);
    }
    return s;
  }

  /** A pre-resolved counter series for hot paths. */
  counterHandle(name: string, labels: Labels, help = name): (by?: number) => void {
    const fam = this.family(this.counters, name, help);
    const key = labelKey(labels);
    let s = fam.series.get(key);
    if (!s) {
      s = { labels: key, value: 0 };
      fam.series.set(key, s);
    }
    const series = s;
    return (by = 1) => {
      series.value += by;
    };
  }

  inc(name: string, labels: Labels, by = 1, help = name): void {
    const fam = this.family(this.counters, name, help);
    const key = labelKey(labels);
    const s = fam.series.get(key);
    if (s) s.value += by;
    else fam.series.set(key, { labels: key, value: by });
  }

  counter(name: string, labels: Labels): number {
    return this.counters.get(name)?.series.get(labelKey(labels))?.value ?? 0;
  }

  /** Registers a gauge read at scrape time (RSS, queue depth, ...). */
  gauge(name: string, labels: Labels, read: () => number, help = name): void {
    this.family(this.gauges, name, help).series.set(labelKey(labels), { labels: labelKey(labels), read });
  }

  /** Empties every latency histogram (counters keep counting); e.g. after a benchmark warm-up. */
  resetLatencies(): void {
    for (const fam of this.hists.values()) {
      for (const s of fam.series.values()) {
        s.hist.reset();
        s.sumUs = 0;
        s.recent.reset();
      }
    }
  }

  /** Percentiles of every series of one histogram family. */
  snapshot(name: string): LatencySnapshot[] {
    const fam = this.hists.get(name);
    if (!fam) return [];
    return [...fam.series.values()].map((s) => ({
      labels: s.labels,
      values: s.values,
      count: s.hist.totalCount,
      p50_ms: s.hist.getValueAtPercentile(50) / 1000,
      p90_ms: s.hist.getValueAtPercentile(90) / 1000,
      p99_ms: s.hist.getValueAtPercentile(99) / 1000,
      max_ms: s.hist.maxValue / 1000,
      mean_ms: s.hist.totalCount ? s.sumUs / s.hist.totalCount / 1000 : 0,
    }));
  }

  /** Percentiles of every series of one family over the last `seconds` (at most 60): a sliding window, not since start. */
  recent(name: string, seconds: number): LatencySnapshot[] {
    const fam = this.hists.get(name);
    if (!fam) return [];
    const window = Math.max(1, Math.min(RECENT_SECONDS, seconds));
    return [...fam.series.values()].map((s) => s.recent.summary(window, s.labels, s.values));
  }

  /** Single-series lookup, for services reporting their own figures (e.g. per tier). */
  latency(name: string, labels: Labels): LatencySnapshot | undefined {
    const key = labelKey(labels);
    return this.snapshot(name).find((s) => s.labels === key);
  }

  /** Prometheus text exposition (version 0.0.4). Histograms are exported as summaries in ms. */
  render(filter?: (name: string) => boolean): string {
    const out: string[] = [];
    const keep = (n: string): boolean => (filter ? filter(n) : true);
    for (const [name, fam] of this.counters) {
      if (!keep(name)) continue;
      out.push(`# HELP ${name} ${fam.help}`, `# TYPE ${name} counter`);
      for (const s of fam.series.values()) out.push(`${name}${s.labels ? `{${s.labels}}` : ''} ${s.value}`);
    }
    for (const [name, fam] of this.gauges) {
      if (!keep(name)) continue;
      out.push(`# HELP ${name} ${fam.help}`, `# TYPE ${name} gauge`);
      for (const s of fam.series.values()) out.push(`${name}${s.labels ? `{${s.labels}}` : ''} ${fmt(s.read())}`);
    }
    for (const [name, fam] of this.hists) {
      if (!keep(name)) continue;
      out.push(`# HELP ${name} ${fam.help}`, `# TYPE ${name} summary`);
      for (const s of fam.series.values()) {
        const sep = s.labels ? `${s.labels},` : '';
        for (const q of QUANTILES) out.push(`${name}{${sep}quantile="${q}"} ${fmt(s.hist.getValueAtPercentile(q * 100) / 1000)}`);
        const lbl = s.labels ? `{${s.labels}}` : '';
        out.push(`${name}_sum${lbl} ${fmt(s.sumUs / 1000)}`, `${name}_count${lbl} ${s.hist.totalCount}`);
      }
    }
    return out.join('\n') + '\n';
  }

  private family<T>(map: Map<string, Family<T>>, name: string, help: string): Family<T> {
    let fam = map.get(name);
    if (!fam) {
      fam = { help, series: new Map() };
      map.set(name, fam);
    }
    return fam;
  }
}

function record(s: HistSeries, ms: number): void {
  const us = Math.max(1, Math.min(MAX_TRACKABLE_US, Math.round(ms * 1000)));
  s.hist.recordValue(us);
  s.sumUs += us;
  s.recent.record(us);
}

function fmt(n: number): string {
  return Number.isFinite(n) ? String(Math.round(n * 1000) / 1000) : 'NaN';
}
