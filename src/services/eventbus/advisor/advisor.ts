/**
 * The strategy advisor (the spec's `strategy_requests` queue): each STRATEGY_REQUEST on
 * the bus is answered by a STRATEGY_RESPONSE within the timeout (5 s from when the bus
 * received the request). Cached advice for the same game-state signature answers at once;
 * otherwise the LLM is asked — if the circuit breaker and the rate limit allow — with an
 * abort before the deadline. Whatever cannot be answered in time, or fails, gets the
 * heuristic strategy, marked `fallback: true` with the reason; failures are ErrorEvents.
 * Requests taken from the bus are stored until answered, so a restart answers them.
 */
import type { LlmProvider } from '../../../runtime/llm.ts';
import type { CircuitBreaker } from '../breakers/breaker.ts';
import type { ErrorReporter } from '../breakers/errors.ts';
import type { BusProducer } from '../bus-io/producer.ts';
import type { SecondWindow } from '../bus-io/window.ts';
import type { StoredEvent } from '../log/types.ts';
import { eventOf, payloadOf } from '../bus-io/event-json.ts';
import { isJsonObject } from '../wire/struct.ts';
import type { DualBucket } from './bucket.ts';
import { asStrategy, fallbackStrategy, parseAdvice, prompt, type Strategy } from './engine/advice.ts';
import { signature, signatureParts } from './engine/signature.ts';
import type { AdvisorStore, PendingRequest } from './store.ts';

export interface AdvisorOptions {
  timeoutMs: number;
  /** Time kept back from the deadline to publish the answer. */
  marginMs: number;
  cacheTtlMs: number;
  cacheMaxEntries: number;
  maxConcurrent: number;
  maxTokens: number;
  temperature: number;
}

export type StrategyResponse = {
  request_id: string;
  game_id: string | null;
  signature: string;
  strategy: Strategy;
  cached: boolean;
  fallback: boolean;
  fallback_reason: string | null;
  provider: string;
  model: string;
  latency_ms: number;
  /** What the LLM said when it was not usable advice (or the offline provider's note). */
  llm_reply: string | null;
};

export class Advisor {
  position: number;
  private readonly inFlight = new Set<number>();
  private readonly waiters = new Map<string, (r: StrategyResponse & { sequence: number }) => void>();
  stats = { requests: 0, answered: 0, cached: 0, llm: 0, fallbacks: 0 };
  private closed = false;

  constructor(
    private readonly store: AdvisorStore,
    private readonly llm: LlmProvider,
    readonly bucket: DualBucket,
    private readonly breaker: CircuitBreaker,
    private readonly producer: BusProducer,
    private readonly errors: ErrorReporter,
    private readonly window: SecondWindow,
    private readonly now: () => number,
    private readonly o: AdvisorOptions,
    private readonly enables: (joker: string) => string[],
  ) {
    this.position = Number(store.meta('position') ?? 0);
  }

  /** Consumer handler: requests are stored with the position, then answered concurrently. */
  handle(events: StoredEvent[], through: number): void {
    const reqs: PendingRequest[] = events.map((e) => ({ seq: e.seq, event_id: String(eventOf(e).event_id ?? ''), received_ms: e.receivedMs, payload: payloadOf(e) }));
    this.store.addPending(reqs, through);
    this.position = through;
    for (const r of reqs) void this.answer(r);
  }

  /** Answers what was taken from the bus but not answered before a restart. */
  resume(): void {
    for (const r of this.store.pending()) void this.answer(r);
  }

