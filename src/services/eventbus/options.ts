/**
 * Options (config `services.eventbus.options`) with the spec's defaults
 * (jimbot-event-bus.md "configuration" and "Configuration Management"). Environment:
 * EVENT_BUS_URL (gRPC listen address), EVENT_BUS_TOPIC_PREFIX, EVENT_BUS_MAX_MESSAGE_SIZE,
 * EVENT_BUS_RETENTION_PERIOD, EVENT_BUS_PARTITIONS. Sizes accept "10MB"/"512KB" or bytes;
 * durations "7d"/"15m"/"30s"/"250ms" or milliseconds.
 */
import { ConfigError } from '../../config.ts';
import { DEFAULT_TOPICS, EVENT_TYPES, type EventTypeName } from './engine/types.ts';
import { checkTopic } from './engine/topics.ts';

/** Command types the mod's poller understands (REFERENCE §4). */
export const DEFAULT_COMMAND_TYPES = [
  'start_new_run', 'select_deck', 'select_stake', 'navigate_menu', 'play_hand', 'discard', 'sort_hand', 'select_card',
  'buy_joker', 'buy_booster', 'buy_voucher', 'sell_joker', 'reroll_shop', 'skip_shop', 'select_small_blind',
  'select_big_blind', 'select_boss_blind', 'skip_blind', 'go_to_shop',
];

export type LogBackend = 'sqlite' | 'nats';

export interface EventBusOptions {
  /** Where the log lives: the embedded SQLite file, or a NATS JetStream stream shared by every node. */
  backend: LogBackend;
  /** NATS server URLs (comma-separated for a cluster); env NATS_URL. */
  natsUrl: string;
  /** JetStream stream name; '' = the topic prefix in upper case. */
  natsStream: string;
  /** How long a publish waits for its PubAck before the request is answered 503. */
  natsAckTimeout: number;
  /** Wait between reconnect attempts while NATS is unreachable. */
  natsReconnectWait: number;
  topicPrefix: string;
  grpcEnabled: boolean;
  grpcHost: string;
  grpcPort: number;
  /** max_message_size: the largest canonical event. */
  maxMessageSize: number;
  /** Request body limit of the batch route. */
  maxBatchBytes: number;
  maxBatchEvents: number;
  retentionPeriod: number;
  sweepInterval: number;
  partitions: number;
  replicationFactor: number;
  /** fsync every commit (synchronous=FULL): survives power loss, not only a killed process. */
  fsync: boolean;
  /** Commit on a thread of its own (always with fsync); otherwise commits run on the event loop. */
  writerThread: boolean;
  /** Disk budget of the log; 0 = none. Appends past it get 503 STORAGE_FULL. */
  maxStorageBytes: number;
  cacheSize: number;
  dedupeWindow: number;
  dedupeMaxEntries: number;
  maxPendingBytes: number;
  maxGroupBytes: number;
  /** Time-bounded history reads are narrowed by receive time: an event stamped more than this ahead of its arrival... */
  clockSkew: number;
  /** ...or arriving more than this after its timestamp is not found by from/to (it is by sequence, topic and game). */
  lateness: number;
  historyDefaultLimit: number;
  historyMaxLimit: number;
  historyMaxScan: number;
  maxPatterns: number;
  /** A WebSocket subscriber with more unread bytes than this is lagging. */
  subscriberBufferBytes: number;
  replayPageSize: number;
  lagCheckInterval: number;
  /** Frames carry at most this many JSON bytes; bigger commits go out in several. */
  maxFrameBytes: number;
  commandTypes: string[];
  maxCommandsPerPoll: number;
  maxQueuedCommands: number;
  maxCommandsPerRequest: number;
  maxCommandLength: number;
  /** A game counts as active for this long after its last event (events naming no game go to the only active one). */
  gameActiveWindow: number;
  /** Dead letters keep at most this much of an original that was over max_message_size. */
  deadLetterMaxOriginalBytes: number;
  /** Type name → topic, overriding the defaults (`{subtype:default}` allowed). */
  topics: Partial<Record<EventTypeName, string>>;
}

