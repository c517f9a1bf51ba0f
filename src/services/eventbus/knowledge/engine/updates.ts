/**
 * KnowledgeUpdate (knowledge.proto) checked and normalised before it goes on the bus,
 * and again when the graph applies it from the log (a KNOWLEDGE_UPDATE event may come
 * from any producer). Every problem is named; an update with one is refused whole. Pure:
 * `known` says whether a joker / strategy exists.
 */
import type { SynergyType } from './synergy.ts';

export const RARITIES = ['Common', 'Uncommon', 'Rare', 'Legendary'] as const;
export const SYNERGY_TYPES: readonly SynergyType[] = ['multiplicative', 'additive', 'complementary'];
export const MAX_ITEMS = 1000;

export type JokerFact = { name: string; rarity: string; cost: number | null; scaling_type: string; effect: string };
export type SynergyFact = { source: string; target: string; strength: number; synergy_type: SynergyType; win_rate: number | null; confidence: number; conditions: string[] };
export type StrategyFact = { name: string; description: string };
export type EnablesFact = { joker: string; strategy: string; importance: number };
export type CounterFact = { joker: string; countered_by: string; severity: number };
export type GameOutcome = { session_id: string; jokers: string[]; final_score: number; final_ante: number; won: boolean; strategy: string };

// Types (not interfaces) so that an update is plain JSON to the bus's producer.
export type KnowledgeUpdate = {
  update_id: string;
  source: string;
  jokers: JokerFact[];
  synergies: SynergyFact[];
  strategies: StrategyFact[];
  enables: EnablesFact[];
  counters: CounterFact[];
  games: GameOutcome[];
};

