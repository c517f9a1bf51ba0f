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
  llm_estimate_seconds: number;
  macro_estimate_seconds: number;
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
  llm_estimate_seconds: 30,
  macro_estimate_seconds: 60,
};

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
  if (o.max_sessions < 1) throw new ConfigError(key("max_sessions"), "must be at least 1");
  if (o.rate_limit_per_second <= 0) throw new ConfigError(key("rate_limit_per_second"), "must be positive");
  return o;
}
