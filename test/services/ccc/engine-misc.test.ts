import { describe, expect, test } from 'bun:test';
import type { ChatMessage, StreamEvent } from '../../../src/runtime/llm.ts';
import { analytics } from '../../../src/services/ccc/engine/analytics.ts';
import { runCovenant, type CovenantEvent } from '../../../src/services/ccc/engine/covenant.ts';
import { EXPORT_WRITERS, type ExportConversation } from '../../../src/services/ccc/engine/export-format.ts';
import { memorySection } from '../../../src/services/ccc/engine/prompt.ts';
import { sessionSummary } from '../../../src/services/ccc/engine/summary.ts';

describe('covenant cycle', () => {
  test('beatrice analyses, codey executes with the analysis, beatrice reviews both', async () => {
    const prompts: ChatMessage[][] = [];
    async function* call(messages: ChatMessage[]): AsyncIterable<StreamEvent> {
      prompts.push(messages);
      const content = `out${prompts.length}`;
      yield { type: 'delta', content };
      yield { type: 'done', completion: { content, model: 'm', provider: 'p', usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } } };
    }
    const events: CovenantEvent[] = [];
    for await (const e of runCovenant({ directive: 'Do X', system: (a) => ({ role: 'system', content: `sys ${a}` }), history: [{ role: 'user', content: 'earlier' }] }, call)) events.push(e);
    expect(events.filter((e) => e.type === 'step').map((e) => `${e.step}:${e.agent}`)).toEqual(['analysis:beatrice', 'execution:codey', 'review:beatrice']);
    expect(prompts.map((p) => p[0]!.content)).toEqual(['sys beatrice', 'sys codey', 'sys beatrice']);
    expect(prompts[0]![1]).toEqual({ role: 'user', content: 'earlier' });
    expect(prompts[1]!.at(-1)!.content).toContain("Beatrice's analysis:\nout1");
    expect(prompts[2]!.at(-1)!.content).toContain('Your analysis:\nout1');
    expect(prompts[2]!.at(-1)!.content).toContain("Codey's result:\nout2");
  });
});

describe('analytics engine', () => {
  test('ratios and means come from the counts; most active agent breaks ties alphabetically', () => {
    const a = analytics({
      conversations: 4, turns: 10, storageBytes: 2_516_582, oldestConversation: '2024-01-01T08:00:00Z',
      turnsByAgent: [{ agent: 'codey', n: 4 }, { agent: 'beatrice', n: 4 }, { agent: 'wykeve', n: 2 }], topics: ['x'],
      feedback: { count: 2, mean: 0.75 }, context: { lookups: 8, hits: 6, items: 10, score_sum: 8.2, chats: 5, chats_with_context: 4 },
    });
    expect(a.memory_usage.storage_size_mb).toBe(2.4);
    expect(a.interaction_patterns).toEqual({ average_conversation_length: 2.5, most_active_agent: 'beatrice', preferred_topics: ['x'], response_satisfaction: 0.75 });
    expect(a.context_effectiveness).toEqual({ context_utilization_rate: 0.8, relevance_accuracy: 0.82, context_hit_rate: 0.75 });
  });
});

describe('export writers', () => {
  const head = { export_id: 'export_1', session_id: 'sess_1', format: 'json', exported_at: 't', time_range: null, session: { status: 'active' } };
  const conv = (i: number): ExportConversation => ({ conversation_id: `conv_${i}`, directive: `d${i}`, created_at: 't', status: 'active', turns: [{ turn_id: `turn_${i}`, turn_number: 1, agent: 'wykeve', content: `c${i}`, timestamp: 't' }] });
  const write = (w: (typeof EXPORT_WRITERS)[keyof typeof EXPORT_WRITERS], n: number, agents: Record<string, unknown> | null) =>
    w.head(head) + Array.from({ length: n }, (_, i) => w.conversation(conv(i), i)).join('') + w.tail(agents);

  test('json pieces join into one valid document, with or without conversations and agent states', () => {
    for (const n of [0, 1, 3]) {
      const doc = JSON.parse(write(EXPORT_WRITERS.json, n, n ? { codey: { a: 1 } } : null)) as { conversations: unknown[]; agent_states?: unknown; session_id: string };
      expect(doc.conversations.length).toBe(n);
      expect(doc.session_id).toBe('sess_1');
      expect(doc.agent_states).toEqual(n ? { codey: { a: 1 } } : undefined);
    }
  });

  test('jsonl is one JSON object per line', () => {
    const lines = write(EXPORT_WRITERS.jsonl, 2, { codey: {} }).trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { type: string }).type)).toEqual(['export', 'conversation', 'turn', 'conversation', 'turn', 'agent_state']);
  });
});

describe('prompt and summary text', () => {
  test('the memory section lists what was found, and nothing when nothing was', () => {
    expect(memorySection({ summary: '', conversations: [], turns: [], recent: [] })).toBe('');
    const text = memorySection({ summary: 'S', conversations: [{ directive: 'd', summary: 'sum', relevance: 0.8 }], turns: [], recent: [{ agent: 'codey', content: 'x'.repeat(700) }] });
    expect(text).toBe(`Session summary: S\nRelevant earlier conversations:\n- (0.80) sum\nThis conversation so far:\n- codey: ${'x'.repeat(597)}...`);
  });

  test('the automatic session summary names counts, topics and recent directives', () => {
    expect(sessionSummary({ conversationCount: 0, turnCount: 0, recentDirectives: [], topics: [], initialContext: '' })).toBe('No conversations yet.');
    expect(sessionSummary({ conversationCount: 1, turnCount: 3, recentDirectives: ['Do X'], topics: ['x'], initialContext: 'Init.' }))
      .toBe('Init. 1 conversation and 3 turns so far. Main topics: x. Recent directives: "Do X".');
  });
});
