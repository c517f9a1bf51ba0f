/**
 * The resource coordinator: validates requests, grants or queues them by priority,
 * expires grants after `duration_ms`, persists active grants, and tells everyone —
 * subscribers (gRPC stream, WebSocket) and the bus (`METRIC` events on
 * `metrics.resource`) — about every grant, queueing, denial, release and expiry.
 */
import { randomUUID } from 'node:crypto';
import type { Metrics } from '../../../runtime/metrics.ts';
import type { BusProducer } from '../bus-io/producer.ts';
import { componentError } from '../bus-io/errors.ts';
import { Allocator, isPriority, isResourceType, PRIORITIES, RESOURCE_TYPES, type Grant, type PoolConfig, type Priority, type Request, type ResourceType } from './engine/allocator.ts';
import type { ResourceStore } from './store.ts';

export type EventKind = 'granted' | 'queued' | 'denied' | 'released' | 'expired';

export interface GrantView {
  grant_id: string;
  granted: boolean;
  component: string;
  type: ResourceType;
  amount: number;
  duration_ms: number;
  granted_at_ms: number;
  expires_at_ms: number;
  reason: string;
  waited_ms: number;
  available: number;
  request_id: string;
  priority: Priority;
}

export interface ResourceEventView {
  event_id: string;
  kind: EventKind;
  grant: GrantView;
  at_ms: number;
  reason: string;
}

export interface RequestInput {
  component: string;
  /** Checked here: a ResourceType name. */
  type: string;
  amount: number;
  duration_ms: number;
  /** Checked here: a Priority name. */
  priority: string;
  /** 0 = the configured request timeout; -1 = do not wait. */
  wait_ms: number;
  request_id: string;
}

export interface CoordinatorOptions {
  pools: Record<ResourceType, PoolConfig>;
  requestTimeoutMs: number;
  defaultDurationMs: number;
  maxDurationMs: number;
  historyMs: number;
}

type Settle = (g: GrantView) => void;

export class Coordinator {
  readonly alloc: Allocator;
  private readonly listeners = new Set<(e: ResourceEventView) => void>();
  private readonly settlers = new Map<number, { settle: Settle; timer: ReturnType<typeof setTimeout> }>();
  private expiryTimer: ReturnType<typeof setTimeout> | null = null;
  private expiryAt = 0;
  private readonly gauges = new Set<string>();
  counts: Record<EventKind, number> = { granted: 0, queued: 0, denied: 0, released: 0, expired: 0 };

  constructor(
    private readonly o: CoordinatorOptions,
    private readonly store: ResourceStore,
    private readonly producer: BusProducer,
    private readonly metrics: Metrics,
    private readonly now: () => number,
    private readonly onLatency: (ms: number) => void = () => {},
  ) {
    this.alloc = new Allocator(o.pools);
    for (const t of RESOURCE_TYPES) this.gauge(t, 'all');
    for (const g of store.active()) {
      this.alloc.take(g);
      this.gauge(g.type, g.component);
    }
    store.prune(now() - o.historyMs);
    this.schedule();
  }

  /** Checks a request's fields; throws the 400s (negative amounts, over capacity). */
  validate(r: RequestInput): Request {
    const bad = (field: string, message: string): never => {
      throw componentError('VALIDATION_ERROR', message, { field });
    };
    if (typeof r.component !== 'string' || r.component.trim() === '' || r.component.length > 128) bad('component', 'component must be a non-empty name of at most 128 characters');
    const type = r.type;
    const priority = r.priority;
    if (!isResourceType(type)) return bad('type', `type must be one of ${RESOURCE_TYPES.join(', ')}`);
    if (!Number.isInteger(r.amount) || r.amount <= 0) bad('amount', `amount must be a positive integer, got ${r.amount}`);
    if (!Number.isInteger(r.duration_ms) || r.duration_ms < 0) bad('duration_ms', `duration_ms must be a non-negative integer (0 = ${this.o.defaultDurationMs} ms), got ${r.duration_ms}`);
    if (r.duration_ms > this.o.maxDurationMs) bad('duration_ms', `duration_ms must be at most ${this.o.maxDurationMs}`);
    if (!isPriority(priority)) return bad('priority', `priority must be one of ${PRIORITIES.join(', ')}`);
    if (!Number.isInteger(r.wait_ms) || r.wait_ms < -1) bad('wait_ms', 'wait_ms must be -1 (do not wait), 0 (default) or a positive number of milliseconds');
    const req: Request = { requestId: r.request_id || randomUUID(), component: r.component.trim(), type, amount: r.amount, durationMs: r.duration_ms || this.o.defaultDurationMs, priority };
    const f = this.alloc.feasible(req);
    if (!f.ok) throw componentError('OVER_CAPACITY', `cannot ever be granted: ${f.reason}`, { field: 'amount', requested: r.amount, limit: f.limit, type, component: req.component });
    return req;
  }

