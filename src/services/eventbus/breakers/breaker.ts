/**
 * A circuit breaker (spec "Circuit Breaker Configuration"): closed → open after
 * `failureThreshold` consecutive failures; open rejects calls for `timeoutMs`; then
 * half-open lets `halfOpenRequests` probes through — one failure re-opens it, that many
 * successes close it. Pure: the clock is given.
 */
export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerSettings {
  failureThreshold: number;
  timeoutMs: number;
  halfOpenRequests: number;
}

export const STATE_VALUE: Readonly<Record<BreakerState, number>> = { closed: 0, half_open: 1, open: 2 };

export class CircuitBreaker {
  private st: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probes = 0;
  private probeSuccesses = 0;
  transitions = 0;
  rejected = 0;
  lastFailure: string | null = null;

  constructor(
    readonly name: string,
    readonly settings: BreakerSettings,
    private readonly now: () => number,
    private readonly onTransition: (name: string, from: BreakerState, to: BreakerState) => void = () => {},
  ) {}

  state(): BreakerState {
    if (this.st === 'open' && this.now() - this.openedAt >= this.settings.timeoutMs) this.move('half_open');
    return this.st;
  }

  /** Whether a call may go ahead; in half-open it takes one of the probe slots. */
  allow(): boolean {
    const s = this.state();
    if (s === 'closed') return true;
    if (s === 'half_open' && this.probes < this.settings.halfOpenRequests) {
      this.probes++;
      return true;
    }
    this.rejected++;
    return false;
  }

  success(): void {
    const s = this.state();
    if (s === 'half_open') {
      this.probeSuccesses++;
      if (this.probeSuccesses >= this.settings.halfOpenRequests) this.move('closed');
      return;
    }
    this.failures = 0;
  }

  failure(reason = 'failure'): void {
    this.lastFailure = reason;
    const s = this.state();
    if (s === 'half_open') {
      this.move('open');
      return;
    }
    if (s === 'open') return;
    this.failures++;
    if (this.failures >= this.settings.failureThreshold) this.move('open');
  }

  /** Milliseconds until an open breaker lets probes through (0 otherwise). */
  retryAfterMs(): number {
    return this.state() === 'open' ? Math.max(0, this.settings.timeoutMs - (this.now() - this.openedAt)) : 0;
  }

  snapshot(): { state: BreakerState; consecutive_failures: number; failure_threshold: number; timeout_ms: number; half_open_requests: number; retry_after_ms: number; transitions: number; rejected: number; last_failure: string | null } {
    const state = this.state();
    return {
      state, consecutive_failures: this.failures, failure_threshold: this.settings.failureThreshold, timeout_ms: this.settings.timeoutMs,
      half_open_requests: this.settings.halfOpenRequests, retry_after_ms: this.retryAfterMs(), transitions: this.transitions, rejected: this.rejected, last_failure: this.lastFailure,
    };
  }

  private move(to: BreakerState): void {
    const from = this.st;
    if (from === to) return;
    this.st = to;
    this.transitions++;
    if (to === 'open') this.openedAt = this.now();
    if (to !== 'open') this.failures = 0;
    this.probes = 0;
    this.probeSuccesses = 0;
    this.onTransition(this.name, from, to);
  }
}
