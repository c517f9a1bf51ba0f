/** TypeBox schemas: the command body is validated by the kernel; the rest document the routes (OpenAPI). */
import { Type } from '@sinclair/typebox';

const Obj = Type.Object({}, { additionalProperties: true });

export const JsonEvent = Type.Object({
  type: Type.String({ description: 'GAME_STATE, HEARTBEAT, MONEY_CHANGED, ... or connection_test' }),
  event_id: Type.Optional(Type.String({ description: 'given one when absent' })),
  source: Type.Optional(Type.String()),
  timestamp: Type.Optional(Type.Union([Type.Number(), Type.String()], { description: 'Unix ms, Unix s, ISO-8601, or game-clock ms' })),
  version: Type.Optional(Type.Integer()),
  correlation_id: Type.Optional(Type.String()),
  metadata: Type.Optional(Type.Record(Type.String(), Type.String())),
  payload: Type.Optional(Type.Unknown()),
  data: Type.Optional(Type.Unknown({ description: 'connection_test carries data instead of payload' })),
}, { additionalProperties: true, description: 'Other top-level fields are kept' });

export const BatchBody = Type.Object({
  batch_id: Type.Optional(Type.String()),
  events: Type.Array(JsonEvent),
  source: Type.Optional(Type.String()),
  timestamp: Type.Optional(Type.Number()),
}, { additionalProperties: true });

const DeadLettered = Type.Object({
  index: Type.Integer(), event_id: Type.String(), reason: Type.String(), detail: Type.String(), topic: Type.String(), sequence: Type.Integer(),
});

const Result = Type.Object({
  index: Type.Integer(), event_id: Type.String(), sequence: Type.Integer(), topic: Type.String(),
  status: Type.Union([Type.Literal('accepted'), Type.Literal('duplicate'), Type.Literal('dead_lettered')]),
});

export const BatchReply = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('partial'), Type.Literal('dead_lettered')]),
  batch_id: Type.String(),
  received: Type.Integer(),
  accepted: Type.Integer({ description: 'stored on their topics, re-sends included' }),
  duplicates: Type.Integer(),
  dead_lettered: Type.Array(DeadLettered),
  first_sequence: Type.Union([Type.Integer(), Type.Null()]),
  last_sequence: Type.Union([Type.Integer(), Type.Null()]),
  results: Type.Array(Result),
});

export const SingleReply = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('dead_lettered')]),
  event_id: Type.String(),
  sequence: Type.Integer(),
  topic: Type.String(),
  accepted: Type.Boolean(),
  duplicate: Type.Boolean(),
  dead_lettered: Type.Array(DeadLettered),
});

export const EventViewSchema = Type.Object({
  sequence: Type.Integer(), topic: Type.String(), partition: Type.Integer(), game_id: Type.Union([Type.String(), Type.Null()]),
  received_at: Type.Number(), time: Type.Number(), payload_type: Type.Union([Type.String(), Type.Null()]), event: Obj,
});

export const HistoryReply = Type.Object({
  status: Type.Literal('ok'),
  events: Type.Array(EventViewSchema),
  count: Type.Integer(),
  has_more: Type.Boolean(),
  next_after: Type.Union([Type.Integer(), Type.Null()]),
  next_before: Type.Union([Type.Integer(), Type.Null()]),
  head_sequence: Type.Integer(),
});

export const HealthReply = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('unavailable')]),
  service: Type.Literal('eventbus'),
  last_sequence: Type.Integer(),
  backlog: Obj,
  storage: Obj,
}, { additionalProperties: true });

const CommandItem = Type.Union([
  Type.String({ minLength: 1, description: 'command_type or command_type:p1,p2' }),
  Type.Object({ type: Type.String({ minLength: 1 }), params: Type.Optional(Type.Array(Type.Union([Type.String(), Type.Integer({ minimum: 0 })]), { maxItems: 16 })) }, { additionalProperties: false }),
]);

export const CommandsBody = Type.Object({
  game_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  commands: Type.Array(CommandItem, { minItems: 1 }),
}, { additionalProperties: false });

export const CommandsReply = Type.Object({
  status: Type.Literal('ok'),
  game_id: Type.String(),
  queued: Type.Array(Type.Object({ command_id: Type.Integer(), command: Type.String(), sequence: Type.Integer() })),
  queue_depth: Type.Integer(),
});
