// Turns the parsed JSON of a world folder into a WorldDef, or names the first broken
// file and field. Pure: the caller reads the files.
import { type Constants, DEFAULT_CONSTANTS } from "./constants.ts";
import {
  ENTITY_KINDS,
  type EntityDef,
  type EntityKind,
  type EntityMetrics,
  NPC_STATES,
  type NpcDef,
  type NpcState,
  type WorldDef,
  type WorldFiles,
  type ZoneDef,
} from "./types.ts";

export interface ConfigError {
  file: string;
  field: string;
  message: string;
}

export type LoadResult = { ok: true; def: WorldDef } | { ok: false; error: ConfigError };

class Invalid extends Error {
  constructor(readonly detail: ConfigError) {
    super(`${detail.file}: ${detail.field}: ${detail.message}`);
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function fail(file: string, field: string, message: string): never {
  throw new Invalid({ file, field, message });
}

function str(file: string, o: Obj, key: string, path: string, dflt?: string): string {
  const v = o[key];
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== "string" || v.length === 0) fail(file, `${path}.${key}`, "must be a non-empty string");
  return v;
}

function num(file: string, o: Obj, key: string, path: string, dflt?: number): number {
  const v = o[key];
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    fail(file, `${path}.${key}`, "must be a finite number >= 0");
  }
  return v;
}

function strList(file: string, o: Obj, key: string, path: string, dflt?: string[]): string[] {
  const v = o[key];
  if (v === undefined && dflt !== undefined) return dflt;
  if (!Array.isArray(v)) fail(file, `${path}.${key}`, "must be an array of strings");
  return v.map((x, i) => {
    if (typeof x !== "string" || x.length === 0) fail(file, `${path}.${key}[${i}]`, "must be a non-empty string");
    return x;
  });
}

/** Accepts `[...]` or `{ <key>: [...] }`. */
function list(file: string, data: unknown, key: string): unknown[] {
  if (Array.isArray(data)) return data;
  if (isObj(data) && Array.isArray(data[key])) return data[key];
  return fail(file, key, `must be an array (or an object with a "${key}" array)`);
}

function zonesFrom(data: unknown): ZoneDef[] {
  const file = "zones.json";
  const raw = list(file, data, "zones");
  if (raw.length === 0) fail(file, "zones", "must hold at least one zone");
  const zones = raw.map((z, i): ZoneDef => {
    const path = `zones[${i}]`;
    if (!isObj(z)) fail(file, path, "must be an object");
    const id = str(file, z, "id", path);
    return {
      id,
      name: str(file, z, "name", path, id),
      neighbours: strList(file, z, "neighbours", path, []),
      turbulence_rate: num(file, z, "turbulence_rate", path, 1),
    };
  });
  const ids = new Set<string>();
  zones.forEach((z, i) => {
    if (ids.has(z.id)) fail(file, `zones[${i}].id`, `duplicate zone id "${z.id}"`);
    ids.add(z.id);
  });
  zones.forEach((z, i) => {
    const seen = new Set<string>();
    z.neighbours.forEach((n, j) => {
      const field = `zones[${i}].neighbours[${j}]`;
      if (!ids.has(n)) fail(file, field, `unknown zone "${n}"`);
      if (n === z.id) fail(file, field, "a zone cannot neighbour itself");
      if (seen.has(n)) fail(file, field, `duplicate neighbour "${n}"`);
      seen.add(n);
    });
  });
  return zones;
}

function npcsFrom(data: unknown, zoneIds: Set<string>): NpcDef[] {
  const file = "npcs.json";
  const raw = list(file, data, "npcs");
  const ids = new Set<string>();
  return raw.map((n, i): NpcDef => {
    const path = `npcs[${i}]`;
    if (!isObj(n)) fail(file, path, "must be an object");
    const id = str(file, n, "id", path);
    if (ids.has(id)) fail(file, `${path}.id`, `duplicate npc id "${id}"`);
    ids.add(id);
    const home = str(file, n, "home_zone", path);
    if (!zoneIds.has(home)) fail(file, `${path}.home_zone`, `unknown zone "${home}"`);
    const allowed = strList(file, n, "allowed_zones", path, [home]);
    allowed.forEach((z, j) => {
      if (!zoneIds.has(z)) fail(file, `${path}.allowed_zones[${j}]`, `unknown zone "${z}"`);
    });
    if (!allowed.includes(home)) allowed.unshift(home);
    const initial = n.initial_state ?? "idle";
    if (typeof initial !== "string" || !(NPC_STATES as readonly string[]).includes(initial)) {
      fail(file, `${path}.initial_state`, `must be one of ${NPC_STATES.join(", ")}`);
    }
    const spine = n.spine;
    if (!isObj(spine)) fail(file, `${path}.spine`, "must be an object");
    const sp = `${path}.spine`;
    const never = strList(file, spine, "never", sp);
    if (never.length === 0) fail(file, `${sp}.never`, "must name at least one rule");
    const hints = n.behavior_hints;
    if (!isObj(hints)) fail(file, `${path}.behavior_hints`, "must be an object keyed by state");
    const table = {} as Record<NpcState, string>;
    for (const s of NPC_STATES) table[s] = str(file, hints, s, `${path}.behavior_hints`);
    return {
      id,
      name: str(file, n, "name", path, id),
      home_zone: home,
      allowed_zones: allowed,
      initial_state: initial as NpcState,
      never_rules: never,
      always_rules: strList(file, spine, "always", sp, []),
      qbit_power: num(file, spine, "qbit_power", sp),
      qbit_charisma: num(file, spine, "qbit_charisma", sp),
      behavior_hints: table,
    };
  });
}

