/**
 * Configuration: defaults ← hotloop.config.json (or $HOTLOOP_CONFIG) ← environment ← CLI.
 * Every key is validated; a bad one stops startup with a message that names it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isLogLevel, type LogLevel } from './runtime/log.ts';
import type { LlmConfig } from './runtime/llm.ts';
import type { PoolOptions } from './runtime/pool.ts';
import { DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_URL_BYTES, PARSER_HEADER_CAP } from './runtime/request-limits.ts';

export const SERVICE_NAMES = ['openkore', 'aiservice', 'mall', 'kolibri', 'eventbus', 'ccc'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const DEFAULT_PORTS: Readonly<Record<ServiceName, number>> = { openkore: 9901, aiservice: 9902, mall: 5005, kolibri: 9000, eventbus: 8080, ccc: 5111 };

export interface TlsConfig {
  certFile: string;
  keyFile: string;
}

export interface ListenerConfig {
  host: string;
  port: number;
  enabled: boolean;
  tls: TlsConfig | null;
}

export interface ServiceConfig extends ListenerConfig {
  maxBodyBytes: number;
  /** Longest path + query string; longer → 414 in the service's envelope (default 8192). */
  maxUrlBytes?: number;
  /** Largest total of header names and values; larger → 431 in the envelope (default 16384). */
  maxHeaderBytes?: number;
  /** Allowed CORS origins; empty = CORS off. */
  corsOrigins: string[];
  /** Service-specific settings, validated by the service itself. */
  options: Record<string, unknown>;
}

export interface HotloopConfig {
  dataDir: string;
  logLevel: LogLevel;
  debug: boolean;
  pool: PoolOptions;
  llm: LlmConfig;
  admin: ListenerConfig;
  services: Record<ServiceName, ServiceConfig>;
}

export class ConfigError extends Error {
  constructor(readonly key: string, message: string) {
    super(`invalid config "${key}": ${message}`);
    this.name = 'ConfigError';
  }
}