  /** Resolves with our response to `requestId` (REST convenience route), or null after `timeoutMs`. */
  waitFor(requestId: string, timeoutMs: number): Promise<(StrategyResponse & { sequence: number }) | null> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waiters.delete(requestId);
        resolve(null);
      }, timeoutMs);
      this.waiters.set(requestId, (r) => {
        clearTimeout(t);
        resolve(r);
      });
    });
  }

  /** Stops answering: requests still in flight stay pending in the store and are answered after a restart. */
  close(): void {
    this.closed = true;
  }

  pendingCount(): number {
    return this.inFlight.size;
  }

  private async answer(p: PendingRequest): Promise<void> {
    if (this.inFlight.has(p.seq) || this.closed) return;
    this.inFlight.add(p.seq);
    this.stats.requests++;
    const started = this.now();
    const pl = p.payload;
    const state = isJsonObject(pl.game_state) ? pl.game_state : null;
    const question = typeof pl.question === 'string' ? pl.question.slice(0, 500) : '';
    const available = Array.isArray(pl.available_actions) ? pl.available_actions.filter((a): a is string => typeof a === 'string') : [];
    const requestId = typeof pl.request_id === 'string' && pl.request_id !== '' ? pl.request_id : p.event_id;
    const gameId = typeof pl.game_id === 'string' ? pl.game_id : typeof state?.game_id === 'string' ? state.game_id : null;
    const parts = signatureParts(state, question);
    const sig = signature(state, question);
    const deadline = p.received_ms + this.o.timeoutMs - this.o.marginMs;
    const base = { request_id: requestId, game_id: gameId, signature: sig };
    const fallback = (reason: string, extra: Partial<StrategyResponse> = {}): StrategyResponse => {
      this.stats.fallbacks++;
      return { ...base, strategy: fallbackStrategy(parts, this.enables, available), cached: false, fallback: true, fallback_reason: reason, provider: 'heuristic', model: 'jimbot-fallback', latency_ms: 0, llm_reply: null, ...extra };
    };
    let out: StrategyResponse;
    try {
      const hit = this.store.cached(sig, this.now());
      if (this.now() >= deadline) out = fallback('timeout');
      else if (hit) {
        this.stats.cached++;
        out = { ...base, strategy: asStrategy(hit.strategy), cached: true, fallback: false, fallback_reason: null, provider: hit.provider, model: hit.model, latency_ms: 0, llm_reply: null };
      } else if (this.inFlight.size > this.o.maxConcurrent) out = fallback('overloaded');
      else if (!this.breaker.allow()) out = fallback('circuit_open');
      else {
        const take = this.bucket.take();
        out = take.allowed ? await this.ask(parts, available, question, deadline, base, fallback) : fallback('rate_limited');
      }
    } catch (e) {
      out = fallback('internal_error');
      this.errors.report({ component: 'claude_advisor', severity: 'ERROR', errorType: 'advisor_error', action: 'FALLBACK', message: `answering strategy request ${requestId} failed`, error: e });
    }
    out.latency_ms = this.now() - started;
    if (this.closed) return;
    try {
      const [pub] = await this.producer.publish([{ type: 'STRATEGY_RESPONSE', source: 'claude_advisor', extra: { correlation_id: p.event_id }, payload: out }]);
      this.store.donePending(p.seq);
      this.stats.answered++;
      this.window.count('strategy_responses');
      this.window.latency('advisor', out.latency_ms);
      this.waiters.get(requestId)?.({ ...out, sequence: pub!.sequence });
      this.waiters.delete(requestId);
    } catch (e) {
      // Left pending: answered again after a restart (or by the retry on the next request).
      this.errors.report({ component: 'claude_advisor', severity: 'ERROR', errorType: 'publish_failed', action: 'RETRY', message: `the response to ${requestId} could not be published`, error: e });
    } finally {
      this.inFlight.delete(p.seq);
    }
  }

  private async ask(parts: ReturnType<typeof signatureParts>, available: string[], question: string, deadline: number, base: { request_id: string; game_id: string | null; signature: string }, fallback: (reason: string, extra?: Partial<StrategyResponse>) => StrategyResponse): Promise<StrategyResponse> {
    const hints = [...new Set(parts.jokers.flatMap((j) => this.enables(j)))];
    const signal = AbortSignal.timeout(Math.max(1, deadline - this.now()));
    try {
      this.stats.llm++;
      const c = await this.llm.complete({ messages: prompt(parts, available, question, hints), maxTokens: this.o.maxTokens, temperature: this.o.temperature, signal });
      // The offline provider only says that no model is configured: the heuristic answers, not as a failure.
      if (c.provider === 'local') {
        this.breaker.success();
        return fallback('offline_provider', { llm_reply: c.content.slice(0, 1000), provider: 'heuristic', model: c.model });
      }
      const s = parseAdvice(c.content, available);
      if (!s) {
        this.breaker.failure('unparseable reply');
        this.errors.report({ component: 'claude_advisor', severity: 'WARNING', errorType: 'unparseable_reply', action: 'FALLBACK', message: `the LLM reply to ${base.request_id} held no strategy JSON`, context: { model: c.model } });
        return fallback('unparseable_reply', { llm_reply: c.content.slice(0, 1000) });
      }
      this.breaker.success();
      const now = this.now();
      this.store.cache({ signature: base.signature, strategy: s, created_at: now, expires_at: now + this.o.cacheTtlMs, provider: c.provider, model: c.model }, this.o.cacheMaxEntries);
      return { ...base, strategy: s, cached: false, fallback: false, fallback_reason: null, provider: c.provider, model: c.model, latency_ms: 0, llm_reply: null };
    } catch (e) {
      const timedOut = signal.aborted;
      this.breaker.failure(timedOut ? 'timeout' : 'llm error');
      this.errors.report({
        component: 'claude_advisor', severity: timedOut ? 'WARNING' : 'ERROR', errorType: timedOut ? 'llm_timeout' : 'llm_error', action: 'FALLBACK',
        message: timedOut ? `the LLM did not answer ${base.request_id} before the ${this.o.timeoutMs} ms deadline` : `the LLM call for ${base.request_id} failed: ${e instanceof Error ? e.message : String(e)}`, error: e,
      });
      return fallback(timedOut ? 'timeout' : 'llm_error');
    }
  }
}
