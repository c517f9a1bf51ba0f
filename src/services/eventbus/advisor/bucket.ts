/**
 * The LLM rate limit (spec: token bucket, capacity 100, refill 100/hour, burst capacity
 * 10): a call takes a token from the hourly bucket and one from a burst bucket that holds
 * `burst_capacity` tokens refilled over `burst_window_s` — so at most 10 calls come close
 * together and at most 100 an hour on average. Both change at run time.
 */
export interface RateLimits {
  capacity: number;
  refill_per_hour: number;
  burst_capacity: number;
  burst_window_s: number;
}

export const RATE_DEFAULTS: RateLimits = { capacity: 100, refill_per_hour: 100, burst_capacity: 10, burst_window_s: 60 };

const PER: Record<string, number> = { second: 3600, sec: 3600, s: 3600, minute: 60, min: 60, m: 60, hour: 1, h: 1, day: 1 / 24, d: 1 / 24 };

/** "100/hour", "10/minute", or a number per hour. */
export function parseRefill(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string') return null;
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*(?:\/\s*([a-z]+))?\s*$/i.exec(v);
  if (!m) return null;
  const unit = (m[2] ?? 'hour').toLowerCase();
  return PER[unit] === undefined ? null : Number(m[1]) * PER[unit]!;
}

export class DualBucket {
  private tokens: number;
  private burst: number;
  private at: number;

  constructor(private limits: RateLimits, private readonly now: () => number) {
    this.tokens = limits.capacity;
    this.burst = limits.burst_capacity;
    this.at = now();
  }

  get config(): RateLimits {
    return { ...this.limits };
  }

  private refill(): void {
    const t = this.now();
    const dt = Math.max(0, t - this.at) / 1000;
    this.at = t;
    this.tokens = Math.min(this.limits.capacity, this.tokens + (dt * this.limits.refill_per_hour) / 3600);
    this.burst = Math.min(this.limits.burst_capacity, this.burst + (dt * this.limits.burst_capacity) / this.limits.burst_window_s);
  }

  take(): { allowed: boolean; retry_after_ms: number } {
    this.refill();
    if (this.tokens >= 1 && this.burst >= 1) {
      this.tokens -= 1;
      this.burst -= 1;
      return { allowed: true, retry_after_ms: 0 };
    }
    const wait = Math.max(this.tokens >= 1 ? 0 : ((1 - this.tokens) * 3600) / Math.max(1e-9, this.limits.refill_per_hour), this.burst >= 1 ? 0 : ((1 - this.burst) * this.limits.burst_window_s) / this.limits.burst_capacity);
    return { allowed: false, retry_after_ms: Math.ceil(wait * 1000) };
  }

  /** New limits; tokens held are kept (capped by the new capacities). */
  set(l: RateLimits): void {
    this.refill();
    this.limits = { ...l };
    this.tokens = Math.min(this.tokens, l.capacity);
    this.burst = Math.min(this.burst, l.burst_capacity);
  }

  state(): { available: number; burst_available: number } {
    this.refill();
    return { available: Math.floor(this.tokens * 1000) / 1000, burst_available: Math.floor(this.burst * 1000) / 1000 };
  }
}

/** Checks a PUT body against the current limits; returns the new limits or every problem. */
export function updateLimits(cur: RateLimits, body: Record<string, unknown>): { ok: true; limits: RateLimits } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const next = { ...cur };
  for (const [k, v] of Object.entries(body)) {
    if (k === 'refill_rate' || k === 'refill_per_hour') {
      const r = parseRefill(v);
      if (r === null || r <= 0) errors.push(`${k} must be a positive rate such as 100 (per hour) or "100/hour", got ${JSON.stringify(v)}`);
      else next.refill_per_hour = r;
    } else if (k === 'capacity' || k === 'burst_capacity') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 1_000_000) errors.push(`${k} must be an integer from 1 to 1000000, got ${JSON.stringify(v)}`);
      else next[k] = v;
    } else if (k === 'burst_window_s') {
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > 86_400) errors.push(`burst_window_s must be a number of seconds from above 0 to 86400, got ${JSON.stringify(v)}`);
      else next.burst_window_s = v;
    } else errors.push(`unknown field "${k}" (capacity, refill_rate, burst_capacity, burst_window_s)`);
  }
  if (errors.length === 0 && next.burst_capacity > next.capacity) errors.push(`burst_capacity (${next.burst_capacity}) cannot exceed capacity (${next.capacity})`);
  if (Object.keys(body).length === 0) errors.push('give at least one of capacity, refill_rate, burst_capacity, burst_window_s');
  return errors.length ? { ok: false, errors } : { ok: true, limits: next };
}
