/** Prompt assembly: persona, agent state and stored memory in one system message ahead of the client's messages. Pure. */
import type { ChatMessage } from '../../../runtime/llm.ts';

export interface MemoryContext {
  summary: string;
  /** Earlier conversations relevant to this request. */
  conversations: readonly { directive: string; summary: string; relevance: number }[];
  /** Turns of other conversations that match this request. */
  turns: readonly { agent: string; directive: string; snippet: string; relevance: number }[];
  /** The current conversation's latest turns, oldest first. */
  recent: readonly { agent: string; content: string }[];
}

export function memorySection(m: MemoryContext): string {
  const out: string[] = [];
  if (m.summary) out.push(`Session summary: ${m.summary}`);
  if (m.conversations.length) {
    out.push('Relevant earlier conversations:');
    for (const c of m.conversations) out.push(`- (${c.relevance.toFixed(2)}) ${c.summary}`);
  }
  if (m.turns.length) {
    out.push('Relevant earlier turns:');
    for (const t of m.turns) out.push(`- (${t.relevance.toFixed(2)}) ${t.agent}, on "${t.directive}": ${t.snippet}`);
  }
  if (m.recent.length) {
    out.push('This conversation so far:');
    for (const t of m.recent) out.push(`- ${t.agent}: ${t.content.length > 600 ? `${t.content.slice(0, 597)}...` : t.content}`);
  }
  return out.join('\n');
}

export function systemMessage(persona: string, state: string | null, memory: MemoryContext | null): ChatMessage {
  const parts = [persona];
  if (state) parts.push(state);
  const mem = memory ? memorySection(memory) : '';
  if (mem) parts.push(`Memory from earlier work in this session:\n${mem}`);
  return { role: 'system', content: parts.join('\n\n') };
}

/** Our system message first, then the client's own messages unchanged. */
export function withSystem(system: ChatMessage, messages: readonly ChatMessage[]): ChatMessage[] {
  return [system, ...messages];
}
