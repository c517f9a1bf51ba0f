/**
 * Component options (`services.eventbus.options.<component>`): each component has a
 * defaults object; keys must exist there and keep their type. Durations (keys ending
 * in `Ms`) also accept "5s"/"200ms"/"1h"; a bad value stops start-up naming the key.
 */
import { ConfigError } from '../../../config.ts';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function duration(key: string, v: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(v);
  if (!m) throw new ConfigError(key, `expected a duration such as "5s" or 5000, got "${v}"`);
  return Math.round(Number(m[1]) * UNITS[m[2] ?? 'ms']!);
}

export function readOptions<T extends object>(prefix: string, raw: unknown, defaults: T): T {
  if (raw === undefined || raw === null) return structuredClone(defaults);
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(prefix, 'expected an object');
  const out = structuredClone(defaults) as Record<string, unknown>;
  const defs = defaults as Record<string, unknown>;
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    const key = `${prefix}.${k}`;
    if (!Object.hasOwn(defs, k)) throw new ConfigError(key, `unknown option (known: ${Object.keys(defs).join(', ')})`);
    const def = defs[k];
    if (typeof def === 'number') {
      const n = typeof v === 'string' ? (k.endsWith('Ms') ? duration(key, v) : Number(v)) : v;
      if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw new ConfigError(key, 'expected a non-negative number');
      out[k] = n;
    } else if (typeof def === 'boolean') {
      if (typeof v === 'boolean') out[k] = v;
      else if (v === 'true' || v === 'false') out[k] = v === 'true';
      else throw new ConfigError(key, 'expected a boolean');
    } else if (typeof def === 'string') {
      if (typeof v !== 'string') throw new ConfigError(key, 'expected a string');
      out[k] = v;
    } else if (Array.isArray(def)) {
      if (!Array.isArray(v)) throw new ConfigError(key, 'expected an array');
      out[k] = v;
    } else {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(key, 'expected an object');
      out[k] = { ...(def as object), ...(v as object) };
    }
  }
  return out as T;
}
