/** grpc-js clients for the components' services, built as a Node user would: @grpc/proto-loader over the service's .proto files. */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import type { Bus } from './bus.ts';

const PROTO_DIR = fileURLToPath(new URL('../../../src/services/eventbus/proto/', import.meta.url));

type Cb<Res> = (e: grpc.ServiceError | null, r?: Res) => void;
export type UnaryFn<Req, Res> = (req: Req, md: grpc.Metadata, cb: Cb<Res>) => void;

function load<T>(file: string, path: string[], address: string): T {
  const def = protoLoader.loadSync(file, { includeDirs: [PROTO_DIR], keepCase: true, longs: Number, enums: String, defaults: true });
  let node: unknown = grpc.loadPackageDefinition(def);
  for (const p of path) node = (node as Record<string, unknown>)[p];
  const Ctor = node as new (a: string, c: grpc.ChannelCredentials) => T;
  return new Ctor(address, grpc.credentials.createInsecure());
}

export function unary<Req, Res>(client: grpc.Client, fn: UnaryFn<Req, Res>, req: Req, md = new grpc.Metadata()): Promise<{ err: grpc.ServiceError | null; res?: Res }> {
  return new Promise((resolve) => fn.call(client, req, md, (err, res) => resolve({ err, res })));
}

export interface ResourceClient extends grpc.Client {
  RequestResource: UnaryFn<Record<string, unknown>, Record<string, unknown>>;
  ReleaseResource: UnaryFn<Record<string, unknown>, Record<string, unknown>>;
  GetResourceStatus: UnaryFn<Record<string, never>, { pools: Record<string, unknown>[]; active_grants: Record<string, unknown>[]; queued: number }>;
  SubscribeToResourceEvents(req: Record<string, never>): grpc.ClientReadableStream<Record<string, unknown>>;
}

export function resourceClient(address: string): ResourceClient {
  return load<ResourceClient>('jimbot/resources/v1/resources.proto', ['jimbot', 'resources', 'v1', 'ResourceCoordinator'], address);
}

export interface KnowledgeClient extends grpc.Client {
  UpdateKnowledge: UnaryFn<Record<string, unknown>, { update_id: string; accepted: boolean; sequence: number; applied: boolean; version: number; changes: number; message: string }>;
}

export function knowledgeClient(address: string): KnowledgeClient {
  return load<KnowledgeClient>('jimbot/knowledge/v1/knowledge.proto', ['jimbot', 'knowledge', 'v1', 'KnowledgeGraph'], address);
}

export interface DecisionReply {
  request_id: string;
  selected_action: string;
  confidence: number;
  action_values: Record<string, number>;
  used_llm: boolean;
  strategy_name: string;
  /** proto-loader's default for the unset Struct. */
  source_payload?: null;
}

export interface LearningClient extends grpc.Client {
  GetDecision: UnaryFn<Record<string, unknown>, DecisionReply>;
  StreamDecisions(): grpc.ClientDuplexStream<Record<string, unknown>, DecisionReply>;
}

export function learningClient(address: string): LearningClient {
  return load<LearningClient>('jimbot/learning/v1/learning.proto', ['jimbot', 'learning', 'v1', 'Learning'], address);
}

/** The bus's health body (components included). */
export async function components(bus: Bus): Promise<Record<string, Record<string, unknown>>> {
  return (await bus.health()).components as Record<string, Record<string, unknown>>;
}

export async function resourceAddress(bus: Bus): Promise<string> {
  return ((await components(bus)).resources!.grpc as { address: string }).address;
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 3000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(15);
  }
}
