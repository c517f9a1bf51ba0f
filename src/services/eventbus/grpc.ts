/**
 * gRPC (jimbot-event-bus.md §1: PublishEvent unary, SubscribeEvents server streaming,
 * plus SendCommands) with @grpc/grpc-js as the server, from event_bus.proto. Requests
 * arrive as raw bytes and are decoded here, so a message that does not decode is an
 * INVALID_ARGUMENT with a reason rather than grpc-js's generic INTERNAL. Subscribers get
 * the stored Event bytes as they are, with where the bus put them in `bus.*` metadata.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../runtime/log.ts';
import { formatTraceparent, traceFrom } from '../../runtime/trace.ts';
import type { CommandQueues } from './commands.ts';
import type { Ingest } from './ingest.ts';
import { LogUnavailable } from './log/types.ts';
import { stopGrpcServer } from './bus-io/grpc-kit.ts';
import type { BusMetrics } from './metrics.ts';
import type { EventBusOptions } from './options.ts';
import type { ProtoTypes } from './proto.ts';
import type { SubscriptionHub } from './subscriptions.ts';
import { ApiError } from '../../runtime/errors.ts';

export interface GrpcDeps {
  proto: ProtoTypes;
  ingest: Ingest;
  hub: SubscriptionHub;
  commands: CommandQueues;
  opts: EventBusOptions;
  metrics: BusMetrics;
  log: Logger;
  observe(method: string, ms: number): void;
  /** Services of the components mounted beside the bus, served on the same port. */
  extraServices?: { definition: grpc.ServiceDefinition; handlers: grpc.UntypedServiceImplementation }[];
}

export interface RunningGrpc {
  address: string;
  port: number;
  stop(): Promise<void>;
}

type Status = { code: grpc.status; details: string };

const identity = (b: Buffer): Buffer => b;
const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

function statusOf(e: unknown): Status {
  if (e instanceof LogUnavailable) {
    return { code: e.kind === 'full' || e.kind === 'backlog' ? grpc.status.RESOURCE_EXHAUSTED : grpc.status.UNAVAILABLE, details: e.message };
  }
  if (e instanceof ApiError) {
    const code = e.status === 400 ? grpc.status.INVALID_ARGUMENT : e.status === 429 ? grpc.status.RESOURCE_EXHAUSTED : e.status === 503 ? grpc.status.UNAVAILABLE : e.status === 404 ? grpc.status.NOT_FOUND : grpc.status.INTERNAL;
    return { code, details: `${e.code}: ${e.message}` };
  }
  return { code: grpc.status.INTERNAL, details: e instanceof Error ? e.message : String(e) };
}

function traceparentOf(md: grpc.Metadata): string | null {
  const v = md.get('traceparent')[0];
  if (typeof v !== 'string') return null;
  const t = traceFrom(v);
  return t.parentSpanId ? formatTraceparent(t) : null;
}

