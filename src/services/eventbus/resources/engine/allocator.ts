/**
 * Shared resources (GPU compute, memory MB, Claude API tokens) as pools with a
 * capacity and per-component quotas. A request is granted when it fits both and no
 * waiter of the same or higher priority is ahead of it; otherwise it waits in a priority
 * queue (highest priority first, oldest first). Freed capacity serves the queue in that
 * order; a waiter that does not fit the pool blocks those behind it (no starvation of big
 * requests), one held back only by its own component's quota does not. Pure: times are
 * given.
 */
export const RESOURCE_TYPES = ['GPU_COMPUTE', 'MEMORY_MB', 'CLAUDE_API_TOKENS'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];
export const PRIORITIES = ['LOW', 'NORMAL', 'HIGH', 'CRITICAL'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const isResourceType = (x: string): x is ResourceType => (RESOURCE_TYPES as readonly string[]).includes(x);
export const isPriority = (x: string): x is Priority => (PRIORITIES as readonly string[]).includes(x);

export interface PoolConfig {
  capacity: number;
  /** Per-component caps; components not listed may use up to `otherQuota` (0 = the whole pool). */
  quotas: Record<string, number>;
  otherQuota: number;
}

export interface Request {
  requestId: string;
  component: string;
  type: ResourceType;
  amount: number;
  durationMs: number;
  priority: Priority;
}

export interface Grant extends Request {
  grantId: string;
  grantedAt: number;
  expiresAt: number;
}

export interface Waiter {
  id: number;
  req: Request;
  enqueuedAt: number;
  deadline: number;
}

export type Check = { ok: true } | { ok: false; reason: string; limit: number };

export class Allocator {
  private readonly inUse = new Map<ResourceType, number>();
  private readonly byComponent = new Map<ResourceType, Map<string, number>>();
  readonly grants = new Map<string, Grant>();
  private waiting: Waiter[] = [];
  private nextWaiter = 1;

  constructor(readonly pools: Readonly<Record<ResourceType, PoolConfig>>) {
    for (const t of RESOURCE_TYPES) {
      this.inUse.set(t, 0);
      this.byComponent.set(t, new Map());
    }
  }

  quotaOf(type: ResourceType, component: string): number {
    const p = this.pools[type];
    const q = Object.hasOwn(p.quotas, component) ? p.quotas[component]! : p.otherQuota;
    return q > 0 ? Math.min(q, p.capacity) : p.capacity;
  }

  /** Whether the request could ever be granted (amount within the pool and the component's quota). */
  feasible(r: Request): Check {
    const cap = this.pools[r.type].capacity;
    if (r.amount > cap) return { ok: false, reason: `${r.amount} ${r.type} is more than the pool's capacity of ${cap}`, limit: cap };
    const q = this.quotaOf(r.type, r.component);
    if (r.amount > q) return { ok: false, reason: `${r.amount} ${r.type} is more than component "${r.component}"'s quota of ${q}`, limit: q };
    return { ok: true };
  }

  used(type: ResourceType, component?: string): number {
    return component === undefined ? this.inUse.get(type)! : (this.byComponent.get(type)!.get(component) ?? 0);
  }

  available(type: ResourceType): number {
    return this.pools[type].capacity - this.used(type);
  }

  components(type: ResourceType): string[] {
    return [...this.byComponent.get(type)!.keys()];
  }

  queued(type?: ResourceType): Waiter[] {
    return type === undefined ? [...this.waiting] : this.waiting.filter((w) => w.req.type === type);
  }

  private fitsPool(r: Request): boolean {
    return this.used(r.type) + r.amount <= this.pools[r.type].capacity;
  }

  private fitsQuota(r: Request): boolean {
    return this.used(r.type, r.component) + r.amount <= this.quotaOf(r.type, r.component);
  }

  /** Granted now if it fits and no same-or-higher-priority waiter of its type is ahead. */
  canGrantNow(r: Request): boolean {
    const rank = PRIORITIES.indexOf(r.priority);
    if (this.waiting.some((w) => w.req.type === r.type && PRIORITIES.indexOf(w.req.priority) >= rank)) return false;
    return this.fitsPool(r) && this.fitsQuota(r);
  }

  grant(r: Request, grantId: string, now: number): Grant {
    const g: Grant = { ...r, grantId, grantedAt: now, expiresAt: now + r.durationMs };
    this.take(g);
    return g;
  }

  /** Restores a stored grant (start-up). */
  take(g: Grant): void {
    this.grants.set(g.grantId, g);
    this.inUse.set(g.type, this.used(g.type) + g.amount);
    const m = this.byComponent.get(g.type)!;
    m.set(g.component, (m.get(g.component) ?? 0) + g.amount);
  }

  /** Frees a grant; null when it is not active. */
  free(grantId: string): Grant | null {
    const g = this.grants.get(grantId);
    if (!g) return null;
    this.grants.delete(grantId);
    this.inUse.set(g.type, this.used(g.type) - g.amount);
    const m = this.byComponent.get(g.type)!;
    const left = (m.get(g.component) ?? 0) - g.amount;
    if (left > 0) m.set(g.component, left);
    else m.delete(g.component);
    return g;
  }

  enqueue(r: Request, now: number, deadline: number): Waiter {
    const w: Waiter = { id: this.nextWaiter++, req: r, enqueuedAt: now, deadline };
    // Priority order, FIFO within a priority.
    const rank = PRIORITIES.indexOf(r.priority);
    let i = this.waiting.length;
    while (i > 0 && PRIORITIES.indexOf(this.waiting[i - 1]!.req.priority) < rank) i--;
    this.waiting.splice(i, 0, w);
    return w;
  }

  position(id: number): number {
    return this.waiting.findIndex((w) => w.id === id);
  }

  /** Removes a waiter (deadline passed or caller gone). */
  dequeue(id: number): Waiter | null {
    const i = this.waiting.findIndex((w) => w.id === id);
    return i < 0 ? null : this.waiting.splice(i, 1)[0]!;
  }

  /** Waiters that fit now, in queue order (each removed from the queue; the caller grants them). */
  admissible(): Waiter[] {
    const out: Waiter[] = [];
    const blocked = new Set<ResourceType>();
    const reserved = new Map<string, number>();
    const key = (t: ResourceType, c: string): string => `${t}\u0000${c}`;
    for (const w of [...this.waiting]) {
      const r = w.req;
      if (blocked.has(r.type)) continue;
      const poolUse = this.used(r.type) + (reserved.get(r.type) ?? 0);
      if (poolUse + r.amount > this.pools[r.type].capacity) {
        blocked.add(r.type);
        continue;
      }
      const compUse = this.used(r.type, r.component) + (reserved.get(key(r.type, r.component)) ?? 0);
      if (compUse + r.amount > this.quotaOf(r.type, r.component)) continue;
      reserved.set(r.type, (reserved.get(r.type) ?? 0) + r.amount);
      reserved.set(key(r.type, r.component), (reserved.get(key(r.type, r.component)) ?? 0) + r.amount);
      out.push(w);
    }
    this.waiting = this.waiting.filter((w) => !out.includes(w));
    return out;
  }

  /** The earliest expiry among active grants, or null. */
  nextExpiry(): number | null {
    let min: number | null = null;
    for (const g of this.grants.values()) if (min === null || g.expiresAt < min) min = g.expiresAt;
    return min;
  }

  expired(now: number): Grant[] {
    return [...this.grants.values()].filter((g) => g.expiresAt <= now);
  }
}
