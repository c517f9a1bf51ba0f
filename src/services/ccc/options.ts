/**
 * Service options (config `services.ccc.options`), flat keys with defaults. Limits, quotas
 * and every REFERENCE §5 constant live here so operators (and tests, benches) can tune them.
 */
import { ConfigError } from '../../config.ts';

export const CCC_DEFAULTS = {
  version: '2.0.0',
  // session tokens
  tokenTtlSeconds: 86_400,
  maxTokenTtlSeconds: 30 * 86_400,
  // session preferences: defaults and bounds
  defaultRetentionDays: 30,
  maxRetentionDays: 3650,
  defaultContextDepth: 10,
  maxContextDepth: 100,
  defaultAutoSummarize: true,
  // storage
  sessionQuotaBytes: 50 * 1_048_576,
  maxTurnBytes: 262_144,
  maxDirectiveChars: 16_384,
  maxMetadataBytes: 16_384,
  maxTurnsPerRead: 1000,
  // relevance (REFERENCE §5)
  minTermLength: 3,
  contextThreshold: 0.7,
  contextDecayHours: 24,
  searchDecayHours: 720,
  maxQueryTerms: 16,
  defaultSearchResults: 10,
  maxSearchResults: 100,
  snippetChars: 160,
  keyTopics: 5,
  // background work
  /** WAL checkpoints from a thread every this many ms (0 = SQLite's inline auto-checkpoint). */
  checkpointIntervalMs: 1000,
  purgeIntervalMs: 60_000,
  /** Turns deleted per purge slice (one transaction, then a yield to the event loop). */
  purgeBatch: 100,
  exportTtlHours: 24,
  /** Turns an export formats between yields to the event loop. */
  exportPageSize: 200,
  /** Turns an export formats per second, for `estimated_completion` until a job has timed itself. */
  exportTurnsPerSec: 50_000,
  // rate limits, requests per minute per session (per client address before a session exists)
  sessionPerMinute: 10,
  conversationsPerMinute: 30,
  contextPerMinute: 50,
  chatPerMinute: 20,
  analyticsPerMinute: 5,
  /** The spec's overall cap per session across classes. */
  overallPerMinute: 100,
  /** Stage 1 /v1/chat/completions per client address; 0 = unlimited (as Stage 1 was). */
  v1PerMinute: 0,
  // chat
  defaultAgent: 'beatrice',
  maxMessages: 256,
};

export type CccOptions = typeof CCC_DEFAULTS;
type Key = keyof CccOptions;

const POSITIVE_INT: ReadonlySet<Key> = new Set<Key>([
  'tokenTtlSeconds', 'maxTokenTtlSeconds', 'defaultRetentionDays', 'maxRetentionDays', 'defaultContextDepth', 'maxContextDepth',
  'sessionQuotaBytes', 'maxTurnBytes', 'maxDirectiveChars', 'maxMetadataBytes', 'maxTurnsPerRead', 'minTermLength', 'maxQueryTerms',
  'defaultSearchResults', 'maxSearchResults', 'snippetChars', 'keyTopics', 'purgeIntervalMs', 'purgeBatch', 'exportPageSize',
  'exportTurnsPerSec', 'sessionPerMinute', 'conversationsPerMinute', 'contextPerMinute', 'chatPerMinute', 'analyticsPerMinute',
  'overallPerMinute', 'maxMessages',
]);
const NON_NEGATIVE: ReadonlySet<Key> = new Set<Key>(['checkpointIntervalMs', 'v1PerMinute', 'contextDecayHours', 'searchDecayHours', 'exportTtlHours']);
const UNIT: ReadonlySet<Key> = new Set<Key>(['contextThreshold']);

export function parseOptions(raw: Record<string, unknown>): CccOptions {
  const out: CccOptions = { ...CCC_DEFAULTS };
  const target = out as Record<Key, unknown>;
  for (const [k, v] of Object.entries(raw)) {
    const key = `services.ccc.options.${k}`;
    if (!Object.hasOwn(CCC_DEFAULTS, k)) throw new ConfigError(key, 'unknown option');
    const name = k as Key;
    const def = CCC_DEFAULTS[name];
    if (typeof v !== typeof def) throw new ConfigError(key, `expected ${typeof def}, got ${typeof v}`);
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new ConfigError(key, 'must be finite');
      if (POSITIVE_INT.has(name) && !(Number.isInteger(v) && v > 0)) throw new ConfigError(key, 'must be a positive integer');
      if (NON_NEGATIVE.has(name) && !(v >= 0)) throw new ConfigError(key, 'must be >= 0');
      if (UNIT.has(name) && !(v >= 0 && v <= 1)) throw new ConfigError(key, 'must be between 0 and 1');
    }
    target[name] = v;
  }
  if (out.defaultAgent !== 'beatrice' && out.defaultAgent !== 'codey') throw new ConfigError('services.ccc.options.defaultAgent', 'expected "beatrice" or "codey"');
  if (out.defaultRetentionDays > out.maxRetentionDays) throw new ConfigError('services.ccc.options.defaultRetentionDays', 'must not exceed maxRetentionDays');
  if (out.defaultContextDepth > out.maxContextDepth) throw new ConfigError('services.ccc.options.defaultContextDepth', 'must not exceed maxContextDepth');
  if (out.tokenTtlSeconds > out.maxTokenTtlSeconds) throw new ConfigError('services.ccc.options.tokenTtlSeconds', 'must not exceed maxTokenTtlSeconds');
  if (out.defaultSearchResults > out.maxSearchResults) throw new ConfigError('services.ccc.options.defaultSearchResults', 'must not exceed maxSearchResults');
  return out;
}
