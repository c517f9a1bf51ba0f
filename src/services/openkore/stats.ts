// Live figures for /health and /metrics: request rate over the last minute, error
// rate, decisions per tier (latency percentiles come from the kernel histograms).
import type { Metrics } from "../../runtime/metrics.ts";
import { TIERS, type Tier } from "./engine/types.ts";

export const DECISION_HIST = "openkore_decision_ms";
const WINDOW_S = 60;

export class Stats {
  requests = 0;
  errors = 0;
  readonly decisions: Record<Tier, number> = { reflex: 0, rule: 0, ml: 0, llm: 0 };
  private readonly buckets = new Float64Array(WINDOW_S);
  private readonly bucketSec = new Float64Array(WINDOW_S);
  private cpuAt: { wall: number; cpu: NodeJS.CpuUsage };

  /** Histogram series per tier, resolved once (no label handling per decision). */
  private readonly observe: Record<Tier, (ms: number) => void>;

  constructor(readonly startedAt: number, private readonly metrics: Metrics) {
    this.cpuAt = { wall: performance.now(), cpu: process.cpuUsage() };
    const series = (tier: Tier) => metrics.histogram(DECISION_HIST, { tier }, "openkore decision latency by tier (ms)");
    this.observe = { reflex: series("reflex"), rule: series("rule"), ml: series("ml"), llm: series("llm") };
  }

  request(nowMs: number): void {
    this.requests++;
    const sec = Math.floor(nowMs / 1000);
    const i = sec % WINDOW_S;
    if (this.bucketSec[i] !== sec) { this.bucketSec[i] = sec; this.buckets[i] = 0; }
    this.buckets[i]!++;
  }

  error(): void { this.errors++; }

  decision(tier: Tier, ms: number): void {
    this.decisions[tier]++;
    this.observe[tier](ms);
  }

  /** Requests per second over the last full minute (or the uptime, if shorter). */
  rps(nowMs: number): number {
    const sec = Math.floor(nowMs / 1000);
    let n = 0;
    for (let i = 0; i < WINDOW_S; i++) if (sec - this.bucketSec[i]! < WINDOW_S && sec - this.bucketSec[i]! >= 1) n += this.buckets[i]!;
    const span = Math.min(WINDOW_S - 1, Math.max(1, Math.floor((nowMs - this.startedAt) / 1000)));
    return Math.round((n / span) * 100) / 100;
  }

  errorRate(): number { return this.requests ? Math.round((this.errors / this.requests) * 10000) / 10000 : 0; }

  tierLatency(): Record<Tier, { avg_ms: number; p99_ms: number; count: number }> {
    const out = {} as Record<Tier, { avg_ms: number; p99_ms: number; count: number }>;
    for (const t of TIERS) {
      const s = this.metrics.latency(DECISION_HIST, { tier: t });
      out[t] = { avg_ms: round(s?.mean_ms ?? 0), p99_ms: round(s?.p99_ms ?? 0), count: s?.count ?? 0 };
    }
    return out;
  }

  /** CPU share of one core since the previous call. */
  cpuPercent(): number {
    const wall = performance.now();
    const cpu = process.cpuUsage();
    const dWall = (wall - this.cpuAt.wall) * 1000;
    const dCpu = cpu.user - this.cpuAt.cpu.user + cpu.system - this.cpuAt.cpu.system;
    this.cpuAt = { wall, cpu };
    return dWall > 0 ? Math.round((dCpu / dWall) * 1000) / 10 : 0;
  }
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
