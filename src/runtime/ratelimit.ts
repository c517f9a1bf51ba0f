/**
 * Token buckets per client key. A bucket holds `capacity` tokens and refills
 * continuously at `refillPerSec`; each request takes one.
 */
import { ApiError, kernelError, type ErrorProfile } from './errors.ts';

export interface RateLimitRule {
  capacity: number;
  refillPerSec: number;
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until a token is available (0 when allowed). */
  retryAfterSec: number;
  /** Unix seconds at which the bucket is full again. */
  resetUnix: number;
}

interface Bucket { tokens: number; at: number }

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private sweepAt = 0;

  constructor(
    readonly rule: RateLimitRule,
    private readonly now: () => number = Date.now,
  ) {
    if (!(rule.capacity > 0) || !(rule.refillPerSec > 0)) throw new Error('rate limit capacity and refill must be positive');
  }

  /** Per-minute helper: `perMinute(60)` = 60 tokens, refilled at 1/s. */
  static perMinute(n: number, now?: () => number): RateLimiter {
    return new RateLimiter({ capacity: n, refillPerSec: n / 60 }, now);
  }

  /** `now` lets a hot path that already read the clock pass it in. */
  take(key: string, cost = 1, now?: number): RateDecision {
    const t = now ?? this.now();
    const b = this.refill(key, t);
    const allowed = b.tokens >= cost;
    if (allowed) b.tokens -= cost;
    return this.decision(b, allowed, cost, t);
  }

  /**
   * take() for hot paths (a WebSocket frame): null when the token was taken, so nothing is
   * allocated per allowed call; the refusal (as take() would give it) otherwise.
   */
  tryTake(key: string, cost = 1, now?: number): RateDecision | null {
    const t = now ?? this.now();
    const b = this.refill(key, t);
    if (b.tokens >= cost) {
      b.tokens -= cost;
      return null;
    }
    return this.decision(b, false, cost, t);
  }

  private refill(key: string, t: number): Bucket {
    this.sweep(t);
    const { capacity, refillPerSec } = this.rule;
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: capacity, at: t };
      this.buckets.set(key, b);
    } else {
      // A clock that steps back (NTP, a test clock) must not drain the bucket: no refill, no debt.
      b.tokens = Math.min(capacity, b.tokens + (Math.max(0, t - b.at) / 1000) * refillPerSec);
      b.at = t;
    }
    return b;
  }

  private decision(b: Bucket, allowed: boolean, cost: number, t: number): RateDecision {
    const { capacity, refillPerSec } = this.rule;
    const missing = capacity - b.tokens;
    return {
      allowed,
      limit: capacity,
      remaining: Math.max(0, Math.floor(b.tokens)),
      retryAfterSec: allowed ? 0 : Math.max(1, Math.ceil((cost - b.tokens) / refillPerSec)),
      resetUnix: Math.ceil((t + (missing / refillPerSec) * 1000) / 1000),
    };
  }

  /** Drops buckets that have been full for a while so idle clients cost no memory. */
  private sweep(t: number): void {
    if (t < this.sweepAt) return;
    this.sweepAt = t + 60_000;
    const fullAfterMs = (this.rule.capacity / this.rule.refillPerSec) * 1000;
    for (const [k, b] of this.buckets) if (t - b.at > fullAfterMs) this.buckets.delete(k);
  }
}

export function rateLimitHeaders(d: RateDecision, windowSec?: number): Record<string, string> {
  const h: Record<string, string> = {
    'X-RateLimit-Limit': String(d.limit),
    'X-RateLimit-Remaining': String(d.remaining),
    'X-RateLimit-Reset': String(d.resetUnix),
  };
  if (windowSec !== undefined) h['X-RateLimit-Window'] = String(windowSec);
  if (!d.allowed) h['Retry-After'] = String(d.retryAfterSec);
  return h;
}

/** The service's 429 for a refused decision (WebSocket paths send it as an error frame). */
export function rateLimitedError(d: RateDecision, profile: ErrorProfile, what = 'requests', windowSec?: number): ApiError {
  return kernelError(profile, 'rate_limited', `Too many ${what}: limit is ${d.limit}, retry in ${d.retryAfterSec} s`, { limit: d.limit, retry_after: d.retryAfterSec }, rateLimitHeaders(d, windowSec));
}

/**
 * Takes a token or throws the service's 429; returns the headers to put on a success.
 * `windowSec` adds `X-RateLimit-Window` (the period the limit is stated over).
 */
export function enforceRateLimit(limiter: RateLimiter, key: string, profile: ErrorProfile, what = 'requests', windowSec?: number): Record<string, string> {
  const d = limiter.take(key);
  if (!d.allowed) throw rateLimitedError(d, profile, what, windowSec);
  return rateLimitHeaders(d, windowSec);
}

export type { ApiError };
