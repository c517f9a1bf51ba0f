// Service options (config `services.openkore.options`), validated with exact messages.
import { ConfigError } from "../../config.ts";

export interface OpenkoreOptions {
  config_dir: string | undefined;
  max_sessions: number;
  rate_limit_per_second: number;
  queue_depth: number;
  max_in_flight: number;
  start_timeout_ms: number;
  request_timeout_ms: number;
  seed: number;
  retrain_every: number;
  training_window: number;
  llm_without_ai_service: boolean;
  ai_probe_ms: number;
  ai_probe_timeout_ms: number;
  llm_estimate_seconds: number;
  macro_estimate_seconds: number;
  session_ttl_seconds: number;
  task_ttl_seconds: number;
  max_running_tasks: number;
  outcome_log_max_rows: number;
  max_chat_senders: number;
}

export const DEFAULT_OPTIONS: OpenkoreOptions = {
  config_dir: undefined,
  max_sessions: 4096,
  rate_limit_per_second: 100,
  queue_depth: 1000,
  max_in_flight: 100,
  start_timeout_ms: 5000,
  request_timeout_ms: 30_000,
  seed: 1,
  retrain_every: 20,
  training_window: 5000,
  llm_without_ai_service: false,
  ai_probe_ms: 5000,
  ai_probe_timeout_ms: 1000,
  llm_estimate_seconds: 30,
  macro_estimate_seconds: 60,
  session_ttl_seconds: 3600,
  task_ttl_seconds: 86_400,
  max_running_tasks: 64,
  outcome_log_max_rows: 100_000,
  max_chat_senders: 10_000,
};

/** Options that must be whole numbers of at least 1. */
const POSITIVE_INTEGERS = ["max_sessions", "max_running_tasks", "outcome_log_max_rows", "max_chat_senders", "training_window", "ai_probe_timeout_ms"] as const;

export function readOptions(raw: Record<string, unknown>): OpenkoreOptions {
  const o: OpenkoreOptions = { ...DEFAULT_OPTIONS };
  const key = (k: string): string => `services.openkore.options.${k}`;
  for (const [k, v] of Object.entries(raw)) {
    if (!(k in DEFAULT_OPTIONS)) throw new ConfigError(key(k), `unknown option; known: ${Object.keys(DEFAULT_OPTIONS).join(", ")}`);
    if (k === "config_dir") {
      if (typeof v !== "string" || v === "") throw new ConfigError(key(k), "must be a non-empty path");
      o.config_dir = v;
    } else if (k === "llm_without_ai_service") {
      if (typeof v !== "boolean") throw new ConfigError(key(k), "must be true or false");
      o.llm_without_ai_service = v;
    } else {
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new ConfigError(key(k), "must be a non-negative number");
      (o as unknown as Record<string, number>)[k] = v;
    }
  }
  for (const k of POSITIVE_INTEGERS) if (!Number.isInteger(o[k]) || o[k] < 1) throw new ConfigError(key(k), "must be an integer of at least 1");
  if (o.rate_limit_per_second <= 0) throw new ConfigError(key("rate_limit_per_second"), "must be positive");
  if (o.session_ttl_seconds <= 0) throw new ConfigError(key("session_ttl_seconds"), "must be positive");
  if (o.task_ttl_seconds <= 0) throw new ConfigError(key("task_ttl_seconds"), "must be positive");
  if (o.outcome_log_max_rows < o.training_window) throw new ConfigError(key("outcome_log_max_rows"), `must be at least training_window (${o.training_window})`);
  return o;
}