export function defaultConfig(): HotloopConfig {
  const services = {} as Record<ServiceName, ServiceConfig>;
  for (const name of SERVICE_NAMES) {
    services[name] = { host: '127.0.0.1', port: DEFAULT_PORTS[name], enabled: true, tls: null, maxBodyBytes: 1_048_576, maxUrlBytes: DEFAULT_MAX_URL_BYTES, maxHeaderBytes: DEFAULT_MAX_HEADER_BYTES, corsOrigins: [], options: {} };
  }
  return {
    dataDir: './data',
    logLevel: 'info',
    debug: false,
    pool: { minThreads: 2, maxThreads: 2, maxQueue: 4096, taskTimeoutMs: 30_000, faultInjection: false },
    llm: { provider: 'local', baseUrl: 'https://api.openai.com/v1', apiKey: '', model: 'gpt-4o-mini', embeddingModel: 'text-embedding-3-small', timeoutMs: 30_000 },
    admin: { host: '127.0.0.1', port: 9090, enabled: true, tls: null },
    services,
  };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep-merges `patch` into `base`, rejecting keys `base` does not have (except under `options`). */
function merge(base: Obj, patch: unknown, path: string): void {
  if (!isObj(patch)) throw new ConfigError(path || '(root)', 'expected an object');
  for (const [k, v] of Object.entries(patch)) {
    const key = path ? `${path}.${k}` : k;
    if (k === 'options' && path.startsWith('services.')) {
      if (!isObj(v)) throw new ConfigError(key, 'expected an object');
      base[k] = { ...(base[k] as Obj), ...v };
      continue;
    }
    if (k === 'tls') {
      if (v !== null && !(isObj(v) && typeof v.certFile === 'string' && typeof v.keyFile === 'string')) throw new ConfigError(key, 'expected null or {certFile, keyFile}');
      base[k] = v;
      continue;
    }
    if (!Object.hasOwn(base, k)) throw new ConfigError(key, 'unknown key');
    const cur = base[k];
    if (isObj(cur)) merge(cur, v, key);
    else if (Array.isArray(cur)) {
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new ConfigError(key, 'expected an array of strings');
      base[k] = v;
    } else {
      if (typeof v !== typeof cur) throw new ConfigError(key, `expected ${typeof cur}, got ${Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v}`);
      base[k] = v;
    }
  }
}

function validate(cfg: HotloopConfig): void {
  if (!isLogLevel(cfg.logLevel)) throw new ConfigError('logLevel', 'expected one of debug, info, warn, error, silent');
  if (cfg.llm.provider !== 'local' && cfg.llm.provider !== 'openai') throw new ConfigError('llm.provider', 'expected "local" or "openai"');
  const port = (key: string, p: number): void => {
    if (!Number.isInteger(p) || p < 0 || p > 65535) throw new ConfigError(key, `port must be an integer 0-65535, got ${p}`);
  };
  port('admin.port', cfg.admin.port);
  for (const name of SERVICE_NAMES) {
    const s = cfg.services[name];
    port(`services.${name}.port`, s.port);
    if (!(s.maxBodyBytes > 0)) throw new ConfigError(`services.${name}.maxBodyBytes`, 'must be positive');
    for (const k of ['maxUrlBytes', 'maxHeaderBytes'] as const) {
      const v = s[k];
      if (v !== undefined && !(Number.isInteger(v) && v >= 256 && v <= PARSER_HEADER_CAP)) throw new ConfigError(`services.${name}.${k}`, `must be an integer 256-${PARSER_HEADER_CAP}, got ${v}`);
    }
  }
  const p = cfg.pool;
  if (!Number.isInteger(p.minThreads) || p.minThreads < 1) throw new ConfigError('pool.minThreads', 'must be an integer >= 1');
  if (!Number.isInteger(p.maxThreads) || p.maxThreads < p.minThreads) throw new ConfigError('pool.maxThreads', 'must be an integer >= pool.minThreads');
  if (!(p.maxQueue >= 0)) throw new ConfigError('pool.maxQueue', 'must be >= 0');
  if (!(p.taskTimeoutMs > 0)) throw new ConfigError('pool.taskTimeoutMs', 'must be positive');
}

function parseScalar(key: string, raw: string, current: unknown): Json {
  if (typeof current === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new ConfigError(key, `expected a number, got "${raw}"`);
    return n;
  }
  if (typeof current === 'boolean') {
    if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
    throw new ConfigError(key, `expected a boolean, got "${raw}"`);
  }
  if (Array.isArray(current)) return raw.split(',').map((s) => s.trim()).filter(Boolean);
  return raw;
}

/** Applies `a.b.c=value` to the config, typed after the current value. */
export function setPath(cfg: HotloopConfig, dotted: string, raw: string): void {
  const parts = dotted.split('.');
  let node: unknown = cfg;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i]!;
    if (!isObj(node) || !Object.hasOwn(node, part)) throw new ConfigError(dotted, 'unknown key');
    node = node[part];
  }
  const last = parts[parts.length - 1]!;
  if (!isObj(node)) throw new ConfigError(dotted, 'unknown key');
  const inOptions = parts.length >= 4 && parts[0] === 'services' && parts[2] === 'options';
  if (!inOptions && !Object.hasOwn(node, last)) throw new ConfigError(dotted, 'unknown key');
  let value: Json;
  if (inOptions) {
    try {
      value = JSON.parse(raw) as Json;
    } catch {
      value = raw;
    }
  } else value = parseScalar(dotted, raw, node[last]);
  const patch: Obj = {};
  let cursor = patch;
  for (let i = 0; i < parts.length - 1; i++) cursor = cursor[parts[i]!] = {};
  cursor[last] = value;
  merge(cfg as unknown as Obj, patch, '');
}

export interface CliArgs {
  configFile?: string;
  only?: string[];
  sets: [string, string][];
}

export function parseArgs(argv: readonly string[]): CliArgs {
  const out: CliArgs = { sets: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new ConfigError(flag, 'missing value');
      return v;
    };
    switch (flag) {
      case '--config': out.configFile = value(); break;
      case '--only': out.only = value().split(',').map((s) => s.trim()).filter(Boolean); break;
      case '--data-dir': out.sets.push(['dataDir', value()]); break;
      case '--log-level': out.sets.push(['logLevel', value()]); break;
      case '--debug': out.sets.push(['debug', 'true']); break;
      case '--set': {
        const kv = value();
        const eq = kv.indexOf('=');
        if (eq < 1) throw new ConfigError(kv, 'expected --set key.path=value');
        out.sets.push([kv.slice(0, eq), kv.slice(eq + 1)]);
        break;
      }
      default: throw new ConfigError(flag, 'unknown command-line flag');
    }
  }
  return out;
}