  /** Grants now (synchronously), or queues until capacity frees or the wait ends (then a denial). */
  request(input: RequestInput): GrantView | Promise<GrantView> {
    const started = performance.now();
    const req = this.validate(input);
    const now = this.now();
    if (this.alloc.canGrantNow(req)) {
      const view = this.doGrant(req, now, 0);
      this.onLatency(performance.now() - started);
      return view;
    }
    const waitMs = input.wait_ms === -1 ? 0 : Math.min(input.wait_ms || this.o.requestTimeoutMs, this.o.requestTimeoutMs);
    const reason = `only ${this.alloc.available(req.type)} ${req.type} available (in use by this component: ${this.alloc.used(req.type, req.component)} of its quota ${this.alloc.quotaOf(req.type, req.component)})`;
    if (waitMs <= 0) return this.deny(req, now, 0, reason);
    const w = this.alloc.enqueue(req, now, now + waitMs);
    this.emit('queued', this.view(req, null, false, `waiting up to ${waitMs} ms: ${reason}`, 0), `position ${this.alloc.position(w.id)}`);
    return new Promise<GrantView>((resolve) => {
      const timer = setTimeout(() => {
        if (!this.alloc.dequeue(w.id)) return;
        this.settlers.delete(w.id);
        resolve(this.deny(req, this.now(), this.now() - w.enqueuedAt, `no capacity within ${waitMs} ms: ${reason}`));
      }, waitMs);
      this.settlers.set(w.id, { settle: resolve, timer });
    });
  }

  release(grantId: string, component = ''): { grant: GrantView; available: number } {
    const started = performance.now();
    const g = this.alloc.grants.get(grantId);
    if (!g) {
      const row = this.store.get(grantId);
      if (!row) throw componentError('NOT_FOUND', `no grant "${grantId.slice(0, 80)}"`, { grant_id: grantId.slice(0, 80) });
      if (row.state === 'expired') throw componentError('GRANT_EXPIRED', `grant ${grantId} expired at ${row.expires_at} and was already returned to the pool`, { grant_id: grantId, state: row.state, ended_at: row.ended_at });
      throw componentError('ALREADY_RELEASED', `grant ${grantId} was already released at ${row.ended_at}`, { grant_id: grantId, state: row.state, ended_at: row.ended_at });
    }
    if (component !== '' && component !== g.component) throw componentError('VALIDATION_ERROR', `grant ${grantId} belongs to component "${g.component}", not "${component.slice(0, 80)}"`, { field: 'component' });
    const now = this.now();
    this.alloc.free(grantId);
    this.store.finish(grantId, 'released', now);
    const view = this.view(g, g, true, '', 0);
    this.emit('released', view, '');
    this.drain();
    this.schedule();
    this.onLatency(performance.now() - started);
    return { grant: view, available: this.alloc.available(g.type) };
  }

  get(grantId: string): (GrantView & { state: string }) | null {
    const g = this.alloc.grants.get(grantId);
    if (g) return { ...this.view(g, g, true, '', 0), state: 'active' };
    const row = this.store.get(grantId);
    if (!row) return null;
    return { grant_id: row.grant_id, granted: true, component: row.component, type: row.type, amount: row.amount, duration_ms: row.duration_ms, granted_at_ms: row.granted_at, expires_at_ms: row.expires_at, reason: '', waited_ms: 0, available: this.alloc.available(row.type), request_id: row.request_id, priority: row.priority, state: row.state };
  }

  status(): { pools: Record<string, unknown>[]; active_grants: GrantView[]; queued: number } {
    const pools = RESOURCE_TYPES.map((t) => {
      const byComp: Record<string, number> = {};
      for (const c of this.alloc.components(t)) byComp[c] = this.alloc.used(t, c);
      const cap = this.o.pools[t].capacity;
      return {
        type: t, capacity: cap, in_use: this.alloc.used(t), available: this.alloc.available(t), usage_ratio: cap > 0 ? this.alloc.used(t) / cap : 0,
        waiting: this.alloc.queued(t).length, in_use_by_component: byComp, quota_by_component: { ...this.o.pools[t].quotas },
      };
    });
    return { pools, active_grants: [...this.alloc.grants.values()].map((g) => this.view(g, g, true, '', 0)), queued: this.alloc.queued().length };
  }