export interface Known {
  /** Canonical joker name, or null. */
  joker(name: string): string | null;
  strategy(name: string): string | null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function normalizeUpdate(raw: unknown, known: Known): { ok: true; update: KnowledgeUpdate; items: number } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  if (!isObj(raw)) return { ok: false, errors: ['an update is an object'] };
  const text = (path: string, v: unknown, max: number, required: boolean): string => {
    if (v === undefined || v === null || v === '') {
      if (required) errors.push(`${path} is required`);
      return '';
    }
    if (typeof v !== 'string') errors.push(`${path} must be a string`);
    else if (v.length > max) errors.push(`${path} is longer than ${max} characters`);
    else if (/[\u0000-\u001f\u007f]/.test(v)) errors.push(`${path} has control characters`);
    else return v.trim();
    return '';
  };
  const unit = (path: string, v: unknown, dflt: number | null): number | null => {
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
      errors.push(`${path} must be a number from 0 to 1`);
      return dflt;
    }
    return v;
  };
  const arr = (key: string): Obj[] => {
    const v = raw[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      errors.push(`${key} must be a list`);
      return [];
    }
    return v.filter((x, i) => (isObj(x) ? true : (errors.push(`${key}[${i}] must be an object`), false)));
  };
  const update: KnowledgeUpdate = {
    update_id: text('update_id', raw.update_id, 128, false), source: text('source', raw.source, 128, false) || 'unknown',
    jokers: [], synergies: [], strategies: [], enables: [], counters: [], games: [],
  };
  const newJokers = new Set<string>();
  const newStrategies = new Set<string>();
  const joker = (path: string, v: unknown): string => {
    const n = text(path, v, 100, true);
    if (n === '') return '';
    const c = known.joker(n) ?? (newJokers.has(n.toLowerCase()) ? n : null);
    if (c === null) errors.push(`${path}: unknown joker "${n}"`);
    return c ?? '';
  };
  arr('jokers').forEach((j, i) => {
    const name = text(`jokers[${i}].name`, j.name, 100, true);
    let rarity = text(`jokers[${i}].rarity`, j.rarity, 20, false);
    if (rarity !== '') {
      const r = RARITIES.find((x) => x.toLowerCase() === rarity.toLowerCase());
      if (!r) errors.push(`jokers[${i}].rarity must be one of ${RARITIES.join(', ')}`);
      rarity = r ?? '';
    }
    let cost: number | null = null;
    if (j.cost !== undefined && j.cost !== null && j.cost !== 0) {
      if (typeof j.cost !== 'number' || !Number.isInteger(j.cost) || j.cost < 0 || j.cost > 1000) errors.push(`jokers[${i}].cost must be an integer from 0 to 1000`);
      else cost = j.cost;
    }
    if (name !== '') newJokers.add(name.toLowerCase());
    update.jokers.push({ name: known.joker(name) ?? name, rarity, cost, scaling_type: text(`jokers[${i}].scaling_type`, j.scaling_type, 40, false), effect: text(`jokers[${i}].effect`, j.effect, 500, false) });
  });
  arr('strategies').forEach((s, i) => {
    const name = text(`strategies[${i}].name`, s.name, 100, true);
    if (name !== '') newStrategies.add(name.toLowerCase());
    update.strategies.push({ name: known.strategy(name) ?? name, description: text(`strategies[${i}].description`, s.description, 500, false) });
  });
  arr('synergies').forEach((s, i) => {
    const source = joker(`synergies[${i}].source`, s.source);
    const target = joker(`synergies[${i}].target`, s.target);
    if (source !== '' && source === target) errors.push(`synergies[${i}]: a joker cannot synergize with itself`);
    const strength = unit(`synergies[${i}].strength`, s.strength, 0) ?? 0;
    let type = text(`synergies[${i}].synergy_type`, s.synergy_type, 20, false) as SynergyType | '';
    if (type === '') type = strength >= 0.5 ? 'multiplicative' : strength >= 0.2 ? 'additive' : 'complementary';
    else if (!SYNERGY_TYPES.includes(type)) errors.push(`synergies[${i}].synergy_type must be one of ${SYNERGY_TYPES.join(', ')}`);
    const conds = Array.isArray(s.conditions) ? s.conditions : [];
    if (conds.length > 20 || conds.some((c) => typeof c !== 'string' || c.length > 100)) errors.push(`synergies[${i}].conditions must be at most 20 strings of at most 100 characters`);
    // protobuf cannot tell an unset number from 0: an asserted win rate of 0 means unknown, a confidence of 0 full.
    const winRate = unit(`synergies[${i}].win_rate`, s.win_rate, null);
    const confidence = unit(`synergies[${i}].confidence`, s.confidence, 1);
    update.synergies.push({ source, target, strength, synergy_type: type as SynergyType, win_rate: winRate ? winRate : null, confidence: confidence ? confidence : 1, conditions: conds.filter((c): c is string => typeof c === 'string') });
  });
  arr('enables').forEach((e, i) => {
    const strategyName = text(`enables[${i}].strategy`, e.strategy, 100, true);
    const strategy = known.strategy(strategyName) ?? (newStrategies.has(strategyName.toLowerCase()) ? strategyName : null);
    if (strategyName !== '' && strategy === null) errors.push(`enables[${i}].strategy: unknown strategy "${strategyName}"`);
    update.enables.push({ joker: joker(`enables[${i}].joker`, e.joker), strategy: strategy ?? '', importance: unit(`enables[${i}].importance`, e.importance, 0.5) ?? 0.5 });
  });
  arr('counters').forEach((c, i) => {
    update.counters.push({ joker: joker(`counters[${i}].joker`, c.joker), countered_by: text(`counters[${i}].countered_by`, c.countered_by, 100, true), severity: unit(`counters[${i}].severity`, c.severity, 0.5) ?? 0.5 });
  });
  arr('games').forEach((g, i) => {
    const jokers = Array.isArray(g.jokers) ? g.jokers : [];
    if (jokers.length === 0 || jokers.length > 20) errors.push(`games[${i}].jokers must list 1 to 20 jokers`);
    const score = g.final_score;
    if (typeof score !== 'number' || !Number.isFinite(score) || score < 0) errors.push(`games[${i}].final_score must be a non-negative number`);
    const ante = g.final_ante ?? 0;
    if (typeof ante !== 'number' || !Number.isInteger(ante) || ante < 0 || ante > 1000) errors.push(`games[${i}].final_ante must be an integer from 0 to 1000`);
    if (g.won !== undefined && typeof g.won !== 'boolean') errors.push(`games[${i}].won must be a boolean`);
    update.games.push({
      session_id: text(`games[${i}].session_id`, g.session_id, 200, true), jokers: [...new Set(jokers.map((j, k) => joker(`games[${i}].jokers[${k}]`, j)))],
      final_score: typeof score === 'number' ? score : 0, final_ante: typeof ante === 'number' ? ante : 0, won: g.won === true, strategy: text(`games[${i}].strategy`, g.strategy, 100, false),
    });
  });
  const items = update.jokers.length + update.synergies.length + update.strategies.length + update.enables.length + update.counters.length + update.games.length;
  if (items === 0 && errors.length === 0) errors.push('the update changes nothing: give jokers, synergies, strategies, enables, counters or games');
  if (items > MAX_ITEMS) errors.push(`an update holds at most ${MAX_ITEMS} items, got ${items}`);
  return errors.length ? { ok: false, errors: errors.slice(0, 50) } : { ok: true, update, items };
}
