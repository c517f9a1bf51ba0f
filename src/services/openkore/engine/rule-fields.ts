// Condition vocabulary of the rule file: each field resolves to a value over a state.
import type { EngineConfig } from "./config.ts";
import {
  bestHealingItem, bestOffensiveSkill, countWithin, heldItem, hpFraction, nearest, spFraction, underAttack, weightFraction,
} from "./features.ts";
import type { GameState } from "./types.ts";

export type FieldValue = number | string | boolean | string[] | undefined;
export type FieldKind = "number" | "string" | "set" | "boolean";

export interface FieldCtx { range?: number; item?: string }

interface FieldDef {
  kind: FieldKind;
  /** Which extra condition key the field takes. */
  param?: "range" | "item";
  get(s: GameState, cfg: EngineConfig, c: FieldCtx): FieldValue;
}

const pct = (f: number): number => Math.round(f * 10000) / 100;

export const FIELDS: Record<string, FieldDef> = {
  hp_percent: { kind: "number", get: (s) => pct(hpFraction(s)) },
  sp_percent: { kind: "number", get: (s) => pct(spFraction(s)) },
  weight_percent: { kind: "number", get: (s) => pct(weightFraction(s)) },
  hp: { kind: "number", get: (s) => s.player.hp },
  sp: { kind: "number", get: (s) => s.player.sp },
  level: { kind: "number", get: (s) => s.player.level },
  job_level: { kind: "number", get: (s) => s.player.job_level },
  party_size: { kind: "number", get: (s) => s.party.length },
  monster_count: { kind: "number", param: "range", get: (s, _c, c) => countWithin(s, c.range ?? Infinity, false) },
  aggressive_count: { kind: "number", param: "range", get: (s, _c, c) => countWithin(s, c.range ?? Infinity, true) },
  "nearest_monster.distance": { kind: "number", get: (s) => nearest(s, false)?.distance },
  "nearest_aggressive.distance": { kind: "number", get: (s) => nearest(s, true)?.distance },
  item_count: {
    kind: "number", param: "item",
    get: (s, _c, c) => s.items.filter((i) => i.name.toLowerCase() === (c.item ?? "").toLowerCase()).reduce((a, i) => a + i.quantity, 0),
  },
  has_item: { kind: "boolean", param: "item", get: (s, _c, c) => heldItem(s, c.item ?? "") !== undefined },
  best_healing_item: { kind: "string", get: (s, cfg) => bestHealingItem(s, cfg)?.name },
  best_offensive_skill: { kind: "string", get: (s, cfg) => bestOffensiveSkill(s, cfg)?.name },
  status: { kind: "set", get: (s) => s.player.status },
  map: { kind: "string", get: (s) => s.player.position.map },
  job: { kind: "string", get: (s) => s.player.job },
  in_combat: { kind: "boolean", get: (s, cfg) => underAttack(s, cfg) },
};

export const OPS = ["lt", "lte", "gt", "gte", "eq", "neq", "in", "exists", "not_exists"] as const;
export type Op = (typeof OPS)[number];

const norm = (v: unknown): unknown => (typeof v === "string" ? v.toLowerCase() : v);

/** Apply an operator; a missing value satisfies only not_exists. */
export function applyOp(op: Op, actual: FieldValue, expected: unknown): boolean {
  if (op === "exists") return Array.isArray(actual) ? actual.length > 0 : actual !== undefined;
  if (op === "not_exists") return Array.isArray(actual) ? actual.length === 0 : actual === undefined;
  if (actual === undefined) return false;
  if (Array.isArray(actual)) {
    const have = new Set(actual.map((a) => a.toLowerCase()));
    if (op === "eq") return have.has(String(expected).toLowerCase());
    if (op === "neq") return !have.has(String(expected).toLowerCase());
    if (op === "in") return Array.isArray(expected) && expected.some((e) => have.has(String(e).toLowerCase()));
    return false;
  }
  switch (op) {
    case "lt": return typeof actual === "number" && typeof expected === "number" && actual < expected;
    case "lte": return typeof actual === "number" && typeof expected === "number" && actual <= expected;
    case "gt": return typeof actual === "number" && typeof expected === "number" && actual > expected;
    case "gte": return typeof actual === "number" && typeof expected === "number" && actual >= expected;
    case "eq": return norm(actual) === norm(expected);
    case "neq": return norm(actual) !== norm(expected);
    case "in": return Array.isArray(expected) && expected.some((e) => norm(e) === norm(actual));
  }
}
