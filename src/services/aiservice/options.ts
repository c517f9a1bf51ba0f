// Service options (config `services.aiservice.options`), defaults and validation.

import { ConfigError } from "../../config.ts";

export interface AiServiceOptions {
  /** "local": deterministic feature hashing; "llm": the configured provider's embeddings endpoint. */
  embedding_provider: "local" | "llm";
  /** Embedding length; must equal the remote model's when embedding_provider is "llm". */
  embedding_dim: number;
  importance_weight: number;
  recency_weight: number;
  recency_half_life_hours: number;
  /** Searches costing more than this (stored values read + rows ranked, ~1 ns each) run in the pool, split in `search_slices`. */
  pool_search_threshold: number;
  search_slices: number;
  max_event_bytes: number;
  /** Memories held in all (each costs embedding_dim × 4 bytes of memory); past it stores are refused. */
  max_memories: number;
  /** Sessions with memories; past it a new session's first store is refused. */
  max_memory_sessions: number;
  /** Crew task records kept in SQLite (newest first). */
  crew_tasks_retain: number;
  default_timeout_seconds: number;
  max_timeout_seconds: number;
  /** "auto": use the LLM provider for crew tasks when one other than local is configured. */
  crew_llm: "auto" | "off";
  backup_interval_minutes: number;
  backup_retain: number;
  /** WAL checkpoints on the maintenance thread every N seconds; 0 keeps SQLite's inline auto-checkpoint. */
  checkpoint_interval_seconds: number;
  /** Require `Authorization: Bearer $OPENKORE_AI_TOKEN` on every route. */
  require_token: boolean;
  /** Folder of farming-maps.json, jobs.json, potions.json, base-exp.json, planner.json. */
  game_data_dir: string;
}

export const DEFAULT_OPTIONS: AiServiceOptions = {
  embedding_provider: "local",
  embedding_dim: 256,
  importance_weight: 0.2,
  recency_weight: 0.1,
  recency_half_life_hours: 24,
  pool_search_threshold: 1_000_000,
  search_slices: 2,
  max_event_bytes: 16_384,
  max_memories: 1_000_000,
  max_memory_sessions: 10_000,
  crew_tasks_retain: 10_000,
  default_timeout_seconds: 120,
  max_timeout_seconds: 600,
  crew_llm: "auto",
  backup_interval_minutes: 60,
  backup_retain: 24,
  checkpoint_interval_seconds: 2,
  require_token: false,
  game_data_dir: new URL("../../../config/aiservice/", import.meta.url).pathname,
};

type Check = (v: unknown) => string | null;

const num = (min: number, max: number, integer = false): Check => (v) =>
  typeof v !== "number" || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))
    ? `expected ${integer ? "an integer" : "a number"} in ${min}..${max}`
    : null;
const oneOf = (...values: string[]): Check => (v) => (typeof v === "string" && values.includes(v) ? null : `expected one of ${values.join(", ")}`);
const bool: Check = (v) => (typeof v === "boolean" ? null : "expected a boolean");
const text: Check = (v) => (typeof v === "string" && v.length > 0 ? null : "expected a non-empty string");

const CHECKS: Record<keyof AiServiceOptions, Check> = {
  embedding_provider: oneOf("local", "llm"),
  embedding_dim: num(8, 8192, true),
  importance_weight: num(0, 1),
  recency_weight: num(0, 1),
  recency_half_life_hours: num(0.001, 1e6),
  pool_search_threshold: num(0, 1e12),
  search_slices: num(1, 64, true),
  max_event_bytes: num(64, 1 << 24, true),
  max_memories: num(1, 1e9, true),
  max_memory_sessions: num(1, 1e7, true),
  crew_tasks_retain: num(1000, 1e9, true),
  default_timeout_seconds: num(0.001, 3600),
  max_timeout_seconds: num(0.001, 3600),
  crew_llm: oneOf("auto", "off"),
  backup_interval_minutes: num(0.001, 1e6),
  backup_retain: num(1, 10_000, true),
  checkpoint_interval_seconds: num(0, 3600),
  require_token: bool,
  game_data_dir: text,
};

export function parseOptions(raw: Record<string, unknown>): AiServiceOptions {
  const out: Record<string, unknown> = { ...DEFAULT_OPTIONS };
  for (const [key, value] of Object.entries(raw)) {
    if (!Object.hasOwn(CHECKS, key)) throw new ConfigError(`services.aiservice.options.${key}`, "unknown option");
    const problem = CHECKS[key as keyof AiServiceOptions](value);
    if (problem) throw new ConfigError(`services.aiservice.options.${key}`, problem);
    out[key] = value;
  }
  const opts = out as unknown as AiServiceOptions;
  if (opts.importance_weight + opts.recency_weight > 1) {
    throw new ConfigError("services.aiservice.options.importance_weight", "importance_weight + recency_weight must be <= 1");
  }
  if (opts.default_timeout_seconds > opts.max_timeout_seconds) {
    throw new ConfigError("services.aiservice.options.default_timeout_seconds", "must be <= max_timeout_seconds");
  }
  return opts;
}
