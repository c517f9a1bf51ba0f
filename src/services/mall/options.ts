// Service options (config `services.mall.options`), with defaults.
import { ConfigError } from "../../config.ts";

export interface MallOptions {
  /** config_path used when /init names none. */
  defaultConfigPath: string;
  /** Worlds with at least this many zones tick in the worker pool (see README figures). */
  poolMinZones: number;
  tickTimeoutMs: number;
  /** Ticks between full state snapshots; the ticks in between are journaled and replayed. */
  snapshotEvery: number;
}

export const DEFAULT_OPTIONS: MallOptions = { defaultConfigPath: "config", poolMinZones: 1500, tickTimeoutMs: 5000, snapshotEvery: 1000 };

export function parseOptions(raw: Record<string, unknown>): MallOptions {
  const out = { ...DEFAULT_OPTIONS };
  for (const [k, v] of Object.entries(raw)) {
    const key = `services.mall.options.${k}`;
    if (k === "defaultConfigPath") {
      if (typeof v !== "string" || v === "") throw new ConfigError(key, "must be a non-empty string");
      out.defaultConfigPath = v;
    } else if (k === "poolMinZones" || k === "tickTimeoutMs" || k === "snapshotEvery") {
      if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw new ConfigError(key, "must be a positive integer");
      out[k] = v;
    } else {
      throw new ConfigError(key, "unknown option");
    }
  }
  return out;
}