const METRIC_KEYS = [
  "resonance", "grassroots", "audience", "deep_views", "engagement",
  "refs", "trust", "backing", "pool", "reach",
] as const satisfies readonly (keyof EntityMetrics)[];

function entitiesFrom(files: WorldFiles["entities"], zoneIds: Set<string>): EntityDef[] {
  const out: EntityDef[] = [];
  const ids = new Set<string>();
  for (const { file, data } of files) {
    const f = `entities/${file}`;
    const raw = isObj(data) && !Array.isArray(data.entities) ? [data] : list(f, data, "entities");
    raw.forEach((e, i) => {
      const path = `entities[${i}]`;
      if (!isObj(e)) fail(f, path, "must be an object");
      const id = str(f, e, "id", path);
      if (ids.has(id)) fail(f, `${path}.id`, `duplicate entity id "${id}"`);
      ids.add(id);
      const kind = str(f, e, "kind", path);
      if (!(ENTITY_KINDS as readonly string[]).includes(kind)) {
        fail(f, `${path}.kind`, `must be one of ${ENTITY_KINDS.join(", ")}`);
      }
      const zone = str(f, e, "zone", path);
      if (!zoneIds.has(zone)) fail(f, `${path}.zone`, `unknown zone "${zone}"`);
      const tier = str(f, e, "tier", path, "Secondary");
      if (tier !== "Primary" && tier !== "Secondary") fail(f, `${path}.tier`, "must be Primary or Secondary");
      const m = e.metrics ?? {};
      if (!isObj(m)) fail(f, `${path}.metrics`, "must be an object");
      for (const k of Object.keys(m)) {
        if (!(METRIC_KEYS as readonly string[]).includes(k)) fail(f, `${path}.metrics.${k}`, "unknown metric");
      }
      const metrics = {} as EntityMetrics;
      for (const k of METRIC_KEYS) metrics[k] = num(f, m, k, `${path}.metrics`, 0);
      out.push({ id, name: str(f, e, "name", path, id), kind: kind as EntityKind, zone, tier, metrics });
    });
  }
  return out;
}

/** Overlays `raw` on `base`, requiring every key to exist in base with the same shape. */
function overlay(base: unknown, raw: unknown, path: string): unknown {
  const file = "sim.json";
  if (Array.isArray(base)) {
    if (!Array.isArray(raw)) fail(file, path, "must be an array");
    const elem = base[0];
    return raw.map((v, i) => {
      if (typeof v !== typeof elem) fail(file, `${path}[${i}]`, `must be a ${typeof elem}`);
      return v;
    });
  }
  if (isObj(base)) {
    if (!isObj(raw)) fail(file, path, "must be an object");
    const out: Obj = { ...base };
    for (const [k, v] of Object.entries(raw)) {
      const p = path ? `${path}.${k}` : k;
      if (!(k in base)) fail(file, p, "unknown setting");
      out[k] = overlay(base[k], v, p);
    }
    return out;
  }
  if (typeof base === "number" && (typeof raw !== "number" || !Number.isFinite(raw))) {
    fail(file, path, "must be a finite number");
  }
  if (typeof raw !== typeof base) fail(file, path, `must be a ${typeof base}`);
  return raw;
}

function constantsFrom(raw: unknown): Constants {
  if (raw === undefined) return structuredClone(DEFAULT_CONSTANTS);
  const c = overlay(DEFAULT_CONSTANTS, raw, "") as Constants;
  const n = c.npcs;
  if (n.contradiction_levels.length !== n.contradiction_power_steps.length) {
    fail("sim.json", "npcs.contradiction_levels", "must have one level per power step");
  }
  if (!Number.isInteger(c.cloud.trend.max_samples) || c.cloud.trend.max_samples < 2) {
    fail("sim.json", "cloud.trend.max_samples", "must be an integer of at least 2");
  }
  const every = c.zones.adjacency.interval_ticks;
  if (!Number.isInteger(every) || every < 1) {
    fail("sim.json", "zones.adjacency.interval_ticks", "must be an integer of at least 1");
  }
  if (c.cloud.trend.window_s <= 0) fail("sim.json", "cloud.trend.window_s", "must be above 0");
  return structuredClone(c);
}

/** Validates a whole world. Nothing partial escapes: either a WorldDef or one error. */
export function loadWorld(files: WorldFiles): LoadResult {
  try {
    const constants = constantsFrom(files.sim);
    const zones = zonesFrom(files.zones);
    const zoneIds = new Set(zones.map((z) => z.id));
    const npcs = npcsFrom(files.npcs, zoneIds);
    const entities = entitiesFrom(files.entities, zoneIds);
    return { ok: true, def: { zones, npcs, entities, constants } };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: e.detail };
    throw e;
  }
}