export async function startGrpc(d: GrpcDeps): Promise<RunningGrpc> {
  const { proto, opts } = d;
  const svc = proto.EventBus;
  const path = (m: string): string => `/${svc.fullName.replace(/^\./, '')}/${m}`;
  const method = <Res>(name: string, responseStream: boolean, serialize: (r: Res) => Buffer): grpc.MethodDefinition<Buffer, Res> => ({
    path: path(name), requestStream: false, responseStream, requestSerialize: identity, requestDeserialize: identity,
    responseSerialize: serialize, responseDeserialize: () => { throw new Error('server side only'); },
  });
  const definition: grpc.ServiceDefinition = {
    PublishEvent: method<Uint8Array>('PublishEvent', false, asBuffer),
    SubscribeEvents: method<Uint8Array>('SubscribeEvents', true, asBuffer),
    SendCommands: method<Uint8Array>('SendCommands', false, asBuffer),
  };

  const timed = (name: string, started: number, status: grpc.status): void => {
    const ms = performance.now() - started;
    d.observe(name, ms);
    d.metrics.request(`grpc ${name}`, grpc.status[status] ?? String(status), ms / 1000);
    if (status !== grpc.status.OK) d.metrics.error('eventbus.grpc', status === grpc.status.INTERNAL ? 'ERROR' : 'WARNING', grpc.status[status] ?? String(status));
  };

  const publish: grpc.handleUnaryCall<Buffer, Uint8Array> = (call, cb) => {
    const started = performance.now();
    const fail = (s: Status): void => {
      timed('PublishEvent', started, s.code);
      cb({ code: s.code, details: s.details });
    };
    d.ingest.publishProto(call.request, traceparentOf(call.metadata)).then(
      ({ outcome, rejected }) => {
        if (rejected) return fail({ code: grpc.status.INVALID_ARGUMENT, details: `${rejected.reason}: ${rejected.detail}` });
        const body = proto.PublishResponse.encode(proto.PublishResponse.fromObject({ event_id: outcome.event_id, sequence: outcome.sequence, accepted: true, topic: outcome.topic, duplicate: outcome.status === 'duplicate' })).finish();
        timed('PublishEvent', started, grpc.status.OK);
        cb(null, body);
      },
      (e: unknown) => fail(statusOf(e)),
    );
  };

  const subscribe: grpc.handleServerStreamingCall<Buffer, Uint8Array> = (call) => {
    const started = performance.now();
    let req: { patterns?: string[]; from_sequence?: number };
    try {
      req = proto.SubscribeRequest.toObject(proto.SubscribeRequest.decode(call.request), { longs: Number, defaults: true }) as typeof req;
    } catch (e) {
      timed('SubscribeEvents', started, grpc.status.INVALID_ARGUMENT);
      call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: `not a SubscribeRequest: ${e instanceof Error ? e.message : String(e)}` });
      return;
    }
    const compiled = d.hub.compile(req.patterns ?? []);
    if (!compiled.ok) {
      timed('SubscribeEvents', started, grpc.status.INVALID_ARGUMENT);
      call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: `INVALID_PATTERN: ${compiled.errors.map((x) => (x.index >= 0 ? `patterns[${x.index}] "${x.pattern}": ${x.detail}` : x.detail)).join('; ')}` });
      return;
    }
    const from = req.from_sequence && req.from_sequence > 0 ? req.from_sequence : null;
    const md = new grpc.Metadata();
    md.set('x-head-sequence', String(d.hub.clampStart(Number.MAX_SAFE_INTEGER) - 1));
    if (from !== null) md.set('x-replay-from', String(d.hub.clampStart(from)));
    call.sendMetadata(md);
    let closed = false;
    let wake: (() => void) | null = null;
    const release = (): void => {
      const w = wake;
      wake = null;
      w?.();
    };
    call.on('drain', release);
    const stream = {
      write: (bytes: Uint8Array): boolean => call.write(bytes),
      drained: (): Promise<void> =>
        new Promise<void>((resolve) => {
          if (closed) return resolve();
          wake = resolve;
        }),
      get closed() {
        return closed;
      },
    };
    const sub = d.hub.addGrpc(stream);
    const end = (): void => {
      if (closed) return;
      closed = true;
      release();
      d.hub.remove(sub);
      timed('SubscribeEvents', started, grpc.status.CANCELLED);
    };
    call.on('cancelled', end);
    call.on('close', end);
    call.on('error', end);
    d.hub.update(sub, compiled.patterns, from);
  };

  const sendCommands: grpc.handleUnaryCall<Buffer, Uint8Array> = (call, cb) => {
    const started = performance.now();
    const fail = (s: Status): void => {
      timed('SendCommands', started, s.code);
      cb({ code: s.code, details: s.details });
    };
    let req: { game_id?: string; commands?: string[] };
    try {
      req = proto.CommandRequest.toObject(proto.CommandRequest.decode(call.request), { defaults: true }) as typeof req;
    } catch (e) {
      return fail({ code: grpc.status.INVALID_ARGUMENT, details: `not a CommandRequest: ${e instanceof Error ? e.message : String(e)}` });
    }
    d.commands.enqueue(req.game_id, req.commands ?? [], traceparentOf(call.metadata)).then(
      (r) => {
        const body = proto.CommandResponse.encode(proto.CommandResponse.fromObject({ game_id: r.game_id, command_ids: r.queued.map((q) => q.command_id), sequences: r.queued.map((q) => q.sequence), queue_depth: r.queue_depth })).finish();
        timed('SendCommands', started, grpc.status.OK);
        cb(null, body);
      },
      (e: unknown) => fail(statusOf(e)),
    );
  };

  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxMessageSize + 65_536,
    'grpc.max_send_message_length': opts.maxMessageSize + 65_536,
  });
  server.addService(definition, { PublishEvent: publish, SubscribeEvents: subscribe, SendCommands: sendCommands });
  for (const extra of d.extraServices ?? []) server.addService(extra.definition, extra.handlers);
  const host = opts.grpcHost.includes(':') ? `[${opts.grpcHost}]` : opts.grpcHost;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${opts.grpcPort}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  return {
    address: `${host}:${port}`,
    port,
    stop: () => stopGrpcServer(server),
  };
}
