/**
 * The JetStream stream behind the NATS log: connect, then find the stream or create it.
 * A stream that exists with settings this log cannot work with (other subjects, memory
 * storage, another retention policy or replica count) stops start-up with a message that
 * names the setting; the limits an operator may tune (max_age, max_msg_size,
 * duplicate_window) are brought to the configured values.
 */
import { DiscardPolicy, jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig, type StreamInfo } from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';

export interface NatsStreamOptions {
  servers: string[];
  stream: string;
  prefix: string;
  retentionMs: number;
  maxMessageSize: number;
  replicas: number;
  dedupeWindowMs: number;
  reconnectWaitMs: number;
  /** Connection name shown by the server (`nats server report connections`). */
  name: string;
}

/** Headers and subject add a little to each record; the stream limit leaves room for them. */
export const HEADER_ROOM = 4096;

export function desiredConfig(o: NatsStreamOptions): Partial<StreamConfig> & { name: string } {
  return {
    name: o.stream,
    subjects: [`${o.prefix}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(o.retentionMs),
    max_msg_size: o.maxMessageSize + HEADER_ROOM,
    num_replicas: o.replicas,
    // JetStream needs the duplicate window inside max_age.
    duplicate_window: nanos(Math.min(o.dedupeWindowMs, o.retentionMs)),
  };
}

/** What must match for this log to use an existing stream; null when it does. */
export function incompatibility(found: StreamConfig, want: Partial<StreamConfig>): string | null {
  const subjects = found.subjects ?? [];
  if (subjects.length !== 1 || subjects[0] !== want.subjects![0]) return `subjects are ${JSON.stringify(subjects)}, expected ${JSON.stringify(want.subjects)}`;
  if (found.storage !== want.storage) return `storage is "${found.storage}", expected "${want.storage}" (events must survive a server restart)`;
  if (found.retention !== want.retention) return `retention policy is "${found.retention}", expected "${want.retention}"`;
  if (found.num_replicas !== want.num_replicas) return `replicas are ${found.num_replicas}, expected ${want.num_replicas} (replicationFactor)`;
  return null;
}

export async function connectNats(o: NatsStreamOptions): Promise<NatsConnection> {
  try {
    return await connect({
      servers: o.servers, name: o.name, maxReconnectAttempts: -1, reconnectTimeWait: o.reconnectWaitMs, reconnectJitter: 50,
      // A dead server is noticed within a few seconds even when no publish is waiting.
      pingInterval: 2000, maxPingOut: 2, timeout: 5000,
    });
  } catch (e) {
    throw new Error(`eventbus: cannot reach NATS at ${o.servers.join(', ')}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Finds or creates the stream; throws a start-up error naming what is wrong. */
export async function ensureStream(nc: NatsConnection, o: NatsStreamOptions): Promise<{ jsm: JetStreamManager; info: StreamInfo; created: boolean; updated: string[] }> {
  const maxPayload = nc.info?.max_payload ?? 0;
  if (maxPayload > 0 && maxPayload < o.maxMessageSize + HEADER_ROOM) {
    throw new Error(`eventbus: nats-server max_payload is ${maxPayload} bytes, below max_message_size ${o.maxMessageSize} (+${HEADER_ROOM} for headers); set max_payload: 16MB in the server config`);
  }
  let jsm: JetStreamManager;
  try {
    jsm = await jetstreamManager(nc, { timeout: 5000 });
  } catch (e) {
    throw new Error(`eventbus: JetStream is not enabled on ${nc.getServer()} (start nats-server with -js): ${e instanceof Error ? e.message : String(e)}`);
  }
  const want = desiredConfig(o);
  let info: StreamInfo | null = null;
  try {
    info = await jsm.streams.info(o.stream);
  } catch (e) {
    if (!/not found/i.test(e instanceof Error ? e.message : String(e))) throw new Error(`eventbus: cannot read stream ${o.stream}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (info === null) {
    try {
      return { jsm, info: await jsm.streams.add(want), created: true, updated: [] };
    } catch (e) {
      throw new Error(`eventbus: cannot create stream ${o.stream} on subjects ${want.subjects![0]} with ${o.replicas} replica(s): ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const bad = incompatibility(info.config, want);
  if (bad) throw new Error(`eventbus: stream ${o.stream} exists with a configuration this log cannot use: ${bad}; fix or delete the stream, or set natsStream to another name`);
  const updated: string[] = [];
  const cfg = { ...info.config };
  for (const k of ['max_age', 'max_msg_size', 'duplicate_window', 'discard'] as const) {
    if (cfg[k] !== want[k]) {
      updated.push(`${k}: ${String(cfg[k])} → ${String(want[k])}`);
      Object.assign(cfg, { [k]: want[k] });
    }
  }
  if (updated.length > 0) {
    try {
      info = await jsm.streams.update(o.stream, cfg);
    } catch (e) {
      throw new Error(`eventbus: stream ${o.stream} needs ${updated.join(', ')} and the update failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { jsm, info, created: false, updated };
}
