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

interface HistSeries { labels: string; hist: hdr.Histogram; sumUs: number }
interface Family<T> { help: string; series: Map<string, T> }

export interface LatencySnapshot {
  labels: string;
  count: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  mean_ms: number;
}

export const QUANTILES = [0.5, 0.9, 0.99, 0.999] as const;

export class Metrics {
  private readonly hists = new Map<string, Family<HistSeries>>();
  private readonly counters = new Map<string, Family<{ labels: string; value: number }>>();
  private readonly gauges = new Map<string, Family<{ labels: string; read: () => number }>>();

  /** Records one latency in milliseconds (fractions kept to the microsecond). */
  observe(name: string, labels: Labels, ms: number, help = name): void {
    const fam = this.family(this.hists, name, help);
    const key = labelKey(labels);
    let s = fam.series.get(key);
    if (!s) {
      s = { labels: key, hist: newHistogram(), sumUs: 0 };
      fam.series.set(key, s);
    }
    const us = Math.max(1, Math.min(MAX_TRACKABLE_US, Math.round(ms * 1000)));
    s.hist.recordValue(us);
    s.sumUs += us;
  }

  /** A pre-resolved series for hot paths: no label formatting per call. */
  histogram(name: string, labels: Labels, help = name): (ms: number) => void {
    const fam = this.family(this.hists, name, help);
    const key = labelKey(labels);
    let s = fam.series.get(key);
    if (!s) {
      s = { labels: key, hist: newHistogram(), sumUs: 0 };
      fam.series.set(key, s);
    }
    const series = s;
    return (ms) => {
      const us = Math.max(1, Math.min(MAX_TRACKABLE_US, Math.round(ms * 1000)));
      series.hist.recordValue(us);
      series.sumUs += us;
    };
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
      }
    }
  }

  /** Percentiles of every series of one histogram family. */
  snapshot(name: string): LatencySnapshot[] {
    const fam = this.hists.get(name);
    if (!fam) return [];
    return [...fam.series.values()].map((s) => ({
      labels: s.labels,
      count: s.hist.totalCount,
      p50_ms: s.hist.getValueAtPercentile(50) / 1000,
      p90_ms: s.hist.getValueAtPercentile(90) / 1000,
      p99_ms: s.hist.getValueAtPercentile(99) / 1000,
      max_ms: s.hist.maxValue / 1000,
      mean_ms: s.hist.totalCount ? s.sumUs / s.hist.totalCount / 1000 : 0,
    }));
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

function fmt(n: number): string {
  return Number.isFinite(n) ? String(Math.round(n * 1000) / 1000) : 'NaN';
}
