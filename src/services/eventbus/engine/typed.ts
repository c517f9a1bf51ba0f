/**
 * Typed views of producer payloads for the spec's messages (GameStateEvent with Joker
 * and Card, LearningDecisionRequest/Response, ErrorEvent). They are projections: the
 * producer's payload is always stored verbatim beside them (`source_payload`), so a
 * value that does not fit a typed field (a score past int32, BalatroMCP's deck object,
 * shop items that are objects) is simply absent from the typed view, never lost.
 */
import type { Json, JsonObject } from '../wire/struct.ts';
import { isJsonObject, setOwn } from '../wire/struct.ts';

type Obj = Record<string, unknown>;

const INT32_MAX = 2_147_483_647;
const INT32_MIN = -2_147_483_648;

/** Numbers, and numbers the encoder printed as strings (`"300"`). */
export function num(v: Json | undefined): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

export function int32(v: Json | undefined): number | undefined {
  const n = num(v);
  if (n === undefined) return undefined;
  const t = Math.trunc(n);
  return t >= INT32_MIN && t <= INT32_MAX ? t : undefined;
}

export function str(v: Json | undefined): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** Arrays, and the `{}` BalatroMCP's encoder sends for an empty array. */
export function list(v: Json | undefined): Json[] {
  if (Array.isArray(v)) return v;
  return [];
}

function strMap(v: Json | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isJsonObject(v)) return out;
  for (const [k, x] of Object.entries(v)) {
    const s = str(x);
    if (s !== undefined) setOwn(out, k, s);
    else if (x !== null) setOwn(out, k, JSON.stringify(x));
  }
  return out;
}

function set(o: Obj, k: string, v: unknown): void {
  if (v !== undefined) o[k] = v;
}

function card(c: Json): Obj | null {
  if (!isJsonObject(c)) return null;
  const o: Obj = {};
  for (const k of ['suit', 'rank', 'enhancement', 'seal', 'edition']) set(o, k, str(c[k]));
  return o;
}

function joker(j: Json): Obj | null {
  if (!isJsonObject(j)) return null;
  const o: Obj = {};
  set(o, 'name', str(j.name));
  set(o, 'rarity', str(j.rarity));
  set(o, 'position', int32(j.position));
  const props = strMap(j.properties);
  if (Object.keys(props).length > 0) o.properties = props;
  return o;
}

const cards = (v: Json | undefined): Obj[] => list(v).map(card).filter((x): x is Obj => x !== null);

export interface CardView {
  suit?: string;
  rank?: string;
  enhancement?: string;
  seal?: string;
  edition?: string;
}

export interface JokerView {
  name?: string;
  rarity?: string;
  position?: number;
  properties?: Record<string, string>;
}

/** GameStateEvent (events.proto) as built from a payload; field names are the proto's. */
export interface GameStateView {
  game_id?: string;
  ante?: number;
  round?: number;
  hand_number?: number;
  jokers?: JokerView[];
  hand?: CardView[];
  deck?: CardView[];
  chips?: number;
  mult?: number;
  money?: number;
  hand_size?: number;
  hands_remaining?: number;
  discards_remaining?: number;
  shop_items?: Record<string, number>;
  score_history?: Record<string, number>;
}

export function gameStateView(p: JsonObject): GameStateView {
  const o: Obj = {};
  set(o, 'game_id', str(p.game_id));
  for (const k of ['ante', 'round', 'hand_number', 'chips', 'mult', 'money', 'hand_size', 'hands_remaining', 'discards_remaining']) set(o, k, int32(p[k]));
  const jokers = list(p.jokers).map(joker).filter((x): x is Obj => x !== null);
  if (jokers.length) o.jokers = jokers;
  const hand = cards(p.hand);
  if (hand.length) o.hand = hand;
  // BalatroMCP sends deck as {remaining_count, cards_remaining, full_deck}; the spec's deck is the cards.
  const deck = Array.isArray(p.deck) ? cards(p.deck) : isJsonObject(p.deck) ? cards(p.deck.full_deck) : [];
  if (deck.length) o.deck = deck;
  if (isJsonObject(p.shop_items)) {
    const shop: Record<string, number> = {};
    for (const [k, v] of Object.entries(p.shop_items)) {
      const cost = isJsonObject(v) ? int32(v.cost) : int32(v);
      if (cost !== undefined) setOwn(shop, k, cost);
    }
    if (Object.keys(shop).length) o.shop_items = shop;
  }
  if (isJsonObject(p.score_history)) {
    const hist: Record<string, number> = {};
    for (const [k, v] of Object.entries(p.score_history)) {
      const n = num(v);
      if (n !== undefined) setOwn(hist, k, n);
    }
    if (Object.keys(hist).length) o.score_history = hist;
  }
  return o as GameStateView;
}

const strings = (v: Json | undefined): string[] => list(v).map(str).filter((x): x is string => x !== undefined);

export function decisionRequestView(p: JsonObject): Obj {
  const o: Obj = {};
  set(o, 'request_id', str(p.request_id));
  if (isJsonObject(p.game_state)) o.game_state = gameStateView(p.game_state) as Obj;
  const actions = strings(p.available_actions);
  if (actions.length) o.available_actions = actions;
  set(o, 'time_limit_ms', num(p.time_limit_ms));
  if (isJsonObject(p.context)) {
    const c = p.context;
    const ctx: Obj = {};
    const recent = strings(c.recent_actions);
    if (recent.length) ctx.recent_actions = recent;
    set(ctx, 'current_score', num(c.current_score));
    set(ctx, 'target_score', num(c.target_score));
    set(ctx, 'strategy_hint', str(c.strategy_hint));
    o.context = ctx;
  }
  return o;
}

export function decisionResponseView(p: JsonObject): Obj {
  const o: Obj = {};
  set(o, 'request_id', str(p.request_id));
  set(o, 'selected_action', str(p.selected_action));
  set(o, 'confidence', num(p.confidence));
  if (isJsonObject(p.action_values)) {
    const av: Record<string, number> = {};
    for (const [k, v] of Object.entries(p.action_values)) {
      const n = num(v);
      if (n !== undefined) setOwn(av, k, n);
    }
    o.action_values = av;
  }
  if (typeof p.used_llm === 'boolean') o.used_llm = p.used_llm;
  set(o, 'strategy_name', str(p.strategy_name));
  return o;
}

const SEVERITIES = ['INFO', 'WARNING', 'ERROR', 'CRITICAL'];
const ACTIONS = ['RETRY', 'CIRCUIT_BREAK', 'FALLBACK', 'ESCALATE'];

function enumOf(names: string[], v: Json | undefined): string | undefined {
  if (typeof v === 'string' && names.includes(v.toUpperCase())) return v.toUpperCase();
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < names.length) return names[v];
  return undefined;
}

export function errorView(p: JsonObject, eventId: string, source: string): Obj {
  const o: Obj = {};
  o.error_id = str(p.error_id) ?? eventId;
  o.source_component = str(p.source_component) ?? source;
  o.severity = enumOf(SEVERITIES, p.severity) ?? 'ERROR';
  set(o, 'message', str(p.message));
  set(o, 'stack_trace', str(p.stack_trace));
  const ctx = strMap(p.context);
  if (Object.keys(ctx).length) o.context = ctx;
  const affected = strings(p.affected_components);
  if (affected.length) o.affected_components = affected;
  set(o, 'suggested_action', enumOf(ACTIONS, p.suggested_action));
  return o;
}
