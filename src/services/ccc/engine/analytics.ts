/**
 * Memory analytics from stored data only (ccc-stage2.md "Get Memory Statistics"). A figure
 * with nothing to be computed from is null, never a made-up constant. Definitions in the README.
 */
import { round } from './text.ts';

export interface AnalyticsInput {
  conversations: number;
  turns: number;
  storageBytes: number;
  oldestConversation: string | null;
  turnsByAgent: readonly { agent: string; n: number }[];
  topics: readonly string[];
  feedback: { count: number; mean: number | null };
  context: { lookups: number; hits: number; items: number; score_sum: number; chats: number; chats_with_context: number };
}

const ratio = (a: number, b: number): number | null => (b > 0 ? round(a / b) : null);

export function analytics(i: AnalyticsInput) {
  const ranked = [...i.turnsByAgent].filter((x) => x.n > 0).sort((a, b) => b.n - a.n || (a.agent < b.agent ? -1 : 1));
  return {
    memory_usage: {
      total_conversations: i.conversations,
      total_turns: i.turns,
      storage_size_mb: round(i.storageBytes / 1_048_576, 6),
      oldest_conversation: i.oldestConversation,
    },
    interaction_patterns: {
      average_conversation_length: i.conversations > 0 ? round(i.turns / i.conversations, 2) : null,
      most_active_agent: ranked[0]?.agent ?? null,
      preferred_topics: [...i.topics],
      response_satisfaction: i.feedback.mean === null ? null : round(i.feedback.mean),
    },
    context_effectiveness: {
      context_utilization_rate: ratio(i.context.chats_with_context, i.context.chats),
      relevance_accuracy: ratio(i.context.score_sum, i.context.items),
      context_hit_rate: ratio(i.context.hits, i.context.lookups),
    },
    basis: {
      storage_bytes: i.storageBytes,
      turns_by_agent: Object.fromEntries(ranked.map((x) => [x.agent, x.n])),
      feedback_count: i.feedback.count,
      context_lookups: i.context.lookups,
      context_items_served: i.context.items,
      chat_completions: i.context.chats,
    },
  };
}
