/**
 * The policy: action values Q(s, a) = w_a · [1, features(s)], one weight row per action
 * type, learned from logged decisions and their outcomes. Unknown action types get no
 * value; when no available action has one, or the model cannot answer in time, a
 * fallback heuristic decides and says so. Pure.
 */
import { actionType, FEATURES } from './features.ts';

export interface PolicyWeights {
  /** Action types, index-aligned with `weights`. */
  actions: string[];
  /** Row per action: bias then one weight per feature. */
  weights: number[][];
}

export interface Scored {
  selected: string;
  values: Record<string, number>;
  confidence: number;
}

/** Values of the available actions the model knows (by their type). */
export function actionValues(model: PolicyWeights, x: Float64Array, available: string[]): Record<string, number> | null {
  const index = new Map(model.actions.map((a, i) => [a, i]));
  const out: Record<string, number> = {};
  let found = false;
  for (const a of available) {
    const i = index.get(actionType(a));
    if (i === undefined) continue;
    const w = model.weights[i]!;
    let v = w[0]!;
    for (let k = 0; k < FEATURES; k++) v += w[k + 1]! * x[k]!;
    out[a] = v;
    found = true;
  }
  return found ? out : null;
}

/** The highest value wins (ties: first listed); confidence is its softmax share at `temperature`. */
export function pick(values: Record<string, number>, available: string[], temperature: number): Scored {
  let best = '';
  let bestV = -Infinity;
  for (const a of available) {
    const v = values[a];
    if (v !== undefined && v > bestV) {
      best = a;
      bestV = v;
    }
  }
  let sum = 0;
  for (const v of Object.values(values)) sum += Math.exp((v - bestV) / temperature);
  return { selected: best, values, confidence: sum > 0 ? 1 / sum : 1 };
}

/** The fallback's preference order; anything else ranks after these, in the order given. */
export const FALLBACK_ORDER = ['play_hand', 'select_small_blind', 'select_big_blind', 'select_boss_blind', 'skip_shop', 'go_to_shop', 'buy_joker', 'discard', 'reroll_shop', 'sort_hand'];

/** A fixed priority list: the first available action in FALLBACK_ORDER, else the first given. */
export function fallback(available: string[]): Scored {
  const rank = (a: string): number => {
    const i = FALLBACK_ORDER.indexOf(actionType(a));
    return i < 0 ? FALLBACK_ORDER.length : i;
  };
  let best = available[0]!;
  for (const a of available) if (rank(a) < rank(best)) best = a;
  const values: Record<string, number> = {};
  for (const a of available) values[a] = a === best ? 1 : 0;
  return { selected: best, values, confidence: 1 / Math.max(1, available.length) };
}
