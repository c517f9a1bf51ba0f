/**
 * Service options (config `services.kolibri.options`), flat keys with defaults.
 * Every constant of REFERENCE §3 lives here so operators can tune it.
 */
import { ConfigError } from "../../config.ts";

export const KOLIBRI_DEFAULTS = {
  version: "1.0.0",
  /** Reported by /health; this server runs standalone. */
  peers: 0,
  // Δ-VM
  gasLimit: 2048,
  maxGasLimit: 10_000_000,
  maxStack: 128,
  maxCallDepth: 32,
  traceDepth: 64,
  seed: 42,
  maxProgramBytes: 4096,
  /** Instructions run inline before a run moves to the pool (see README for the figure). */
  inlineSteps: 5_000,
  /** Steps per event-loop slice for F-KV programs, which must run next to the trie. */
  sliceSteps: 20_000,
  vmTimeoutMs: 10_000,
  // F-KV
  topK: 4,
  fkvDefaultLimit: 32,
  fkvMaxLimit: 1000,
  dialogKeyPrefix: "1",
  programKeyPrefix: "2",
  // scoring
  poeEfficiency: 0.5,
  poeCompactness: 0.4,
  poeLenScale: 64,
  poeMagnitude: 0.1,
  poeMagnitudeScale: 8,
  mdlPenalty: 0.01,
  // chain
  chainEnabled: true,
  difficulty: 3,
  poeThreshold: 0.8,
  /** Nonces tried per pool task; mining loops over tasks until a hash qualifies. */
  mineBatch: 2_000_000,
  mineTimeoutMs: 60_000,
  // per-IP limits per minute
  dialogPerMinute: 60,
  programPerMinute: 30,
  chainPerMinute: 10,
  replayCacheMax: 100_000,
  /** WRITE_FKV per run: one request cannot write the store full (each write is a SQLite row). */
  maxFkvWritesPerRun: 1000,
  /** F-KV entries VM writes may create in total (dialog answers and programs are rate-limited instead). */
  maxFkvEntries: 1_000_000,
};

export type KolibriOptions = typeof KOLIBRI_DEFAULTS;
type Key = keyof KolibriOptions;

const POSITIVE_INT: ReadonlySet<Key> = new Set<Key>([
  "gasLimit", "maxGasLimit", "maxStack", "maxCallDepth", "maxProgramBytes", "inlineSteps", "sliceSteps",
  "vmTimeoutMs", "topK", "fkvDefaultLimit", "fkvMaxLimit", "mineBatch", "mineTimeoutMs", "dialogPerMinute",
  "programPerMinute", "chainPerMinute", "replayCacheMax", "poeLenScale", "poeMagnitudeScale", "maxFkvWritesPerRun", "maxFkvEntries",
]);
const NON_NEGATIVE_INT: ReadonlySet<Key> = new Set<Key>(["peers", "traceDepth", "seed", "difficulty"]);

export function parseOptions(raw: Record<string, unknown>): KolibriOptions {
  const out: KolibriOptions = { ...KOLIBRI_DEFAULTS };
  const target = out as Record<Key, unknown>;
  for (const [k, v] of Object.entries(raw)) {
    const key = `services.kolibri.options.${k}`;
    if (!Object.hasOwn(KOLIBRI_DEFAULTS, k)) throw new ConfigError(key, "unknown option");
    const name = k as Key;
    const def = KOLIBRI_DEFAULTS[name];
    if (typeof v !== typeof def) throw new ConfigError(key, `expected ${typeof def}, got ${typeof v}`);
    if (typeof v === "number") {
      if (!Number.isFinite(v)) throw new ConfigError(key, "must be finite");
      if (POSITIVE_INT.has(name) && !(Number.isInteger(v) && v > 0)) throw new ConfigError(key, "must be a positive integer");
      if (NON_NEGATIVE_INT.has(name) && !(Number.isInteger(v) && v >= 0)) throw new ConfigError(key, "must be a non-negative integer");
    }
    target[name] = v;
  }
  if (out.difficulty > 64) throw new ConfigError("services.kolibri.options.difficulty", "at most 64 hex digits");
  if (out.gasLimit > out.maxGasLimit) throw new ConfigError("services.kolibri.options.gasLimit", "must not exceed maxGasLimit");
  for (const p of ["dialogKeyPrefix", "programKeyPrefix"] as const) {
    if (!/^\d{1,16}$/.test(out[p])) throw new ConfigError(`services.kolibri.options.${p}`, "must be 1-16 decimal digits");
  }
  return out;
}
