/**
 * ccc-stage2.md "Rate Limiting": a bucket per session and endpoint class, plus the overall
 * per-session cap; every reply carries X-RateLimit-Limit/Remaining/Reset/Window of the
 * tighter of the two. Before a session is known (session creation, a bad token) the key is
 * the client address.
 */
import { kernelError, cccProfile } from '../../runtime/errors.ts';
import { RateLimiter, rateLimitHeaders, type RateDecision } from '../../runtime/ratelimit.ts';
import type { CccOptions } from './options.ts';

export const RATE_CLASSES = ['session', 'conversations', 'context', 'chat', 'analytics'] as const;
export type RateClass = (typeof RATE_CLASSES)[number];

const WINDOW_SEC = 60;

export class CccRateLimits {
  private readonly byClass: Record<RateClass, RateLimiter>;
  private readonly overall: RateLimiter;

  constructor(o: CccOptions, now: () => number) {
    this.byClass = {
      session: RateLimiter.perMinute(o.sessionPerMinute, now),
      conversations: RateLimiter.perMinute(o.conversationsPerMinute, now),
      context: RateLimiter.perMinute(o.contextPerMinute, now),
      chat: RateLimiter.perMinute(o.chatPerMinute, now),
      analytics: RateLimiter.perMinute(o.analyticsPerMinute, now),
    };
    this.overall = RateLimiter.perMinute(o.overallPerMinute, now);
  }

  /** Takes one request from both buckets; returns the headers, or throws the 429 carrying them. */
  take(cls: RateClass, key: string): Record<string, string> {
    const own = this.byClass[cls].take(`${cls}:${key}`);
    const all = this.overall.take(key);
    const refused: RateDecision | undefined = !own.allowed ? own : !all.allowed ? all : undefined;
    if (refused) {
      const headers = rateLimitHeaders(refused, WINDOW_SEC);
      const scope = refused === own ? `${cls} requests` : 'requests in all';
      throw kernelError(cccProfile, 'rate_limited', `Too many ${scope}: limit is ${refused.limit} per minute, retry in ${refused.retryAfterSec} s`, {
        endpoint_class: refused === own ? cls : 'overall', limit: refused.limit, window_seconds: WINDOW_SEC, retry_after: refused.retryAfterSec,
      }, headers);
    }
    return rateLimitHeaders(all.remaining < own.remaining ? all : own, WINDOW_SEC);
  }
}
