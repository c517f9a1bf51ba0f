/**
 * GetDecision: checks the request (available actions present and known to the game),
 * scores the actions with the active learned policy when it can answer within
 * `time_limit_ms`, else the fallback heuristic answers and `strategy_name` says why. Each
 * decision made here is logged on the bus as a LEARNING_DECISION request/response pair
 * (published without waiting), which is also how it becomes training data.
 */
import { randomUUID } from 'node:crypto';
import type { CircuitBreaker } from '../breakers/breaker.ts';
import { componentError } from '../bus-io/errors.ts';
import type { BusProducer } from '../bus-io/producer.ts';
import type { SecondWindow } from '../bus-io/window.ts';
import { isJsonObject, type Json, type JsonObject } from '../wire/struct.ts';
import { actionType, features } from './engine/features.ts';
import { actionValues, fallback, pick, type Scored } from './engine/policy.ts';
import type { Models } from './models.ts';

export interface DecisionReply {
  request_id: string;
  selected_action: string;
  confidence: number;
  action_values: Record<string, number>;
  used_llm: boolean;
  strategy_name: string;
}

export interface DecideOptions {
  defaultTimeLimitMs: number;
  maxTimeLimitMs: number;
  maxActions: number;
  maxConcurrent: number;
  temperature: number;
  /** Log REST/gRPC decisions on the bus (request + response events). */
  publish: boolean;
}

export class Decider {
  private inFlight = 0;
  /** Running estimate of the model's answer time (ms), checked against each time limit. */
  costMs = 0.05;
  decisions = 0;
  fallbacks = 0;

  constructor(
    private readonly models: Models,
    private readonly actions: ReadonlySet<string>,
    private readonly producer: BusProducer,
    private readonly breaker: CircuitBreaker,
    private readonly window: SecondWindow,
    private readonly o: DecideOptions,
  ) {}

  /** Checks a LearningDecisionRequest (JSON or decoded protobuf); throws the 400s. */
  parse(raw: JsonObject): { requestId: string; state: JsonObject | null; available: string[]; timeLimitMs: number; context: JsonObject | null } {
    const reqId = raw.request_id;
    if (reqId !== undefined && reqId !== null && (typeof reqId !== 'string' || reqId.length > 128)) throw componentError('VALIDATION_ERROR', 'request_id must be a string of at most 128 characters', { field: 'request_id' });
    const list = raw.available_actions;
    if (list !== undefined && !Array.isArray(list)) throw componentError('VALIDATION_ERROR', 'available_actions must be a list of action names', { field: 'available_actions' });
    const available = [...new Set(((list ?? []) as Json[]).map((a) => (typeof a === 'string' ? a.trim() : '')))];
    if (available.length === 0 || (available.length === 1 && available[0] === '')) throw componentError('NO_ACTIONS', 'a decision needs at least one available action', { field: 'available_actions' });
    if (available.length > this.o.maxActions) throw componentError('VALIDATION_ERROR', `at most ${this.o.maxActions} available actions`, { field: 'available_actions' });
    const unknown = available.filter((a) => a === '' || a.length > 64 || !this.actions.has(actionType(a)));
    if (unknown.length) throw componentError('UNKNOWN_ACTION', `unknown action${unknown.length > 1 ? 's' : ''}: ${unknown.map((a) => JSON.stringify(a.slice(0, 64))).join(', ')} (the game understands ${[...this.actions].join(', ')}; parameters go after a colon, e.g. select_card:2)`, { field: 'available_actions', unknown: unknown.map((a) => a.slice(0, 64)) });
    const tl = raw.time_limit_ms;
    if (tl !== undefined && tl !== null && (typeof tl !== 'number' || !Number.isFinite(tl) || tl < 0 || tl > this.o.maxTimeLimitMs)) throw componentError('VALIDATION_ERROR', `time_limit_ms must be a number from 0 to ${this.o.maxTimeLimitMs} (0 = ${this.o.defaultTimeLimitMs})`, { field: 'time_limit_ms' });
    const state = raw.game_state;
    if (state !== undefined && state !== null && !isJsonObject(state)) throw componentError('VALIDATION_ERROR', 'game_state must be an object (GameStateEvent)', { field: 'game_state' });
    const ctx = raw.context;
    if (ctx !== undefined && ctx !== null && !isJsonObject(ctx)) throw componentError('VALIDATION_ERROR', 'context must be an object (DecisionContext)', { field: 'context' });
    return { requestId: typeof reqId === 'string' && reqId !== '' ? reqId : randomUUID(), state: isJsonObject(state) ? state : null, available, timeLimitMs: typeof tl === 'number' && tl > 0 ? tl : this.o.defaultTimeLimitMs, context: isJsonObject(ctx) ? ctx : null };
  }

  /** Decides; `log` publishes the request/response pair (false for requests already on the bus). */
  decide(raw: JsonObject, log: { request: boolean; source: string }): DecisionReply {
    const started = performance.now();
    const r = this.parse(raw);
    if (this.inFlight >= this.o.maxConcurrent) throw componentError('CONCURRENCY_LIMIT', `at most ${this.o.maxConcurrent} decisions at once`, { max_concurrent_decisions: this.o.maxConcurrent }, { 'Retry-After': '1' });
    this.inFlight++;
    try {
      let scored: Scored | null = null;
      let strategy = '';
      const model = this.models.active;
      let why = '';
      if (!model) why = 'no_model';
      else if (!this.breaker.allow()) why = 'circuit_open';
      else if (this.costMs > r.timeLimitMs) why = 'time_limit';
      else {
        try {
          const t0 = performance.now();
          const values = actionValues(model, features(r.state, r.context), r.available);
          const took = performance.now() - t0;
          this.costMs = this.costMs * 0.9 + took * 0.1;
          this.breaker.success();
          if (!values) why = 'actions_unknown_to_model';
          else if (performance.now() - started > r.timeLimitMs) why = 'time_limit';
          else {
            scored = pick(values, r.available.filter((a) => a in values), this.o.temperature);
            strategy = `learned:${model.model_id}`;
          }
        } catch (e) {
          this.breaker.failure(e instanceof Error ? e.message : String(e));
          why = 'model_error';
        }
      }
      if (!scored) {
        scored = fallback(r.available);
        strategy = `fallback_heuristic:${why}`;
        this.fallbacks++;
      }
      const reply: DecisionReply = { request_id: r.requestId, selected_action: scored.selected, confidence: scored.confidence, action_values: scored.values, used_llm: false, strategy_name: strategy };
      this.decisions++;
      this.window.count('decisions');
      this.window.latency('decisions', performance.now() - started);
      if (this.o.publish) this.log(r, reply, log);
      return reply;
    } finally {
      this.inFlight--;
    }
  }

  private log(r: ReturnType<Decider['parse']>, reply: DecisionReply, log: { request: boolean; source: string }): void {
    const gameId = typeof r.state?.game_id === 'string' ? r.state.game_id : undefined;
    if (log.request) {
      this.producer.emit({
        type: 'LEARNING_DECISION', source: log.source, extra: { subtype: 'REQUEST' },
        payload: { request_id: r.requestId, ...(gameId ? { game_id: gameId } : {}), ...(r.state ? { game_state: r.state } : {}), available_actions: r.available, time_limit_ms: r.timeLimitMs, ...(r.context ? { context: r.context } : {}) },
      });
    }
    this.producer.emit({ type: 'LEARNING_DECISION', source: 'learning', extra: { subtype: 'RESPONSE' }, payload: { ...reply, ...(gameId ? { game_id: gameId } : {}) } });
  }
}
