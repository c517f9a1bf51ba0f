// Rule tier: rules are data (REFERENCE §1). parseRules validates a rule file and
// returns every problem at once; evaluateRules runs the compiled set in priority order.
import type { EngineConfig } from "./config.ts";
import { bestHealingItem, bestOffensiveSkill, heldItem, nearest, spFraction } from "./features.ts";
import type { SessionMemory } from "./memory.ts";
import { FIELDS, OPS, applyOp, type FieldCtx, type Op } from "./rule-fields.ts";
import type { Action, ActionPriority, Decision, GameState, MonsterState } from "./types.ts";

export interface Condition { field: string; op: Op; value?: unknown; range?: number; item?: string }

export type RuleAction =
  | { type: "use_item"; item: string }
  | { type: "attack"; target: "nearest" | "nearest_aggressive" | "nearest_aggressive_else_nearest"; max_distance: number; skill?: { min_sp_percent: number; max_distance: number } }
  | { type: "retreat"; from_range: number; distance: number }
  | { type: "command"; command: string }
  | { type: "macro"; macro_name: string }
  | { type: "teleport" | "sit" | "idle" };

export interface Rule {
  id: string;
  priority: number;
  conditions: Condition[];
  action: RuleAction & { priority?: ActionPriority; reason?: string };
  cooldown_ms: number;
  confidence: number;
}

export interface RuleError { rule: string; field: string; message: string }
export interface RuleSet { rules: Rule[]; errors: RuleError[] }

const PRIORITIES = ["critical", "high", "normal", "low"];
const TARGETS = ["nearest", "nearest_aggressive", "nearest_aggressive_else_nearest"];
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const numOr = (v: unknown, d: number): number => (isNum(v) ? v : d);

function checkCondition(c: unknown, where: string, errs: RuleError[], rule: string): Condition | null {
  const bad = (field: string, message: string): null => { errs.push({ rule, field: `${where}.${field}`, message }); return null; };
  if (!isObj(c)) return bad("", "condition must be an object");
  const def = typeof c.field === "string" ? FIELDS[c.field] : undefined;
  if (!def) return bad("field", `unknown field ${JSON.stringify(c.field)}; known: ${Object.keys(FIELDS).join(", ")}`);
  if (typeof c.op !== "string" || !(OPS as readonly string[]).includes(c.op)) return bad("op", `op must be one of ${OPS.join(", ")}`);
  const op = c.op as Op;
  if (c.range !== undefined && (def.param !== "range" || !isNum(c.range) || c.range < 0)) return bad("range", "range is a non-negative number, only for monster_count/aggressive_count");
  if (def.param === "item" && typeof c.item !== "string") return bad("item", `${String(c.field)} needs an item name`);
  if (op !== "exists" && op !== "not_exists") {
    if (c.value === undefined) return bad("value", `op ${op} needs a value`);
    if (op === "in" && !Array.isArray(c.value)) return bad("value", "op in needs an array value");
    if (["lt", "lte", "gt", "gte"].includes(op) && (def.kind !== "number" || !isNum(c.value))) return bad("value", `op ${op} needs a numeric field and value`);
    if ((op === "eq" || op === "neq") && def.kind === "boolean" && typeof c.value !== "boolean") return bad("value", "boolean field compares to true/false");
    if ((op === "eq" || op === "neq") && def.kind === "number" && !isNum(c.value)) return bad("value", "numeric field compares to a number");
  }
  const out: Condition = { field: c.field as string, op };
  if (c.value !== undefined) out.value = c.value;
  if (isNum(c.range)) out.range = c.range;
  if (typeof c.item === "string") out.item = c.item;
  return out;
}

