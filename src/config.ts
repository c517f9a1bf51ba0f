/**
 * Configuration: defaults ← hotloop.config.json (or $HOTLOOP_CONFIG) ← environment ← CLI.
 * Every key is validated; a bad one stops startup with a message that names it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isLogLevel, type LogLevel } from './runtime/log.ts';
import type { LlmConfig } from './runtime/llm.ts';
import type { PoolOptions } from './runtime/pool.ts';

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
    services[name] = { host: '127.0.0.1', port: DEFAULT_PORTS[name], enabled: true, tls: null, maxBodyBytes: 1_048_576, corsOrigins: [], options: {} };
  }
  return {
    dataDir: './data',
    logLevel: 'info',
    debug: false,
    pool: { minThreads: 2, maxThreads: 2, maxQueue: 4096, taskTimeoutMs: 30_000 },
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

/** Environment variables → dotted config keys. */
function envSets(env: Record<string, string | undefined>): [string, string][] {
  const sets: [string, string][] = [];
  const add = (name: string, key: string): void => {
    const v = env[name];
    if (v !== undefined && v !== '') sets.push([key, v]);
  };
  add('HOTLOOP_DATA_DIR', 'dataDir');
  add('HOTLOOP_LOG_LEVEL', 'logLevel');
  add('HOTLOOP_DEBUG', 'debug');
  add('HOTLOOP_POOL_THREADS', 'pool.maxThreads');
  add('LLM_PROVIDER', 'llm.provider');
  add('OPENAI_BASE_URL', 'llm.baseUrl');
  add('LLM_BASE_URL', 'llm.baseUrl');
  add('OPENAI_API_KEY', 'llm.apiKey');
  add('LLM_API_KEY', 'llm.apiKey');
  add('LLM_MODEL', 'llm.model');
  add('LLM_EMBEDDING_MODEL', 'llm.embeddingModel');
  add('HOTLOOP_ADMIN_PORT', 'admin.port');
  for (const name of SERVICE_NAMES) {
    const up = name.toUpperCase();
    add(`HOTLOOP_${up}_HOST`, `services.${name}.host`);
    add(`HOTLOOP_${up}_PORT`, `services.${name}.port`);
    add(`HOTLOOP_${up}_ENABLED`, `services.${name}.enabled`);
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
