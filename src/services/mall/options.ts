// Service options (config `services.mall.options`), with defaults.
import { ConfigError } from "../../config.ts";

export interface MallOptions {
  /** config_path used when /init names none. */
  defaultConfigPath: string;
  /** Worlds with at least this many zones tick in the worker pool (see README figures). */
  poolMinZones: number;
  /** Zone ranges a pooled tick is split into (one pool task each); 0 = one per pool thread but one (at least one). */
  zoneSlices: number;
  tickTimeoutMs: number;
  /** Ticks between full state snapshots; the ticks in between are journaled and replayed. */
  snapshotEvery: number;
  /** At most this long after a tick, a snapshot covers it (its history rows reach SQLite). */
  snapshotSeconds: number;
}

export const DEFAULT_OPTIONS: MallOptions = { defaultConfigPath: "config", poolMinZones: 500, zoneSlices: 0, tickTimeoutMs: 5000, snapshotEvery: 1000, snapshotSeconds: 5 };

export function parseOptions(raw: Record<string, unknown>): MallOptions {
  const out = { ...DEFAULT_OPTIONS };
  for (const [k, v] of Object.entries(raw)) {
    const key = `services.mall.options.${k}`;
    if (k === "defaultConfigPath") {
      if (typeof v !== "string" || v === "") throw new ConfigError(key, "must be a non-empty string");
      out.defaultConfigPath = v;
    } else if (k === "zoneSlices") {
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 64) throw new ConfigError(key, "must be an integer 0-64 (0: one per pool thread)");
      out.zoneSlices = v;
    } else if (k === "poolMinZones" || k === "tickTimeoutMs" || k === "snapshotEvery" || k === "snapshotSeconds") {
      if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw new ConfigError(key, "must be a positive integer");
      out[k] = v;
    } else {
      throw new ConfigError(key, "unknown option");
    }
  }
  return out;
}
