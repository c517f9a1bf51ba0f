/**
 * TypeBox schemas for every request body, built once per service start from the options
 * (so configurable bounds are enforced by the schema itself). Objects the service owns reject
 * unknown keys (a misspelt option must not be silently ignored); OpenAI-style chat bodies
 * accept the many OpenAI fields this server does not use.
 */
import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';
import type { CccOptions } from './options.ts';
import { AGENTS, PERMISSIONS, RESPONDERS } from './types.ts';

const strict = { additionalProperties: false } as const;
const text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '\\S' });
/** A union of string literals whose static type keeps the literal values. */
function literals<const T extends readonly string[]>(xs: T): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(xs.map((x) => Type.Literal(x)));
}
const SessionId = Type.String({ pattern: '^sess_[0-9a-f]{16}$' });
const TimeRange = Type.Object({ start: Type.Optional(Type.String()), end: Type.Optional(Type.String()) }, strict);

export function cccSchemas(o: CccOptions) {
  const Preferences = Type.Object({
    memory_retention_days: Type.Optional(Type.Integer({ minimum: 1, maximum: o.maxRetentionDays })),
    context_depth: Type.Optional(Type.Integer({ minimum: 1, maximum: o.maxContextDepth })),
    auto_summarize: Type.Optional(Type.Boolean()),
  }, strict);
  const Permissions = Type.Array(literals(PERMISSIONS), { minItems: 1, uniqueItems: true });
  const TokenTtl = Type.Integer({ minimum: 60, maximum: o.maxTokenTtlSeconds });
  const Metadata = Type.Record(Type.String(), Type.Unknown());

  const TextPart = Type.Object({ type: Type.String(), text: Type.Optional(Type.String()) });
  const Message = Type.Object({
    role: literals(['system', 'developer', 'user', 'assistant', 'tool'] as const),
    content: Type.Union([Type.String(), Type.Array(TextPart), Type.Null()]),
    name: Type.Optional(Type.String()),
  });
  const chatFields = {
    model: Type.Optional(Type.String({ maxLength: 200 })),
    messages: Type.Array(Message, { minItems: 1, maxItems: o.maxMessages }),
    temperature: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 2 }), Type.Null()])),
    max_tokens: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    max_completion_tokens: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    n: Type.Optional(Type.Union([Type.Literal(1), Type.Null()])),
    stream: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    stream_options: Type.Optional(Type.Union([Type.Object({ include_usage: Type.Optional(Type.Boolean()) }), Type.Null()])),
  };

  return {
    CreateSession: Type.Object({
      user_preferences: Type.Optional(Preferences),
      initial_context: Type.Optional(Type.String({ maxLength: o.maxDirectiveChars })),
      permissions: Type.Optional(Permissions),
      token_ttl_seconds: Type.Optional(TokenTtl),
    }, strict),
    Preferences: Type.Object({ ...Preferences.properties }, { ...strict, minProperties: 1 }),
    IssueToken: Type.Object({ permissions: Type.Optional(Permissions), ttl_seconds: Type.Optional(TokenTtl) }, strict),
    StartConversation: Type.Object({
      session_id: Type.Optional(SessionId),
      directive: text(o.maxDirectiveChars),
      use_context: Type.Optional(Type.Boolean()),
      context_depth: Type.Optional(Type.Integer({ minimum: 1, maximum: o.maxContextDepth })),
      relevance_threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
      metadata: Type.Optional(Metadata),
    }, strict),
    AddTurn: Type.Object({ agent: literals(AGENTS), content: Type.String({ minLength: 1, pattern: '\\S' }), metadata: Type.Optional(Metadata) }, strict),
    Search: Type.Object({
      query: text(1000),
      max_results: Type.Optional(Type.Integer({ minimum: 1, maximum: o.maxSearchResults })),
      relevance_threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
      time_range: Type.Optional(TimeRange),
    }, strict),
    Summary: Type.Object({
      summary: text(o.maxDirectiveChars),
      key_topics: Type.Optional(Type.Array(text(100), { maxItems: 50 })),
      trigger: Type.Optional(Type.String({ maxLength: 64 })),
    }, strict),
    AgentState: Type.Object({
      state_updates: Type.Object({
        personality_traits: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 64 }), Type.Number())),
        new_learned_pattern: Type.Optional(Type.Object({ pattern: text(500), confidence: Type.Optional(Type.Number()) }, strict)),
        expertise_areas: Type.Optional(Type.Array(text(100), { maxItems: 50 })),
      }, { ...strict, minProperties: 1 }),
      update_reason: Type.Optional(Type.String({ maxLength: 200 })),
    }, strict),
    Feedback: Type.Object({
      rating: Type.Number({ minimum: 0, maximum: 1 }),
      turn_id: Type.Optional(Type.String({ pattern: '^turn_[0-9a-f]{16}$' })),
      comment: Type.Optional(Type.String({ maxLength: 2000 })),
      pattern: Type.Optional(text(500)),
    }, strict),
    Export: Type.Object({
      format: Type.Optional(literals(['json', 'jsonl', 'markdown'] as const)),
      include_metadata: Type.Optional(Type.Boolean()),
      include_agent_states: Type.Optional(Type.Boolean()),
      time_range: Type.Optional(TimeRange),
    }, strict),
    ChatV1: Type.Object(chatFields),
    ChatV2: Type.Object({
      ...chatFields,
      session_id: Type.Optional(SessionId),
      conversation_id: Type.Optional(Type.String({ pattern: '^conv_[0-9a-f]{16}$' })),
      agent: Type.Optional(literals(RESPONDERS)),
      covenant: Type.Optional(Type.Boolean()),
      memory_options: Type.Optional(Type.Object({
        use_context: Type.Optional(Type.Boolean()),
        context_depth: Type.Optional(Type.Integer({ minimum: 1, maximum: o.maxContextDepth })),
        include_agent_state: Type.Optional(Type.Boolean()),
        auto_store_response: Type.Optional(Type.Boolean()),
        relevance_threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
      }, strict)),
    }),
  };
}

export type CccSchemas = ReturnType<typeof cccSchemas>;
export type ChatV1Body = Static<CccSchemas['ChatV1']>;
export type ChatV2Body = Static<CccSchemas['ChatV2']>;
export type ChatMessageIn = ChatV1Body['messages'][number];

/** Allowed values named in validation messages (TypeBox only says "Expected union value"). */
export const ENUM_HINTS: Readonly<Record<string, readonly string[]>> = {
  agent: AGENTS,
  format: ['json', 'jsonl', 'markdown'],
  role: ['system', 'developer', 'user', 'assistant', 'tool'],
  permissions: PERMISSIONS,
};