export const EVENTBUS_DEFAULTS: EventBusOptions = {
  backend: 'sqlite',
  natsUrl: 'nats://127.0.0.1:4222',
  natsStream: '',
  natsAckTimeout: 5000,
  natsReconnectWait: 250,
  topicPrefix: 'jimbot',
  grpcEnabled: true,
  grpcHost: '127.0.0.1',
  grpcPort: 50051,
  maxMessageSize: 10 * 1_048_576,
  maxBatchBytes: 32 * 1_048_576,
  maxBatchEvents: 10_000,
  retentionPeriod: 7 * 86_400_000,
  sweepInterval: 60_000,
  partitions: 8,
  replicationFactor: 1,
  fsync: false,
  writerThread: false,
  maxStorageBytes: 0,
  cacheSize: 64 * 1_048_576,
  dedupeWindow: 15 * 60_000,
  dedupeMaxEntries: 1_000_000,
  maxPendingBytes: 256 * 1_048_576,
  maxGroupBytes: 8 * 1_048_576,
  clockSkew: 60 * 60_000,
  lateness: 24 * 60 * 60_000,
  historyDefaultLimit: 100,
  historyMaxLimit: 1000,
  historyMaxScan: 100_000,
  maxPatterns: 64,
  subscriberBufferBytes: 1_048_576,
  replayPageSize: 500,
  lagCheckInterval: 50,
  maxFrameBytes: 1_048_576,
  commandTypes: DEFAULT_COMMAND_TYPES,
  maxCommandsPerPoll: 50,
  maxQueuedCommands: 1000,
  maxCommandsPerRequest: 100,
  maxCommandLength: 256,
  gameActiveWindow: 30_000,
  deadLetterMaxOriginalBytes: 65_536,
  topics: {},
};

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, k: 1024, mb: 1_048_576, m: 1_048_576, gb: 1_073_741_824, g: 1_073_741_824 };
const TIME_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function parseUnit(key: string, v: unknown, units: Record<string, number>, what: string): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) throw new ConfigError(key, `${what} must be a non-negative number`);
    return v;
  }
  if (typeof v === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(v);
    const unit = m ? (m[2] ?? '').toLowerCase() : '';
    if (m && (unit === '' || units[unit] !== undefined)) return Math.round(Number(m[1]) * (unit === '' ? 1 : units[unit]!));
  }
  throw new ConfigError(key, `expected a ${what} such as ${what === 'size' ? '"10MB" or 1048576' : '"7d", "30s" or 60000'}, got ${JSON.stringify(v)}`);
}

const SIZES: ReadonlySet<string> = new Set(['maxMessageSize', 'maxBatchBytes', 'maxStorageBytes', 'cacheSize', 'maxPendingBytes', 'maxGroupBytes', 'subscriberBufferBytes', 'maxFrameBytes', 'deadLetterMaxOriginalBytes']);
const DURATIONS: ReadonlySet<string> = new Set(['natsAckTimeout', 'natsReconnectWait', 'retentionPeriod', 'sweepInterval', 'dedupeWindow', 'clockSkew', 'lateness', 'lagCheckInterval', 'gameActiveWindow']);
const POSITIVE_INTS: ReadonlySet<string> = new Set(['maxBatchEvents', 'partitions', 'dedupeMaxEntries', 'historyDefaultLimit', 'historyMaxLimit', 'historyMaxScan', 'maxPatterns', 'replayPageSize', 'maxCommandsPerPoll', 'maxQueuedCommands', 'maxCommandsPerRequest', 'maxCommandLength']);