function checkAction(a: unknown, errs: RuleError[], rule: string): Rule["action"] | null {
  const bad = (field: string, message: string): null => { errs.push({ rule, field: `action.${field}`, message }); return null; };
  if (!isObj(a)) return bad("", "action must be an object");
  if (a.priority !== undefined && !PRIORITIES.includes(String(a.priority))) return bad("priority", `priority must be one of ${PRIORITIES.join(", ")}`);
  if (a.reason !== undefined && typeof a.reason !== "string") return bad("reason", "reason must be a string");
  const extra: { priority?: ActionPriority; reason?: string } = {};
  if (a.priority !== undefined) extra.priority = a.priority as ActionPriority;
  if (typeof a.reason === "string") extra.reason = a.reason;
  switch (a.type) {
    case "use_item":
      if (typeof a.item !== "string" || a.item === "") return bad("item", "use_item needs an item name or $best_healing");
      return { type: "use_item", item: a.item, ...extra };
    case "attack": {
      const target = a.target ?? "nearest_aggressive_else_nearest";
      if (!TARGETS.includes(String(target))) return bad("target", `target must be one of ${TARGETS.join(", ")}`);
      let skill: { min_sp_percent: number; max_distance: number } | undefined;
      if (a.skill !== undefined) {
        if (!isObj(a.skill)) return bad("skill", "skill must be an object");
        skill = { min_sp_percent: numOr(a.skill.min_sp_percent, 0), max_distance: numOr(a.skill.max_distance, Infinity) };
      }
      const out: Rule["action"] = { type: "attack", target: target as "nearest", max_distance: numOr(a.max_distance, Infinity), ...extra };
      if (skill) out.skill = skill;
      return out;
    }
    case "retreat":
      return { type: "retreat", from_range: numOr(a.from_range, 8), distance: numOr(a.distance, 8), ...extra };
    case "command":
      if (typeof a.command !== "string" || a.command === "") return bad("command", "command needs a command string");
      return { type: "command", command: a.command, ...extra };
    case "macro":
      if (typeof a.macro_name !== "string" || a.macro_name === "") return bad("macro_name", "macro needs macro_name");
      return { type: "macro", macro_name: a.macro_name, ...extra };
    case "teleport": case "sit": case "idle":
      return { type: a.type, ...extra };
    default:
      return bad("type", "type must be one of use_item, attack, retreat, command, macro, teleport, sit, idle");
  }
}

/** Validate a parsed rule file ({rules: [...]} or a bare array). */
export function parseRules(doc: unknown): RuleSet {
  const errors: RuleError[] = [];
  const list = Array.isArray(doc) ? doc : isObj(doc) ? doc.rules : undefined;
  if (!Array.isArray(list)) return { rules: [], errors: [{ rule: "", field: "rules", message: "rule file must hold a rules array" }] };
  const rules: Rule[] = [];
  const seen = new Set<string>();
  list.forEach((r, i) => {
    const name = isObj(r) && typeof r.id === "string" ? r.id : `#${i}`;
    const before = errors.length;
    if (!isObj(r)) { errors.push({ rule: name, field: "", message: "rule must be an object" }); return; }
    if (typeof r.id !== "string" || r.id === "") errors.push({ rule: name, field: "id", message: "id must be a non-empty string" });
    else if (seen.has(r.id)) errors.push({ rule: name, field: "id", message: "duplicate id" });
    else seen.add(r.id);
    if (!isNum(r.priority)) errors.push({ rule: name, field: "priority", message: "priority must be a number (lower runs first)" });
    if (r.cooldown_ms !== undefined && (!isNum(r.cooldown_ms) || r.cooldown_ms < 0)) errors.push({ rule: name, field: "cooldown_ms", message: "cooldown_ms must be a non-negative number" });
    if (r.confidence !== undefined && (!isNum(r.confidence) || r.confidence < 0 || r.confidence > 1)) errors.push({ rule: name, field: "confidence", message: "confidence must be within 0..1" });
    const conds: Condition[] = [];
    if (!Array.isArray(r.conditions)) errors.push({ rule: name, field: "conditions", message: "conditions must be an array" });
    else r.conditions.forEach((c, j) => { const ok = checkCondition(c, `conditions[${j}]`, errors, name); if (ok) conds.push(ok); });
    const action = checkAction(r.action, errors, name);
    if (errors.length === before && action) {
      rules.push({ id: r.id as string, priority: r.priority as number, conditions: conds, action, cooldown_ms: numOr(r.cooldown_ms, 0), confidence: numOr(r.confidence, 0.9) });
    }
  });
  // Stable: equal priorities keep file order.
  rules.sort((a, b) => a.priority - b.priority);
  return { rules, errors };
}

const within = (m: MonsterState | undefined, maxDist: number): MonsterState | undefined => (m && m.distance <= maxDist ? m : undefined);

