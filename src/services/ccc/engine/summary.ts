/** Extractive summaries built from stored data (no model call). Pure. */

const clip = (s: string, n: number): string => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length <= n ? flat : `${flat.slice(0, n - 3).trimEnd()}...`;
};

export interface ConversationFacts {
  directive: string;
  turnCount: number;
  agents: readonly string[];
  /** The latest turn by beatrice or codey, or null when neither has spoken. */
  lastReply: { agent: string; content: string } | null;
}

export function conversationSummary(f: ConversationFacts): string {
  const who = f.agents.length ? ` with ${f.agents.join(', ')}` : '';
  const head = `Discussion of "${clip(f.directive, 100)}" (${f.turnCount} turn${f.turnCount === 1 ? '' : 's'}${who})`;
  return f.lastReply ? `${head}; last, ${f.lastReply.agent}: ${clip(f.lastReply.content, 140)}` : head;
}

export interface SessionFacts {
  conversationCount: number;
  turnCount: number;
  recentDirectives: readonly string[];
  topics: readonly string[];
  initialContext: string;
}

export function sessionSummary(f: SessionFacts): string {
  const parts: string[] = [];
  if (f.initialContext.trim()) parts.push(clip(f.initialContext, 300));
  if (f.conversationCount === 0) {
    parts.push('No conversations yet.');
    return parts.join(' ');
  }
  parts.push(`${f.conversationCount} conversation${f.conversationCount === 1 ? '' : 's'} and ${f.turnCount} turn${f.turnCount === 1 ? '' : 's'} so far.`);
  if (f.topics.length) parts.push(`Main topics: ${f.topics.join(', ')}.`);
  if (f.recentDirectives.length) parts.push(`Recent directives: ${f.recentDirectives.map((d) => `"${clip(d, 80)}"`).join('; ')}.`);
  return parts.join(' ');
}