/** `grpc://host:port` (the spec's EVENT_BUS_URL form) or `host:port`. */
export function parseGrpcUrl(key: string, raw: string): { host: string; port: number } {
  const m = /^(?:grpc:\/\/)?(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(raw.trim());
  if (!m) throw new ConfigError(key, `expected grpc://host:port, got "${raw}"`);
  const port = Number(m[2]);
  if (port > 65535) throw new ConfigError(key, `port must be 0-65535, got ${port}`);
  // The spec binds localhost only; "localhost" means the IPv4 loopback here.
  const host = m[1] === 'localhost' ? '127.0.0.1' : m[1]!.replace(/^\[|\]$/g, '');
  return { host, port };
}

export function parseOptions(raw: Record<string, unknown>, env: Readonly<Record<string, string | undefined>>): EventBusOptions {
  const out: EventBusOptions = { ...EVENTBUS_DEFAULTS, commandTypes: [...DEFAULT_COMMAND_TYPES], topics: {} };
  const target = out as unknown as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...raw };
  const fromEnv = (name: string, key: string): void => {
    const v = env[name];
    if (v !== undefined && v !== '') merged[key] = v;
  };
  fromEnv('EVENT_BUS_TOPIC_PREFIX', 'topicPrefix');
  fromEnv('EVENT_BUS_MAX_MESSAGE_SIZE', 'maxMessageSize');
  fromEnv('EVENT_BUS_RETENTION_PERIOD', 'retentionPeriod');
  fromEnv('EVENT_BUS_PARTITIONS', 'partitions');
  fromEnv('EVENT_BUS_BACKEND', 'backend');
  fromEnv('NATS_URL', 'natsUrl');
  if (env.EVENT_BUS_URL) merged.grpcUrl = env.EVENT_BUS_URL;

  for (const [k, v] of Object.entries(merged)) {
    const key = `services.eventbus.options.${k}`;
    if (k === 'grpcUrl') {
      if (typeof v !== 'string') throw new ConfigError(key, 'expected a string');
      const { host, port } = parseGrpcUrl(key, v);
      out.grpcHost = host;
      out.grpcPort = port;
      continue;
    }
    if (!Object.hasOwn(EVENTBUS_DEFAULTS, k)) throw new ConfigError(key, 'unknown option');
    if (SIZES.has(k)) target[k] = parseUnit(key, v, SIZE_UNITS, 'size');
    else if (DURATIONS.has(k)) target[k] = parseUnit(key, v, TIME_UNITS, 'duration');
    else if (POSITIVE_INTS.has(k)) {
      const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new ConfigError(key, 'must be a positive integer');
      target[k] = n;
    } else if (k === 'commandTypes') {
      if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string' && /^[a-z][a-z0-9_]*$/.test(x))) throw new ConfigError(key, 'expected a non-empty array of lower_snake_case names');
      out.commandTypes = v as string[];
    } else if (k === 'topics') {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(key, 'expected an object of type name → topic');
      for (const [t, topic] of Object.entries(v)) {
        if (!Object.hasOwn(EVENT_TYPES, t)) throw new ConfigError(`${key}.${t}`, `unknown event type (known: ${Object.keys(DEFAULT_TOPICS).join(', ')})`);
        if (typeof topic !== 'string' || !checkTopic(topic.replace(/\{subtype:([A-Za-z0-9_-]+)\}/, '$1')).ok) throw new ConfigError(`${key}.${t}`, 'expected a topic such as "game.state.update"');
        out.topics[t as EventTypeName] = topic;
      }
    } else {
      const def = (EVENTBUS_DEFAULTS as unknown as Record<string, unknown>)[k];
      const val = typeof def === 'number' && typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
      if (typeof val !== typeof def) throw new ConfigError(key, `expected ${typeof def}, got ${typeof v}`);
      target[k] = val;
    }
  }
  const opt = (k: string): string => `services.eventbus.options.${k}`;
  if (out.topicPrefix !== '' && !checkTopic(out.topicPrefix).ok) throw new ConfigError(opt('topicPrefix'), 'must be a topic segment such as "jimbot"');
  if (!Number.isInteger(out.grpcPort) || out.grpcPort < 0 || out.grpcPort > 65535) throw new ConfigError(opt('grpcPort'), 'must be an integer 0-65535');
  if (out.backend !== 'sqlite' && out.backend !== 'nats') throw new ConfigError(opt('backend'), `expected "sqlite" or "nats", got ${JSON.stringify(out.backend)}`);
  if (out.backend === 'sqlite' && out.replicationFactor !== 1) throw new ConfigError(opt('replicationFactor'), 'the embedded SQLite log is single-node: replication_factor must be 1 (use backend "nats" for replicas)');
  if (!Number.isInteger(out.replicationFactor) || out.replicationFactor < 1 || out.replicationFactor > 5) throw new ConfigError(opt('replicationFactor'), 'JetStream replicas must be 1-5');
  if (out.backend === 'nats') {
    if (out.topicPrefix === '') throw new ConfigError(opt('topicPrefix'), 'the NATS backend needs a prefix: subjects are <prefix>.<topic>');
    if (!/^[A-Za-z0-9_-]*$/.test(out.natsStream)) throw new ConfigError(opt('natsStream'), 'a stream name may hold letters, digits, "_" and "-"');
    for (const u of out.natsUrl.split(',')) if (!/^(nats|tls|ws|wss):\/\/[^\s]+$|^[^\s:/]+:\d+$/.test(u.trim())) throw new ConfigError(opt('natsUrl'), `expected nats://host:port (comma-separated for a cluster), got "${u.trim()}"`);
  }
  if (out.partitions > 1024) throw new ConfigError(opt('partitions'), 'at most 1024');
  if (out.historyDefaultLimit > out.historyMaxLimit) throw new ConfigError(opt('historyDefaultLimit'), 'must not exceed historyMaxLimit');
  if (out.maxMessageSize < 1024) throw new ConfigError(opt('maxMessageSize'), 'must be at least 1KB');
  if (out.maxBatchBytes < out.maxMessageSize) throw new ConfigError(opt('maxBatchBytes'), 'must be at least maxMessageSize');
  if (out.retentionPeriod < 1000) throw new ConfigError(opt('retentionPeriod'), 'must be at least 1s');
  return out;
}
