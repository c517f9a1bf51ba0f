/** Domain vocabulary shared by the store, the engines and the handlers. */

export const AGENTS = ['wykeve', 'beatrice', 'codey'] as const;
export type AgentName = (typeof AGENTS)[number];
export const isAgent = (s: string): s is AgentName => (AGENTS as readonly string[]).includes(s);

/** Agents that answer chat completions (wykeve is the user). */
export const RESPONDERS = ['beatrice', 'codey'] as const;
export type Responder = (typeof RESPONDERS)[number];

export const PERMISSIONS = ['read', 'write', 'memory'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export type SessionStatus = 'active' | 'archived';
export type ConversationStatus = 'active' | 'completed' | 'archived';

export interface Preferences {
  memory_retention_days: number;
  context_depth: number;
  auto_summarize: boolean;
}

export interface SessionRow {
  id: string;
  key: string;
  created_at: number;
  last_active: number;
  status: SessionStatus;
  archived_at: number | null;
  retention_days: number;
  context_depth: number;
  auto_summarize: number;
  initial_context: string;
  summary: string | null;
  key_topics: string | null;
  summary_trigger: string | null;
  summary_updated_at: number | null;
  conversation_count: number;
  turn_count: number;
  storage_bytes: number;
}

export interface ConversationRow {
  seq: number;
  id: string;
  session_id: string;
  directive: string;
  term_count: number;
  created_at: number;
  updated_at: number;
  status: ConversationStatus;
  turn_count: number;
  bytes: number;
}

export interface TurnRow {
  seq: number;
  id: string;
  conversation_seq: number;
  session_id: string;
  turn_number: number;
  agent: AgentName;
  content: string;
  metadata: string;
  created_at: number;
  term_count: number;
  bytes: number;
}

export function preferencesOf(s: SessionRow): Preferences {
  return { memory_retention_days: s.retention_days, context_depth: s.context_depth, auto_summarize: s.auto_summarize === 1 };
}
