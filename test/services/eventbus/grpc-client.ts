/** A grpc-js client for the bus, built the way a Node user would: @grpc/proto-loader over the service's .proto files. */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';

const PROTO_DIR = fileURLToPath(new URL('../../../src/services/eventbus/proto/', import.meta.url));

export interface EventMsg {
  event_id?: string;
  correlation_id?: string;
  type?: string | number;
  source?: string;
  timestamp?: { seconds: number; nanos: number } | null;
  version?: number;
  metadata?: Record<string, string>;
  payload?: { type_url: string; value: Buffer } | null;
}

type Unary<Req, Res> = (req: Req, md: grpc.Metadata, cb: (e: grpc.ServiceError | null, r?: Res) => void) => void;

export interface EventBusClient extends grpc.Client {
  PublishEvent: Unary<EventMsg, { event_id: string; sequence: number; accepted: boolean; topic: string; duplicate: boolean }>;
  SendCommands: Unary<{ game_id?: string; commands: string[] }, { game_id: string; command_ids: number[]; sequences: number[]; queue_depth: number }>;
  SubscribeEvents(req: { patterns: string[]; from_sequence?: number }, md?: grpc.Metadata): grpc.ClientReadableStream<EventMsg>;
}

export function eventBusClient(address: string): EventBusClient {
  const def = protoLoader.loadSync('jimbot/events/v1/event_bus.proto', { includeDirs: [PROTO_DIR], keepCase: true, longs: Number, enums: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { jimbot: { events: { v1: { EventBus: new (a: string, c: grpc.ChannelCredentials) => EventBusClient } } } };
  return new pkg.jimbot.events.v1.EventBus(address, grpc.credentials.createInsecure());
}

/** A client that sends raw bytes as the PublishEvent request (to send what does not decode). */
export function rawPublishClient(address: string): { publish(bytes: Uint8Array): Promise<grpc.ServiceError | null>; close(): void } {
  const Ctor = grpc.makeGenericClientConstructor({
    PublishEvent: {
      path: '/jimbot.events.v1.EventBus/PublishEvent', requestStream: false, responseStream: false,
      requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b, responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b,
    },
  }, 'EventBus');
  const c = new Ctor(address, grpc.credentials.createInsecure()) as unknown as grpc.Client & { PublishEvent: (b: Buffer, cb: (e: grpc.ServiceError | null) => void) => void };
  return {
    publish: (bytes) => new Promise((resolve) => c.PublishEvent(Buffer.from(bytes), (e) => resolve(e))),
    close: () => c.close(),
  };
}

export function call<Req, Res>(fn: Unary<Req, Res>, self: grpc.Client, req: Req, md = new grpc.Metadata()): Promise<{ err: grpc.ServiceError | null; res?: Res }> {
  return new Promise((resolve) => fn.call(self, req, md, (err, res) => resolve({ err, res })));
}
