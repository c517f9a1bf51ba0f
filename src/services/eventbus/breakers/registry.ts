/**
 * One breaker per component with the spec's settings (default 5 failures / 30 s / 3
 * half-open probes; claude_advisor 3 / 60 s; the knowledge graph — the spec's
 * `memgraph` — 10 / 15 s), states in health and metrics, and an ErrorEvent on the bus
 * whenever one opens.
 */
import { ConfigError } from '../../../config.ts';
import type { Metrics } from '../../../runtime/metrics.ts';
import { readOptions } from '../bus-io/options.ts';
import { CircuitBreaker, STATE_VALUE, type BreakerSettings, type BreakerState } from './breaker.ts';
import type { ErrorReporter } from './errors.ts';

export const COMPONENTS = ['claude_advisor', 'knowledge_graph', 'learning', 'analytics', 'resource_coordinator'] as const;
export type ComponentName = (typeof COMPONENTS)[number];

export interface BreakerOptions {
  default: BreakerSettings;
  claude_advisor: Partial<BreakerSettings>;
  knowledge_graph: Partial<BreakerSettings>;
  learning: Partial<BreakerSettings>;
  analytics: Partial<BreakerSettings>;
  resource_coordinator: Partial<BreakerSettings>;
}

export const BREAKER_DEFAULTS: BreakerOptions = {
  default: { failureThreshold: 5, timeoutMs: 30_000, halfOpenRequests: 3 },
  claude_advisor: { failureThreshold: 3, timeoutMs: 60_000 },
  knowledge_graph: { failureThreshold: 10, timeoutMs: 15_000 },
  learning: {},
  analytics: {},
  resource_coordinator: {},
};

export function parseBreakerOptions(raw: unknown): BreakerOptions {
  const o = readOptions('services.eventbus.options.breakers', raw, BREAKER_DEFAULTS);
  for (const k of Object.keys(o) as (keyof BreakerOptions)[]) {
    for (const [f, v] of Object.entries(o[k])) {
      if (!['failureThreshold', 'timeoutMs', 'halfOpenRequests'].includes(f) || typeof v !== 'number' || !(v >= 0)) {
        throw new ConfigError(`services.eventbus.options.breakers.${k}.${f}`, 'expected failureThreshold, timeoutMs or halfOpenRequests as a non-negative number');
      }
    }
  }
  return o;
}

export class Breakers {
  private readonly map = new Map<ComponentName, CircuitBreaker>();
  reporter: ErrorReporter | null = null;

  constructor(opts: BreakerOptions, now: () => number, metrics: Metrics) {
    for (const c of COMPONENTS) {
      const settings: BreakerSettings = { ...opts.default, ...opts[c] };
      const b = new CircuitBreaker(c, settings, now, (name, from, to) => this.transition(name as ComponentName, from, to, metrics));
      this.map.set(c, b);
      metrics.gauge('jimbot_circuit_breaker_state', { component: c }, () => STATE_VALUE[b.state()], 'Circuit breaker state per component: 0 closed, 1 half_open, 2 open');
      metrics.gauge('jimbot_circuit_breaker_rejected_total', { component: c }, () => b.rejected, 'Calls a breaker refused while open');
    }
  }

  get(c: ComponentName): CircuitBreaker {
    return this.map.get(c)!;
  }

  snapshot(): Record<string, ReturnType<CircuitBreaker['snapshot']>> {
    const out: Record<string, ReturnType<CircuitBreaker['snapshot']>> = {};
    for (const [k, b] of this.map) out[k] = b.snapshot();
    return out;
  }

  private transition(c: ComponentName, from: BreakerState, to: BreakerState, metrics: Metrics): void {
    metrics.inc('jimbot_circuit_breaker_transitions_total', { component: c, to }, 1, 'Circuit breaker transitions by component and new state');
    if (to === 'open') {
      const b = this.map.get(c);
      this.reporter?.report({
        component: c, severity: 'CRITICAL', errorType: 'circuit_open', action: 'CIRCUIT_BREAK',
        message: `circuit breaker for ${c} opened after ${b?.settings.failureThreshold ?? '?'} consecutive failures (last: ${b?.lastFailure ?? 'unknown'}); calls are refused for ${b?.settings.timeoutMs ?? '?'} ms`,
        context: { from, to, timeout_ms: String(b?.settings.timeoutMs ?? '') },
      });
    }
  }
}