function pickTarget(s: GameState, target: string, maxDist: number): MonsterState | undefined {
  if (target === "nearest") return within(nearest(s, false), maxDist);
  if (target === "nearest_aggressive") return within(nearest(s, true), maxDist);
  return within(nearest(s, true), maxDist) ?? within(nearest(s, false), maxDist);
}

/** Point `distance` cells away from the centroid of aggressive monsters in range. */
function retreatPoint(s: GameState, range: number, distance: number): { x: number; y: number } | undefined {
  const threats = s.monsters.filter((m) => m.aggressive && m.distance <= range);
  if (threats.length === 0) return undefined;
  const cx = threats.reduce((a, m) => a + m.position.x, 0) / threats.length;
  const cy = threats.reduce((a, m) => a + m.position.y, 0) / threats.length;
  const { x, y } = s.player.position;
  let dx = x - cx, dy = y - cy;
  const len = Math.hypot(dx, dy);
  if (len < 1e-9) { dx = 1; dy = 0; } else { dx /= len; dy /= len; }
  return { x: Math.max(0, Math.round(x + dx * distance)), y: Math.max(0, Math.round(y + dy * distance)) };
}

// Actions are written out field by field (no spreads): this runs on every state frame.
// Key order is the wire order: type, the type's fields, priority, confidence, reason.
function realise(rule: Rule, s: GameState, cfg: EngineConfig): Action | null {
  const a = rule.action;
  const priority = a.priority ?? "normal";
  const confidence = rule.confidence;
  const reason = a.reason ?? `Rule ${rule.id}`;
  switch (a.type) {
    case "use_item": {
      const it = a.item === "$best_healing" ? bestHealingItem(s, cfg) : heldItem(s, a.item);
      return it ? { type: "use_item", item_id: it.id, item_name: it.name, priority, confidence, reason } : null;
    }
    case "attack": {
      const t = pickTarget(s, a.target, a.max_distance);
      if (!t) return null;
      const act: Action = { type: "attack", target_id: t.id, priority, confidence, reason };
      const sk = a.skill ? bestOffensiveSkill(s, cfg) : undefined;
      if (a.skill && sk && spFraction(s) * 100 > a.skill.min_sp_percent && t.distance <= a.skill.max_distance) {
        act.skill_id = sk.id;
        act.skill_name = sk.name;
      }
      return act;
    }
    case "retreat": {
      const p = retreatPoint(s, a.from_range, a.distance);
      return p ? { type: "move", target_position: p, priority, confidence, reason } : null;
    }
    case "command": return { type: "command", command: a.command, priority, confidence, reason };
    case "macro": return { type: "macro", macro_name: a.macro_name, priority, confidence, reason };
    default: return { type: a.type, priority, confidence, reason };
  }
}

const NO_CTX: FieldCtx = Object.freeze({});
const ctxs = new WeakMap<Condition, FieldCtx>();

/** A condition's field parameters, built once per parsed condition. */
function fieldCtx(c: Condition): FieldCtx {
  if (c.range === undefined && c.item === undefined) return NO_CTX;
  let ctx = ctxs.get(c);
  if (!ctx) {
    const made: FieldCtx = {};
    if (c.range !== undefined) made.range = c.range;
    if (c.item !== undefined) made.item = c.item;
    ctxs.set(c, (ctx = made));
  }
  return ctx;
}

/** First rule whose conditions hold, that is off cooldown and can act; records the firing. */
export function evaluateRules(set: readonly Rule[], s: GameState, cfg: EngineConfig, mem: SessionMemory, now: number): Decision | null {
  for (const rule of set) {
    if (rule.confidence < cfg.rule_confidence_floor) continue;
    const last = mem.rule_fired_ms[rule.id];
    if (last !== undefined && now - last < rule.cooldown_ms) continue;
    let ok = true;
    for (const c of rule.conditions) {
      const def = FIELDS[c.field];
      if (!def || !applyOp(c.op, def.get(s, cfg, fieldCtx(c)), c.value)) { ok = false; break; }
    }
    if (!ok) continue;
    const action = realise(rule, s, cfg);
    if (!action) continue;
    mem.rule_fired_ms[rule.id] = now;
    return { tier: "rule", action, rule_id: rule.id };
  }
  return null;
}
