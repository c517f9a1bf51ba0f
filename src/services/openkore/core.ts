// The engine behind the routes: decisions over session slots, outcome logging that
// retrains the ml tier in the pool, and the cached AI-service health probe.
import { ApiError } from "../../runtime/errors.ts";
import type { Logger } from "../../runtime/log.ts";
import type { WorkerPool } from "../../runtime/pool.ts";
import type { AiMonitor } from "./ai-monitor.ts";
import type { ConfigSet } from "./configs.ts";
import { mlFeatures } from "./engine/features.ts";
import { emptyModel, toSample, type MlModel } from "./engine/ml.ts";
import { decide } from "./engine/orchestrator.ts";
import { seededRng, type Rng } from "./engine/rng.ts";
import { fitsSlot } from "./engine/slots.ts";
import type { Action, GameState, Tier } from "./engine/types.ts";
import type { Session, Sessions } from "./sessions.ts";
import type { Stats } from "./stats.ts";
import type { OpenkoreStore, TaskRow } from "./store.ts";
import type { TaskRunner } from "./tasks.ts";

export interface CoreOptions { seed: number; retrain_every: number; training_window: number; llm_without_ai_service: boolean }

/**
 * Distinct names (monsters, items, maps, ...) the slot table keeps before it starts
 * over: a slot is written and read back within one decision, so clearing between
 * decisions is safe, and a client sending ever-new names cannot grow memory without end.
 */
export const MAX_INTERNED_NAMES = 65_536;

export interface DecisionOut {
  tier: Tier;
  action: Action;
  processing_time_ms: number;
  task: TaskRow | null;
  notes: readonly string[];
}

const inconsistent = (field: string, expected: string, message: string): never => {
  throw new ApiError(400, "INVALID_STATE", message, { field, expected });
};

/** Cross-field checks the schema cannot express; run before any state is touched. */
export function checkConsistency(s: GameState): void {
  const p = s.player;
  const bad = inconsistent;
  if (p.hp > p.hp_max) bad("player.hp", "integer ≥ 0 and ≤ player.hp_max", `player.hp (${p.hp}) exceeds player.hp_max (${p.hp_max})`);
  if (p.sp > p.sp_max) bad("player.sp", "integer ≥ 0 and ≤ player.sp_max", `player.sp (${p.sp}) exceeds player.sp_max (${p.sp_max})`);
  if (p.weight_max > 0 && p.weight > p.weight_max) bad("player.weight", "integer ≤ player.weight_max", `player.weight (${p.weight}) exceeds player.weight_max (${p.weight_max})`);
}

export class OpenkoreCore {
  model: MlModel;
  readonly rng: Rng;
  private logsSinceTrain = 0;
  private training: Promise<void> | null = null;

  constructor(
    readonly o: CoreOptions,
    readonly configs: ConfigSet,
    readonly sessions: Sessions,
    readonly store: OpenkoreStore,
    readonly stats: Stats,
    readonly tasks: TaskRunner,
    readonly ai: AiMonitor,
    private readonly pool: WorkerPool,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {
    this.model = store.model() ?? emptyModel();
    this.rng = seededRng(o.seed);
  }

  get llmAvailable(): boolean {
    return this.o.llm_without_ai_service || this.ai.healthy;
  }

  /**
   * Encode into the session's slot, decide over what the slot holds, record the outcome.
   * The slot keeps at most LIMITS of each list (the nearest monsters when there are more);
   * a state within the limits reads back as itself, so only an oversized one is decoded.
   */
  decide(session: Session, state: GameState, now = this.now()): DecisionOut {
    const t0 = performance.now();
    checkConsistency(state);
    const { slots, names } = this.sessions;
    if (names.size > MAX_INTERNED_NAMES) names.clear();
    slots.write(session.slot, state, names);
    const s = fitsSlot(state) ? state : slots.read(session.slot, names);
    this.ai.refresh(now);
    const cfg = this.configs.engine;
    const r = decide(s, { cfg, rules: this.configs.rules, model: this.model, mem: session.mem, now, rng: this.rng, llmAvailable: this.llmAvailable });
    session.lastCfg = cfg;
    session.decidedGen = names.generation;
    const task = r.startLlm ? this.tasks.startLlm(session.id, s) : null;
    const ms = performance.now() - t0;
    this.stats.decision(r.decision.tier, ms);
    return { tier: r.decision.tier, action: r.decision.action, processing_time_ms: Math.round(ms * 1000) / 1000, task, notes: r.notes };
  }

  logOutcome(session: Session, b: { decision_tier: string; action_type: string; success: boolean; outcome: unknown; processing_time_ms?: number }): number {
    const features = this.lastFeatures(session);
    const id = this.store.logOutcome({ session_id: session.id, ...b, features }, this.now());
    if (features && toSample(features, b.action_type, b.success)) this.logsSinceTrain++;
    if (this.logsSinceTrain >= this.o.retrain_every && !this.training) {
      this.logsSinceTrain = 0;
      this.training = this.retrain().then(() => undefined).finally(() => (this.training = null));
    }
    return id;
  }

  /**
   * ML features of the session's last decision, from the state its slot holds (what the
   * tiers saw); none when it never decided or the name table started over since.
   */
  private lastFeatures(session: Session): number[] | null {
    const { slots, names } = this.sessions;
    if (!session.lastCfg || session.decidedGen !== names.generation || !slots.isUsed(session.slot)) return null;
    return [...mlFeatures(slots.read(session.slot, names), session.lastCfg)];
  }

  /** Train in the pool from the most recent logged outcomes, then swap the model in. */
  async retrain(): Promise<MlModel> {
    const samples = this.store.samples(this.o.training_window);
    try {
      const model = await this.pool.run("openkore.train", { samples, cfg: this.configs.engine.ml, now: this.now() });
      this.model = model;
      this.store.saveModel(model, this.now());
      return model;
    } catch (e) {
      this.log.error("ml retrain failed", { error: e instanceof Error ? e.message : String(e) });
      return this.model;
    }
  }

  async idle(): Promise<void> { await this.training; }
}
