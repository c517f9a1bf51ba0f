/**
 * kolibri_vm_latency_ms as a Prometheus summary with the spec's quantiles (its
 * example shows 0.5 and 0.95, which the kernel's generic summaries do not export).
 */
import { newHistogram } from "../../runtime/metrics.ts";

const QUANTILES = [0.5, 0.9, 0.95, 0.99, 0.999] as const;

export class LatencySummary {
  private readonly hist = newHistogram();
  private sumUs = 0;

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  record(ms: number): void {
    const us = Math.max(1, Math.round(ms * 1000));
    this.hist.recordValue(us);
    this.sumUs += us;
  }

  get count(): number {
    return this.hist.totalCount;
  }

  render(): string {
    const f = (us: number): string => String(Math.round(us) / 1000);
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} summary`];
    for (const q of QUANTILES) lines.push(`${this.name}{quantile="${q}"} ${f(this.hist.getValueAtPercentile(q * 100))}`);
    lines.push(`${this.name}_sum ${f(this.sumUs)}`, `${this.name}_count ${this.hist.totalCount}`);
    return `${lines.join("\n")}\n`;
  }
}

/**
 * A counter family on the hot path: callers pass the rendered label set (a constant
 * string per call site), so an increment is one Map update with no label formatting.
 */
export class HotCounter {
  private readonly series = new Map<string, number>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: string, by = 1): void {
    this.series.set(labels, (this.series.get(labels) ?? 0) + by);
  }

  get(labels: string): number {
    return this.series.get(labels) ?? 0;
  }

  render(): string {
    if (this.series.size === 0) return "";
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [labels, v] of this.series) lines.push(`${this.name}${labels ? `{${labels}}` : ""} ${v}`);
    return `${lines.join("\n")}\n`;
  }
}

/** Label text for a route path; paths are fixed strings, so this is cached. */
const routeLabels = new Map<string, string>();
export function routeLabel(path: string): string {
  let l = routeLabels.get(path);
  if (l === undefined) {
    l = `route="${path.replace(/["\\\n]/g, "_")}"`;
    if (routeLabels.size < 256) routeLabels.set(path, l);
  }
  return l;
}
