/**
 * The spec's Prometheus series ("Monitoring and Observability"):
 * jimbot_event_bus_messages_total{source,destination,event_type} (counter),
 * jimbot_request_duration_seconds{service,method,status} (histogram, seconds),
 * jimbot_error_rate{component,severity,error_type} (counter),
 * jimbot_resource_usage_ratio{resource_type,component} (gauge).
 * Counters and gauges live in the kernel registry; the histogram is rendered here
 * because the kernel exports latency as summaries.
 */
import type { Metrics } from '../../runtime/metrics.ts';

export const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;
export type Severity = 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';

interface HistSeries {
  labels: string;
  counts: number[];
  sum: number;
  count: number;
}

const MAX_LABEL_VALUES = 200;

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export class BusMetrics {
  private readonly messages = new Map<string, (by?: number) => void>();
  private readonly sources = new Set<string>();
  private readonly errors = new Map<string, (by?: number) => void>();
  private readonly hist = new Map<string, HistSeries>();

  constructor(private readonly m: Metrics) {}

  /** Producer-chosen label values are bounded: past 200 sources the rest count as "other". */
  private source(s: string): string {
    const v = s === '' ? 'unknown' : s.slice(0, 64);
    if (this.sources.has(v)) return v;
    if (this.sources.size >= MAX_LABEL_VALUES) return 'other';
    this.sources.add(v);
    return v;
  }

  message(source: string, destination: string, eventType: string, by = 1): void {
    const src = this.source(source);
    const key = `${src}\u0000${destination}\u0000${eventType}`;
    let c = this.messages.get(key);
    if (!c) {
      c = this.m.counterHandle('jimbot_event_bus_messages_total', { source: src, destination, event_type: eventType }, 'Events stored by the bus, by producer, topic and type');
      this.messages.set(key, c);
    }
    c(by);
  }

  error(component: string, severity: Severity, errorType: string, by = 1): void {
    const key = `${component}\u0000${severity}\u0000${errorType}`;
    let c = this.errors.get(key);
    if (!c) {
      c = this.m.counterHandle('jimbot_error_rate', { component, severity, error_type: errorType }, 'Errors by component, severity (ErrorSeverity) and type');
      this.errors.set(key, c);
    }
    c(by);
  }

  /** Group commit latency: the transaction on the event loop, or the hand-off to the writer thread and back. */
  commit(ms: number): void {
    this.m.observe('eventbus_commit_ms', {}, ms, 'Group commit latency (ms): group sealed until its COMMIT is done (including the hand-off when a writer thread commits)');
  }

  /** Building and publishing one commit's frames to every live WebSocket pattern set. */
  fanout(ms: number): void {
    this.m.observe('eventbus_fanout_ms', {}, ms, 'Per commit: building views and publishing frames to live WebSocket subscribers (ms)');
  }

  resource(resourceType: string, component: string, read: () => number): void {
    this.m.gauge('jimbot_resource_usage_ratio', { resource_type: resourceType, component }, read, 'Share of a resource budget in use (0-1)');
  }

  request(method: string, status: string, seconds: number): void {
    const labels = `method="${esc(method)}",service="eventbus",status="${esc(status)}"`;
    let s = this.hist.get(labels);
    if (!s) {
      s = { labels, counts: new Array(BUCKETS.length).fill(0), sum: 0, count: 0 };
      this.hist.set(labels, s);
    }
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) s.counts[i]!++;
    s.sum += seconds;
    s.count++;
  }

  render(): string {
    if (this.hist.size === 0) return '';
    const out = ['# HELP jimbot_request_duration_seconds Request latency by service, method and status', '# TYPE jimbot_request_duration_seconds histogram'];
    for (const s of this.hist.values()) {
      for (let i = 0; i < BUCKETS.length; i++) out.push(`jimbot_request_duration_seconds_bucket{${s.labels},le="${BUCKETS[i]}"} ${s.counts[i]}`);
      out.push(`jimbot_request_duration_seconds_bucket{${s.labels},le="+Inf"} ${s.count}`);
      out.push(`jimbot_request_duration_seconds_sum{${s.labels}} ${Math.round(s.sum * 1e6) / 1e6}`);
      out.push(`jimbot_request_duration_seconds_count{${s.labels}} ${s.count}`);
    }
    return out.join('\n') + '\n';
  }
}
