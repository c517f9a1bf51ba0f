// ml tier: one logistic regression per action type, mapping situation features to
// the probability that the action succeeds. Trained from outcomes clients log;
// used only when the winning probability clears the confidence floor.
import type { EngineConfig, MlConfig } from "./config.ts";
import { ML_FEATURES, ML_FEATURE_COUNT, bestHealingItem, bestOffensiveSkill, hpFraction, mlFeatures, nearest, spFraction } from "./features.ts";
import type { Rng } from "./rng.ts";
import type { Action, Decision, GameState } from "./types.ts";

export const ML_ACTIONS = ["attack", "use_item", "move", "sit"] as const;
export type MlAction = (typeof ML_ACTIONS)[number];

export interface Sample { features: number[]; action_type: string; success: boolean }
export interface ActionModel { weights: number[]; samples: number; positives: number }
export interface MlModel { features: string[]; trained_at: number; actions: Partial<Record<MlAction, ActionModel>> }

export const emptyModel = (): MlModel => ({ features: [...ML_FEATURES], trained_at: 0, actions: {} });

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

function dot(w: readonly number[], x: ArrayLike<number>): number {
  let z = 0;
  for (let i = 0; i < w.length; i++) z += (w[i] ?? 0) * (x[i] ?? 0);
  return z;
}

const isMlAction = (t: string): t is MlAction => (ML_ACTIONS as readonly string[]).includes(t);

/** Full-batch gradient descent from zero weights: same samples → same model. */
export function trainModel(samples: readonly Sample[], cfg: MlConfig, now: number): MlModel {
  const model: MlModel = { features: [...ML_FEATURES], trained_at: now, actions: {} };
  for (const action of ML_ACTIONS) {
    const rows = samples.filter((s) => s.action_type === action && s.features.length === ML_FEATURE_COUNT);
    if (rows.length === 0) continue;
    const w = new Array<number>(ML_FEATURE_COUNT).fill(0);
    const grad = new Array<number>(ML_FEATURE_COUNT).fill(0);
    for (let e = 0; e < cfg.epochs; e++) {
      grad.fill(0);
      for (const r of rows) {
        const err = sigmoid(dot(w, r.features)) - (r.success ? 1 : 0);
        for (let i = 0; i < ML_FEATURE_COUNT; i++) grad[i]! += err * (r.features[i] ?? 0);
      }
      for (let i = 0; i < ML_FEATURE_COUNT; i++) {
        // Bias (index 0) is not regularised.
        const reg = i === 0 ? 0 : cfg.l2 * w[i]!;
        w[i] = w[i]! - cfg.learning_rate * (grad[i]! / rows.length + reg);
      }
    }
    model.actions[action] = { weights: w, samples: rows.length, positives: rows.filter((r) => r.success).length };
  }
  return model;
}

export function predict(model: MlModel, action: MlAction, x: ArrayLike<number>): number | undefined {
  const m = model.actions[action];
  return m ? sigmoid(dot(m.weights, x)) : undefined;
}

/** The concrete action each model type stands for in this situation, if it applies. */
function candidate(type: MlAction, s: GameState, cfg: EngineConfig, rng: Rng): Action | null {
  switch (type) {
    case "attack": {
      const t = nearest(s, true) ?? nearest(s, false);
      if (!t) return null;
      const a: Action = { type: "attack", target_id: t.id, reason: "ML predicted a winning fight" };
      const sk = bestOffensiveSkill(s, cfg);
      if (sk && spFraction(s) > 0.3) { a.skill_id = sk.id; a.skill_name = sk.name; }
      return a;
    }
    case "use_item": {
      const it = bestHealingItem(s, cfg);
      if (!it || hpFraction(s) >= 1) return null;
      return { type: "use_item", item_id: it.id, item_name: it.name, reason: "ML predicted healing pays off" };
    }
    case "move": {
      // Toward the nearest passive monster beyond attack range, else explore nearby.
      const passive = s.monsters.filter((m) => !m.aggressive).sort((a, b) => a.distance - b.distance)[0];
      const { x, y } = s.player.position;
      const target = passive
        ? { x: passive.position.x, y: passive.position.y }
        : { x: Math.max(0, Math.round(x + (rng.next() * 2 - 1) * 10)), y: Math.max(0, Math.round(y + (rng.next() * 2 - 1) * 10)) };
      return { type: "move", target_position: target, reason: "ML predicted optimal farming position" };
    }
    case "sit":
      if (hpFraction(s) >= 1 && spFraction(s) >= 1) return null;
      return { type: "sit", reason: "ML predicted resting recovers fastest" };
  }
}

/** Best applicable action whose predicted success clears the floor, or null. */
export function mlDecide(model: MlModel, s: GameState, cfg: EngineConfig, rng: Rng): Decision | null {
  const x = mlFeatures(s, cfg);
  let best: { p: number; action: Action } | null = null;
  for (const type of ML_ACTIONS) {
    const m = model.actions[type];
    if (!m || m.samples < cfg.ml.min_samples) continue;
    const p = predict(model, type, x) ?? 0;
    if (p < cfg.ml.confidence_floor || (best && p <= best.p)) continue;
    const action = candidate(type, s, cfg, rng);
    if (action) best = { p, action };
  }
  if (!best) return null;
  const p = Math.round(best.p * 1000) / 1000;
  return { tier: "ml", action: { ...best.action, priority: "normal", confidence: p } };
}

/** A logged outcome becomes a sample only for action types the model knows. */
export function toSample(features: number[], actionType: string, success: boolean): Sample | null {
  return isMlAction(actionType) && features.length === ML_FEATURE_COUNT ? { features, action_type: actionType, success } : null;
}