/** Environment variable → the dotted config key it sets (in this order; later wins). */
export const ENV_KEYS: ReadonlyArray<readonly [string, string]> = [
  ['HOTLOOP_DATA_DIR', 'dataDir'],
  ['HOTLOOP_LOG_LEVEL', 'logLevel'],
  ['HOTLOOP_DEBUG', 'debug'],
  // A pool of exactly N threads (setting only the maximum made 1 an error: below the default minimum of 2).
  ['HOTLOOP_POOL_THREADS', 'pool.minThreads'],
  ['HOTLOOP_POOL_THREADS', 'pool.maxThreads'],
  ['LLM_PROVIDER', 'llm.provider'],
  ['OPENAI_BASE_URL', 'llm.baseUrl'],
  ['LLM_BASE_URL', 'llm.baseUrl'],
  ['OPENAI_API_KEY', 'llm.apiKey'],
  ['LLM_API_KEY', 'llm.apiKey'],
  ['LLM_MODEL', 'llm.model'],
  ['LLM_EMBEDDING_MODEL', 'llm.embeddingModel'],
  ['HOTLOOP_ADMIN_HOST', 'admin.host'],
  ['HOTLOOP_ADMIN_PORT', 'admin.port'],
  ['HOTLOOP_ADMIN_ENABLED', 'admin.enabled'],
  ...SERVICE_NAMES.flatMap((name) => {
    const up = name.toUpperCase();
    return [
      [`HOTLOOP_${up}_HOST`, `services.${name}.host`],
      [`HOTLOOP_${up}_PORT`, `services.${name}.port`],
      [`HOTLOOP_${up}_ENABLED`, `services.${name}.enabled`],
    ] as const;
  }),
];

/** HOTLOOP_* variables read elsewhere than ENV_KEYS (the config file and --only). */
const OTHER_HOTLOOP_ENV = ['HOTLOOP_CONFIG', 'HOTLOOP_ONLY'];

/** The environment variable that sets `key`, for messages ("set HOTLOOP_ADMIN_PORT"). */
export function envNameFor(key: string): string | undefined {
  return ENV_KEYS.find(([, k]) => k === key)?.[0];
}

/** Environment variables → dotted config keys; an unknown HOTLOOP_* variable is an error, like an unknown config key. */
function envSets(env: Record<string, string | undefined>): [string, string][] {
  const known = new Set([...ENV_KEYS.map(([n]) => n), ...OTHER_HOTLOOP_ENV]);
  for (const name of Object.keys(env)) {
    if (name.startsWith('HOTLOOP_') && !known.has(name)) {
      const close = [...known].filter((k) => k.split('_').slice(0, 2).join('_') === name.split('_').slice(0, 2).join('_'));
      throw new ConfigError(name, `unknown environment variable${close.length > 0 ? ` (did you mean ${close.join(', ')}?)` : ''}; see the README's environment table`);
    }
  }
  const sets: [string, string][] = [];
  for (const [name, key] of ENV_KEYS) {
    const v = env[name];
    if (v !== undefined && v !== '') sets.push([key, v]);
  }
  return sets;
}

export function loadConfig(argv: readonly string[] = process.argv.slice(2), env: Record<string, string | undefined> = process.env, cwd = process.cwd()): HotloopConfig {
  const args = parseArgs(argv);
  const cfg = defaultConfig();
  const explicit = args.configFile ?? (env.HOTLOOP_CONFIG || undefined);
  const file = resolve(cwd, explicit ?? 'hotloop.config.json');
  if (existsSync(file)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ConfigError(file, `not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    merge(cfg as unknown as Obj, parsed, '');
  } else if (explicit) throw new ConfigError(explicit, 'config file not found');
  for (const [k, v] of envSets(env)) setPath(cfg, k, v);
  for (const [k, v] of args.sets) setPath(cfg, k, v);
  const only = args.only ?? (env.HOTLOOP_ONLY ? env.HOTLOOP_ONLY.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
  if (only) {
    for (const n of only) if (!(SERVICE_NAMES as readonly string[]).includes(n)) throw new ConfigError('--only', `unknown service "${n}" (known: ${SERVICE_NAMES.join(', ')})`);
    for (const n of SERVICE_NAMES) cfg.services[n].enabled = only.includes(n);
  }
  cfg.dataDir = resolve(cwd, cfg.dataDir);
  validate(cfg);
  return cfg;
}
