/**
 * Export writers for json, jsonl and markdown. Each produces text pieces in order (head,
 * one piece per conversation, tail), so a large session is written without holding it whole. Pure.
 */

export interface ExportTurn {
  turn_id: string;
  turn_number: number;
  agent: string;
  content: string;
  timestamp: string;
  metadata?: Record<string, unknown>;
}

export interface ExportConversation {
  conversation_id: string;
  directive: string;
  created_at: string;
  status: string;
  turns: ExportTurn[];
}

export interface ExportHead {
  export_id: string;
  session_id: string;
  format: string;
  exported_at: string;
  time_range: { start: string | null; end: string | null } | null;
  session: Record<string, unknown>;
}

export interface ExportWriter {
  head(h: ExportHead): string;
  conversation(c: ExportConversation, index: number): string;
  tail(agentStates: Record<string, unknown> | null): string;
  contentType: string;
  extension: string;
}

const json: ExportWriter = {
  contentType: 'application/json',
  extension: 'json',
  head: (h) => `${JSON.stringify(h).slice(0, -1)},"conversations":[`,
  conversation: (c, i) => (i > 0 ? ',' : '') + JSON.stringify(c),
  tail: (a) => `]${a ? `,"agent_states":${JSON.stringify(a)}` : ''}}\n`,
};

const jsonl: ExportWriter = {
  contentType: 'application/x-ndjson',
  extension: 'jsonl',
  head: (h) => `${JSON.stringify({ type: 'export', ...h })}\n`,
  conversation: (c) => {
    const { turns, ...rest } = c;
    let out = `${JSON.stringify({ type: 'conversation', ...rest, turn_count: turns.length })}\n`;
    for (const t of turns) out += `${JSON.stringify({ type: 'turn', conversation_id: c.conversation_id, ...t })}\n`;
    return out;
  },
  tail: (a) => (a ? Object.entries(a).map(([agent, state]) => `${JSON.stringify({ type: 'agent_state', agent, state })}\n`).join('') : ''),
};

const fence = (v: unknown): string => `\`\`\`json\n${JSON.stringify(v, null, 2)}\n\`\`\`\n`;

const markdown: ExportWriter = {
  contentType: 'text/markdown; charset=utf-8',
  extension: 'md',
  head: (h) => {
    const range = h.time_range ? `${h.time_range.start ?? 'beginning'} to ${h.time_range.end ?? 'now'}` : 'all time';
    const lines = [`# CCC session ${h.session_id}`, '', `- Export: ${h.export_id}`, `- Exported at: ${h.exported_at}`, `- Time range: ${range}`];
    for (const [k, v] of Object.entries(h.session)) lines.push(`- ${k.replace(/_/g, ' ')}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
    return `${lines.join('\n')}\n`;
  },
  conversation: (c) => {
    let out = `\n## ${c.directive.replace(/\s+/g, ' ').slice(0, 120)}\n\n\`${c.conversation_id}\` · created ${c.created_at} · ${c.status}\n`;
    for (const t of c.turns) {
      out += `\n### Turn ${t.turn_number} · ${t.agent} · ${t.timestamp}\n\n${t.content}\n`;
      if (t.metadata && Object.keys(t.metadata).length) out += `\n${fence(t.metadata)}`;
    }
    return out;
  },
  tail: (a) => (a ? `\n## Agent states\n${Object.entries(a).map(([agent, state]) => `\n### ${agent}\n\n${fence(state)}`).join('')}` : ''),
};

export const EXPORT_WRITERS = { json, jsonl, markdown } as const;
