/** Response schemas, for the OpenAPI document on the admin port (handlers build the values). */
import { Type, type TSchema } from '@sinclair/typebox';

const Time = Type.String({ format: 'date-time', description: 'ISO 8601, whole seconds, UTC' });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Prefs = Type.Object({ memory_retention_days: Type.Integer(), context_depth: Type.Integer(), auto_summarize: Type.Boolean() });
const Usage = Type.Object({ prompt_tokens: Type.Integer(), completion_tokens: Type.Integer(), total_tokens: Type.Integer() });

export const R = {
  Health: Type.Object({ status: Type.Literal('healthy'), service: Type.Literal('ccc'), stage: Type.Integer(), version: Type.String(), timestamp: Type.String(), uptime_seconds: Type.Integer(), llm: Type.Object({ provider: Type.String(), model: Type.String(), status: Type.Union([Type.Literal('ok'), Type.Literal('failing'), Type.Literal('unknown')]), last_error: Type.Union([Type.String(), Type.Null()]), last_error_at: Type.Union([Time, Type.Null()]), last_ok_at: Type.Union([Time, Type.Null()]) }), sessions: Type.Integer() }),
  SessionCreated: Type.Object({ session_id: Type.String(), created_at: Time, token: Type.String(), status: Type.Literal('active'), expires_at: Time, permissions: Type.Array(Type.String()), user_preferences: Prefs }),
  Session: Type.Object({ session_id: Type.String(), created_at: Time, last_active: Time, conversation_count: Type.Integer(), total_turns: Type.Integer(), user_preferences: Prefs, status: Type.String(), archived_at: Type.Optional(Time) }),
  PreferencesUpdated: Type.Object({ session_id: Type.String(), updated_preferences: Prefs, updated_at: Time }),
  Archived: Type.Object({ session_id: Type.String(), status: Type.Literal('archived'), archived_at: Time, conversations_archived: Type.Integer() }),
  TokenIssued: Type.Object({ session_id: Type.String(), token: Type.String(), expires_at: Time, permissions: Type.Array(Type.String()) }),
  ConversationStarted: Type.Object({
    conversation_id: Type.String(), session_id: Type.String(), directive: Type.String(), created_at: Time, status: Type.String(), turn_id: Type.String(),
    relevant_context: Type.Array(Type.Object({ conversation_id: Type.String(), relevance_score: Type.Number(), summary: Type.String(), directive: Type.String(), created_at: Time })),
  }),
  Conversation: Type.Object({
    conversation_id: Type.String(), session_id: Type.String(), directive: Type.String(), created_at: Time, updated_at: Time, status: Type.String(), turn_count: Type.Integer(),
    turns: Type.Array(Type.Object({ turn_id: Type.String(), turn_number: Type.Integer(), agent: Type.String(), content: Type.String(), timestamp: Time, metadata: Type.Record(Type.String(), Type.Unknown()) })),
  }),
  TurnAdded: Type.Object({ turn_id: Type.String(), conversation_id: Type.String(), turn_number: Type.Integer(), agent: Type.String(), content: Type.String(), timestamp: Time, stored: Type.Literal(true) }),
  Context: Type.Object({
    session_id: Type.String(), context_summary: Type.String(), key_topics: Type.Array(Type.String()), agent_states: Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown())),
    recent_conversations: Type.Array(Type.Object({ conversation_id: Type.String(), directive: Type.String(), relevance_score: Type.Number(), created_at: Time })),
  }),
  Search: Type.Object({
    query: Type.String(), total_matches: Type.Integer(), search_time_ms: Type.Number(), query_terms: Type.Array(Type.String()),
    results: Type.Array(Type.Object({ conversation_id: Type.String(), turn_id: Type.String(), relevance_score: Type.Number(), snippet: Type.String(), context: Type.String(), timestamp: Time, agent: Type.String(), turn_number: Type.Integer() })),
  }),
  SummaryUpdated: Type.Object({ session_id: Type.String(), summary_updated: Type.Literal(true), updated_at: Time, previous_summary_archived: Type.Boolean() }),
  AgentState: Type.Object({
    session_id: Type.String(), agent: Type.String(), last_updated: Time,
    state: Type.Object({
      personality_traits: Type.Record(Type.String(), Type.Number()),
      learned_patterns: Type.Array(Type.Object({ pattern: Type.String(), confidence: Type.Number(), learned_from: Type.Integer() })),
      expertise_areas: Type.Array(Type.String()),
      interaction_history: Type.Object({ total_interactions: Type.Integer(), successful_outcomes: Type.Integer(), preferred_response_length: Nullable(Type.String()) }),
      recent_topics: Type.Array(Type.String()),
    }),
  }),
  AgentStateUpdated: Type.Object({ session_id: Type.String(), agent: Type.String(), state_updated: Type.Boolean(), updated_fields: Type.Array(Type.String()), updated_at: Time, update_reason: Nullable(Type.String()) }),
  Feedback: Type.Object({ session_id: Type.String(), agent: Type.String(), feedback_id: Type.Integer(), rating: Type.Number(), recorded: Type.Literal(true), updated_fields: Type.Array(Type.String()), recorded_at: Time }),
  Analytics: Type.Object({
    session_id: Type.String(), computed_at: Time,
    analytics: Type.Object({
      memory_usage: Type.Object({ total_conversations: Type.Integer(), total_turns: Type.Integer(), storage_size_mb: Type.Number(), oldest_conversation: Nullable(Time) }),
      interaction_patterns: Type.Object({ average_conversation_length: Nullable(Type.Number()), most_active_agent: Nullable(Type.String()), preferred_topics: Type.Array(Type.String()), response_satisfaction: Nullable(Type.Number()) }),
      context_effectiveness: Type.Object({ context_utilization_rate: Nullable(Type.Number()), relevance_accuracy: Nullable(Type.Number()), context_hit_rate: Nullable(Type.Number()) }),
      basis: Type.Record(Type.String(), Type.Unknown()),
    }),
  }),
  ExportAccepted: Type.Object({ export_id: Type.String(), session_id: Type.String(), format: Type.String(), status: Type.Literal('processing'), estimated_completion: Time, download_url: Type.String() }),
  ExportStatus: Type.Object({
    export_id: Type.String(), session_id: Type.String(), format: Type.String(), status: Type.String(), progress: Type.Number(), created_at: Time, estimated_completion: Time,
    completed_at: Nullable(Time), expires_at: Time, size_bytes: Nullable(Type.Integer()), download_url: Type.String(), error: Type.Optional(Type.String()),
  }),
  ChatCompletion: Type.Object({
    id: Type.String(), object: Type.Literal('chat.completion'), created: Type.Integer(), model: Type.String(), usage: Usage,
    choices: Type.Array(Type.Object({ index: Type.Integer(), message: Type.Object({ role: Type.Literal('assistant'), content: Type.String(), agent: Type.Optional(Type.String()) }), finish_reason: Type.String() })),
    memory_metadata: Type.Optional(Type.Object({
      context_used: Type.Boolean(), relevant_conversations: Type.Integer(), agent_state_applied: Type.Boolean(), turn_stored: Type.Boolean(), turn_id: Nullable(Type.String()),
      conversation_id: Nullable(Type.String()), user_turn_id: Nullable(Type.String()), turn_ids: Type.Array(Type.String()),
    })),
    covenant_cycle: Type.Optional(Type.Array(Type.Object({ step: Type.String(), agent: Type.String(), content: Type.String(), model: Type.String(), usage: Usage, turn_id: Nullable(Type.String()) }))),
  }, { description: 'With "stream": true the reply is text/event-stream: chat.completion.chunk objects as data: lines, ending with data: [DONE].' }),
};
