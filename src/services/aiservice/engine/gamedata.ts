// Shipped game data the planners read (config/aiservice/*.json), typed and validated once.

import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import type { MapTable } from "../../../contracts/ro-maps.ts";

export const ROLES = ["melee", "ranged", "magic", "support"] as const;
export type Role = (typeof ROLES)[number];

const RoleT = Type.Union(ROLES.map((r) => Type.Literal(r)));
const Fraction = Type.Number({ minimum: 0, maximum: 1 });
const Count = Type.Number({ minimum: 0 });
const Level = Type.Integer({ minimum: 1, maximum: 99 });

const EquipmentT = Type.Object({
  name: Type.String({ minLength: 1 }),
  cost: Count,
  roles: Type.Optional(Type.Array(RoleT)),
});

// Names are not repeated here: they come from the shared map table, which must list every id.
const FarmingMapT = Type.Object({
  id: Type.String({ minLength: 1 }),
  min_level: Level,
  max_level: Level,
  exp_per_hour: Count,
  role_fit: Type.Object({ melee: Count, ranged: Count, magic: Count, support: Count }),
  monsters: Type.Array(Type.String()),
  density: Type.Union([Type.Literal("low"), Type.Literal("medium"), Type.Literal("high")]),
  danger: Fraction,
  hp_loss_per_hour: Count,
  sp_use_per_hour: Count,
  equipment: Type.Array(EquipmentT),
});

const JobT = Type.Object({
  name: Type.String({ minLength: 1 }),
  aliases: Type.Array(Type.String()),
  role: RoleT,
  /** Skills cast on a target before the rotation (e.g. Provoke), used when the character has them. */
  opener: Type.Optional(Type.Array(Type.String())),
  rotation_single: Type.Array(Type.String(), { minItems: 1 }),
  rotation_aoe: Type.Array(Type.String(), { minItems: 1 }),
  hp_threshold_heal: Fraction,
  sp_threshold: Fraction,
  hp_factor: Count,
  sp_factor: Count,
});

const PotionT = Type.Object({
  name: Type.String({ minLength: 1 }),
  item_id: Type.Integer(),
  kind: Type.Union([Type.Literal("hp"), Type.Literal("sp"), Type.Literal("status")]),
  price: Count,
  heal_min: Count,
  heal_max: Count,
  min_level: Level,
});

const PlannerT = Type.Object({
  exp_rate: Type.Number({ exclusiveMinimum: 0 }),
  level_fit_edge: Fraction,
  dense_maps_use_aoe: Type.Array(Type.String()),
  heal_threshold_danger_gain: Fraction,
  heal_threshold_min: Fraction,
  heal_threshold_max: Fraction,
  equipment_fraction: Fraction,
  max_consumable_fraction: Fraction,
  default_time_budget_hours: Type.Number({ exclusiveMinimum: 0 }),
});

export const GameDataFilesT = Type.Object({
  maps: Type.Object({ maps: Type.Array(FarmingMapT, { minItems: 1 }) }),
  jobs: Type.Object({ default_job: Type.String(), jobs: Type.Array(JobT, { minItems: 1 }) }),
  potions: Type.Object({ potions: Type.Array(PotionT, { minItems: 1 }) }),
  baseExp: Type.Object({
    max_level: Level,
    normal: Type.Array(Count, { minItems: 1 }),
    transcendent: Type.Array(Count, { minItems: 1 }),
  }),
  planner: PlannerT,
});

export type GameDataFiles = Static<typeof GameDataFilesT>;
export type FarmingMap = Static<typeof FarmingMapT> & { readonly name: string };
export type JobData = Static<typeof JobT>;
export type Potion = Static<typeof PotionT>;
export type PlannerConstants = Static<typeof PlannerT>;

export interface GameData {
  readonly maps: readonly FarmingMap[];
  readonly jobs: ReadonlyMap<string, JobData>;
  readonly defaultJob: JobData;
  readonly potions: readonly Potion[];
  readonly expNormal: readonly number[];
  readonly expTranscendent: readonly number[];
  readonly maxLevel: number;
  readonly transcendentJobs: ReadonlySet<string>;
  readonly planner: PlannerConstants;
}

const TRANSCENDENT = [
  "lord knight", "lord_knight", "paladin", "high wizard", "high_wizard", "professor", "sniper", "clown",
  "gypsy", "high priest", "high_priest", "champion", "whitesmith", "mastersmith", "creator", "biochemist",
  "assassin cross", "assassin_cross", "stalker", "minstrel",
];

export type GameDataResult = { ok: true; data: GameData } | { ok: false; errors: string[] };

/** Validate the raw JSON files and index them; errors name the file and path. */
export function buildGameData(raw: unknown, mapTable: MapTable): GameDataResult {
  if (!Value.Check(GameDataFilesT, raw)) {
    const errors = [...Value.Errors(GameDataFilesT, raw)].slice(0, 20).map((e) => `${e.path}: ${e.message}`);
    return { ok: false, errors };
  }
  const errors: string[] = [];
  const maps: FarmingMap[] = [];
  for (const m of raw.maps.maps) {
    if (m.min_level > m.max_level) errors.push(`maps ${m.id}: min_level > max_level`);
    const entry = mapTable.get(m.id);
    if (!entry) errors.push(`maps ${m.id}: not in the shared map table`);
    else maps.push({ ...m, name: entry.name });
  }
  const jobs = new Map<string, JobData>();
  for (const job of raw.jobs.jobs) {
    for (const name of [job.name, ...job.aliases]) jobs.set(name.toLowerCase(), job);
  }
  const defaultJob = jobs.get(raw.jobs.default_job.toLowerCase());
  if (!defaultJob) errors.push(`jobs: default_job ${raw.jobs.default_job} is not listed`);
  if (!raw.potions.potions.some((p) => p.kind === "hp")) errors.push("potions: no hp potion");
  if (errors.length > 0 || !defaultJob) return { ok: false, errors };
  return {
    ok: true,
    data: {
      maps,
      jobs,
      defaultJob,
      potions: raw.potions.potions,
      expNormal: raw.baseExp.normal,
      expTranscendent: raw.baseExp.transcendent,
      maxLevel: raw.baseExp.max_level,
      transcendentJobs: new Set(TRANSCENDENT),
      planner: raw.planner,
    },
  };
}

export function findJob(data: GameData, job: string | undefined): { job: JobData; known: boolean } {
  const found = job === undefined ? undefined : data.jobs.get(job.trim().toLowerCase());
  return found ? { job: found, known: true } : { job: data.defaultJob, known: false };
}

/** Base experience needed to go from `from` to `to` (0 when to <= from). */
export function expBetween(data: GameData, jobName: string | undefined, from: number, to: number): number {
  const table = jobName && data.transcendentJobs.has(jobName.trim().toLowerCase()) ? data.expTranscendent : data.expNormal;
  let sum = 0;
  for (let level = Math.max(1, from); level < Math.min(to, data.maxLevel); level++) sum += table[level - 1] ?? 0;
  return sum;
}