  subscribe(fn: (e: ResourceEventView) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  close(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    for (const [id, s] of this.settlers) {
      clearTimeout(s.timer);
      const w = this.alloc.dequeue(id);
      if (w) s.settle(this.view(w.req, null, false, 'the coordinator is shutting down', 0));
    }
    this.settlers.clear();
    this.listeners.clear();
  }

  private doGrant(req: Request, now: number, waited: number): GrantView {
    const g = this.alloc.grant(req, randomUUID(), now);
    this.store.insert(g);
    this.gauge(g.type, g.component);
    const view = this.view(g, g, true, '', waited);
    this.emit('granted', view, '');
    if (this.expiryTimer === null || g.expiresAt < this.expiryAt) this.schedule();
    return view;
  }

  private deny(req: Request, now: number, waited: number, reason: string): GrantView {
    void now;
    const view = this.view(req, null, false, reason, waited);
    this.emit('denied', view, reason);
    return view;
  }

  /** Grants the waiters that fit now. */
  private drain(): void {
    for (const w of this.alloc.admissible()) {
      const s = this.settlers.get(w.id);
      this.settlers.delete(w.id);
      if (s) clearTimeout(s.timer);
      const now = this.now();
      const view = this.doGrant(w.req, now, now - w.enqueuedAt);
      s?.settle(view);
    }
  }

  private schedule(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    const next = this.alloc.nextExpiry();
    if (next === null) return;
    this.expiryAt = next;
    this.expiryTimer = setTimeout(() => this.expire(), Math.max(0, next - this.now()));
    this.expiryTimer.unref?.();
  }

  private expire(): void {
    this.expiryTimer = null;
    const now = this.now();
    for (const g of this.alloc.expired(now)) {
      this.alloc.free(g.grantId);
      this.store.finish(g.grantId, 'expired', now);
      this.emit('expired', this.view(g, g, true, `duration of ${g.durationMs} ms passed`, 0), `duration of ${g.durationMs} ms passed`);
    }
    this.drain();
    this.schedule();
  }

  private view(r: Request, g: Grant | null, granted: boolean, reason: string, waited: number): GrantView {
    return {
      grant_id: g?.grantId ?? '', granted, component: r.component, type: r.type, amount: r.amount, duration_ms: r.durationMs,
      granted_at_ms: g?.grantedAt ?? 0, expires_at_ms: g?.expiresAt ?? 0, reason, waited_ms: Math.round(waited), available: this.alloc.available(r.type), request_id: r.requestId, priority: r.priority,
    };
  }

  private emit(kind: EventKind, grant: GrantView, reason: string): void {
    this.counts[kind]++;
    this.metrics.inc('jimbot_resource_events_total', { kind, resource_type: grant.type }, 1, 'Resource coordinator events by kind and resource type');
    const e: ResourceEventView = { event_id: randomUUID(), kind, grant, at_ms: this.now(), reason };
    for (const l of this.listeners) l(e);
    const cap = this.o.pools[grant.type].capacity;
    this.producer.emit({
      type: 'METRIC', source: 'resource_coordinator', event_id: e.event_id, extra: { subtype: 'resource' },
      payload: { kind, ...grant, reason, in_use: this.alloc.used(grant.type), capacity: cap, usage_ratio: cap > 0 ? this.alloc.used(grant.type) / cap : 0 },
    });
  }

  /** jimbot_resource_usage_ratio{resource_type, component}: in use over the component's quota ("all": over the pool). */
  private gauge(type: ResourceType, component: string): void {
    const key = `${type}\u0000${component}`;
    // Component names come from clients: past 200 series the rest go unlabelled (their pool's "all" still counts them).
    if (this.gauges.has(key) || this.gauges.size >= 200) return;
    this.gauges.add(key);
    this.metrics.gauge('jimbot_resource_usage_ratio', { resource_type: type, component }, () =>
      component === 'all' ? this.alloc.used(type) / Math.max(1, this.o.pools[type].capacity) : this.alloc.used(type, component) / Math.max(1, this.alloc.quotaOf(type, component)),
    'Share of a resource budget in use (0-1)');
  }
}
