/** OpenAI chat-completions wire shapes: request messages in, completion objects and stream chunks out. */
import type { ChatMessage, CompletionRequest, Usage } from '../../../runtime/llm.ts';
import { invalid } from '../errors.ts';
import type { ChatMessageIn, ChatV1Body } from '../schema.ts';

/** Text of a message: a string, or the concatenated text parts (other part types are refused). */
function textOf(m: ChatMessageIn, i: number): string {
  if (m.content === null) return '';
  if (typeof m.content === 'string') return m.content;
  return m.content.map((p, j) => {
    if (p.type !== 'text' || typeof p.text !== 'string') {
      throw invalid(`messages[${i}].content[${j}]: only text content parts are supported, got "${p.type}"`, { field: `messages[${i}].content[${j}].type`, expected: 'text', received: p.type });
    }
    return p.text;
  }).join('');
}

/** OpenAI roles onto the provider's three: developer → system, tool output → user (labelled). */
export function toChatMessages(ms: readonly ChatMessageIn[]): ChatMessage[] {
  return ms.map((m, i) => {
    const content = textOf(m, i);
    if (m.role === 'developer' || m.role === 'system') return { role: 'system', content };
    if (m.role === 'tool') return { role: 'user', content: `Tool result${m.name ? ` (${m.name})` : ''}: ${content}` };
    return { role: m.role, content };
  });
}

/** The last user message: the directive a v2 request carries. */
export function lastUserMessage(ms: readonly ChatMessage[]): string | null {
  for (let i = ms.length - 1; i >= 0; i--) if (ms[i]!.role === 'user' && ms[i]!.content.trim()) return ms[i]!.content;
  return null;
}

export function addUsage(a: Usage, b: Usage): Usage {
  return { prompt_tokens: a.prompt_tokens + b.prompt_tokens, completion_tokens: a.completion_tokens + b.completion_tokens, total_tokens: a.total_tokens + b.total_tokens };
}

export const NO_USAGE: Usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };

export interface CompletionShape {
  id: string;
  created: number;
  model: string;
  content: string;
  finishReason: string;
  usage: Usage;
  /** Extra fields on `message` (v2: `agent`). */
  message?: Record<string, unknown>;
  /** Extra top-level fields (v2: `memory_metadata`, `covenant_cycle`). */
  extra?: Record<string, unknown>;
}

export function completionObject(c: CompletionShape) {
  return {
    id: c.id,
    object: 'chat.completion',
    created: c.created,
    model: c.model,
    choices: [{ index: 0, message: { role: 'assistant', content: c.content, refusal: null, ...c.message }, logprobs: null, finish_reason: c.finishReason }],
    usage: c.usage,
    system_fingerprint: null,
    ...c.extra,
  };
}

export interface ChunkHead {
  id: string;
  created: number;
  model: string;
}

export function chunkObject(h: ChunkHead, delta: Record<string, unknown>, finishReason: string | null, extra: Record<string, unknown> = {}) {
  return { id: h.id, object: 'chat.completion.chunk', created: h.created, model: h.model, system_fingerprint: null, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], ...extra };
}

/** The usage chunk OpenAI sends last when `stream_options.include_usage` is set. */
export function usageChunk(h: ChunkHead, usage: Usage) {
  return { id: h.id, object: 'chat.completion.chunk', created: h.created, model: h.model, system_fingerprint: null, choices: [], usage };
}

/** Sampling settings passed through to the provider. */
export function providerRequest(b: ChatV1Body, signal?: AbortSignal): Omit<CompletionRequest, 'messages'> {
  return { temperature: b.temperature ?? undefined, maxTokens: b.max_completion_tokens ?? b.max_tokens ?? undefined, signal };
}
