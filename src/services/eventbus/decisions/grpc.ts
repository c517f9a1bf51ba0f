/** Learning.GetDecision (unary) and Learning.StreamDecisions (bidirectional) on the bus's gRPC server, over the canonical LearningDecisionRequest/Response. */
import type * as grpc from '@grpc/grpc-js';
import { buildService, type BuiltService, type Msg } from '../bus-io/grpc-kit.ts';
import { componentProtos } from '../bus-io/protos.ts';
import { isJsonObject, type Json, type JsonObject } from '../wire/struct.ts';
import type { Decider } from './service.ts';

/** google.protobuf.Value / Struct as protobufjs hands them over (`{fields}`, `{number_value}`, ...) → JSON. */
function value(v: unknown): Json {
  if (!isJsonObject(v)) return null;
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined || x === null) continue;
    if (k === 'number_value' || k === 'numberValue' || k === 'string_value' || k === 'stringValue' || k === 'bool_value' || k === 'boolValue') return x as Json;
    if (k === 'struct_value' || k === 'structValue') return struct(x);
    if (k === 'list_value' || k === 'listValue') return isJsonObject(x) && Array.isArray(x.values) ? x.values.map(value) : [];
  }
  return null;
}

function struct(s: unknown): JsonObject {
  const out: JsonObject = {};
  if (isJsonObject(s) && isJsonObject(s.fields)) for (const [k, v] of Object.entries(s.fields)) out[k] = value(v);
  return out;
}

/** A decoded LearningDecisionRequest → the JSON the decider reads; a state's verbatim source_payload wins over its typed fields. */
export function requestJson(m: Msg): JsonObject {
  const gs = isJsonObject(m.game_state) ? m.game_state : null;
  const verbatim = gs && isJsonObject(gs.source_payload) && Object.keys(struct(gs.source_payload)).length > 0 ? struct(gs.source_payload) : null;
  const state: JsonObject | null = verbatim ?? (gs ? (Object.fromEntries(Object.entries(gs).filter(([k]) => k !== 'source_payload')) as JsonObject) : null);
  return {
    request_id: typeof m.request_id === 'string' ? m.request_id : '',
    ...(state ? { game_state: state } : {}),
    available_actions: Array.isArray(m.available_actions) ? (m.available_actions as Json[]) : [],
    time_limit_ms: typeof m.time_limit_ms === 'number' ? m.time_limit_ms : 0,
    ...(isJsonObject(m.context) ? { context: m.context } : {}),
  };
}

export function learningService(decider: Decider, observe: (method: string, ms: number, code: grpc.status) => void): BuiltService {
  const decide = (m: Msg): Msg => ({ ...decider.decide(requestJson(m), { request: true, source: 'learning' }) });
  return buildService(componentProtos().lookupService('jimbot.learning.v1.Learning'), {
    GetDecision: { kind: 'unary', handle: decide },
    StreamDecisions: { kind: 'bidi', handle: decide },
  }, observe);
}
