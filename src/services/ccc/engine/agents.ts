/**
 * Agent state per session: traits (clamped to 0…1), learned patterns with confidence and
 * `learned_from`, expertise, interaction history. Updated from stored turns (the agent's own
 * and the user's), from feedback, and by explicit updates. Pure.
 */
import type { AgentName } from '../types.ts';
import { PERSONAS, RESPONSE_LENGTH_BANDS, USER_PATTERNS } from './personas.ts';

export type PatternSource = 'turns' | 'feedback' | 'update';

export interface LearnedPattern {
  pattern: string;
  confidence: number;
  learned_from: number;
  source: PatternSource;
}

/** Stored form (JSON in agent_states.state). */
export interface AgentState {
  traits: Record<string, number>;
  patterns: LearnedPattern[];
  expertise: string[];
  /** Turns this agent wrote. */
  interactions: number;
  /** Feedback with a rating of at least 0.5. */
  successes: number;
  /** Characters across this agent's turns. */
  chars: number;
  /** Term → number of this agent's turns using it (the most frequent kept). */
  topics: Record<string, number>;
}

export interface StateUpdates {
  personality_traits?: Record<string, number>;
  new_learned_pattern?: { pattern: string; confidence?: number };
  expertise_areas?: string[];
}

const TOPICS_KEPT = 50;
const TOPICS_SLACK = 25;

export const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));
const r2 = (x: number): number => Math.round(x * 100) / 100;

export function defaultState(agent: AgentName): AgentState {
  const p = PERSONAS[agent];
  return { traits: { ...p.traits }, patterns: [], expertise: [...p.expertise], interactions: 0, successes: 0, chars: 0, topics: {} };
}

/** Confidence after `n` supporting turns: n/(n+2), so 1 → 0.33, 12 → 0.86. */
export const confidenceFrom = (n: number): number => r2(n / (n + 2));

function findPattern(s: AgentState, text: string): LearnedPattern | undefined {
  const key = text.trim().toLowerCase();
  return s.patterns.find((p) => p.pattern.toLowerCase() === key);
}

/** The agent wrote a turn: count it, its length and its terms. */
export function recordOwnTurn(s: AgentState, content: string, terms: readonly string[]): void {
  s.interactions++;
  s.chars += content.length;
  let added = 0;
  for (const t of terms) {
    const n = s.topics[t];
    if (n === undefined) added++;
    s.topics[t] = (n ?? 0) + 1;
  }
  // Counting keys allocates; only a turn that brought new words can have passed the bound.
  if (added === 0) return;
  const entries = Object.entries(s.topics);
  if (entries.length > TOPICS_KEPT + TOPICS_SLACK) {
    entries.sort((a, b) => b[1] - a[1]);
    s.topics = Object.fromEntries(entries.slice(0, TOPICS_KEPT));
  }
}

/** The user wrote a turn: every pattern it shows gains one supporting turn. Returns the patterns seen. */
export function learnFromUser(s: AgentState, content: string): string[] {
  const seen: string[] = [];
  for (const { pattern, test } of USER_PATTERNS) {
    if (!test.test(content)) continue;
    seen.push(pattern);
    const p = findPattern(s, pattern);
    if (p) {
      p.learned_from++;
      p.confidence = Math.max(p.confidence, confidenceFrom(p.learned_from));
    } else s.patterns.push({ pattern, confidence: confidenceFrom(1), learned_from: 1, source: 'turns' });
  }
  return seen;
}

/** Feedback on the agent's work: ratings ≥ 0.5 are successes; a named pattern is learned at the rating's confidence. */
export function applyFeedback(s: AgentState, rating: number, pattern?: string): string[] {
  const fields = ['interaction_history'];
  if (rating >= 0.5) s.successes++;
  if (pattern && pattern.trim()) {
    addPattern(s, pattern, rating, 'feedback');
    fields.push('learned_patterns');
  }
  return fields;
}

function addPattern(s: AgentState, text: string, confidence: number, source: PatternSource): void {
  const p = findPattern(s, text);
  if (p) {
    p.learned_from++;
    p.confidence = r2(clamp01(confidence));
  } else s.patterns.push({ pattern: text.trim(), confidence: r2(clamp01(confidence)), learned_from: 1, source });
}

/** Explicit update (PUT): traits merged and clamped, a pattern added or reinforced, expertise replaced. */
export function applyUpdates(s: AgentState, u: StateUpdates): string[] {
  const fields: string[] = [];
  if (u.personality_traits && Object.keys(u.personality_traits).length) {
    for (const [k, v] of Object.entries(u.personality_traits)) s.traits[k] = r2(clamp01(v));
    fields.push('personality_traits');
  }
  if (u.new_learned_pattern) {
    addPattern(s, u.new_learned_pattern.pattern, u.new_learned_pattern.confidence ?? 0.5, 'update');
    fields.push('learned_patterns');
  }
  if (u.expertise_areas) {
    s.expertise = [...new Set(u.expertise_areas.map((e) => e.trim()).filter(Boolean))];
    fields.push('expertise_areas');
  }
  return fields;
}

export function topTopics(s: AgentState, n: number): string[] {
  return Object.entries(s.topics).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n).map(([t]) => t);
}

export function responseLength(s: AgentState): 'brief' | 'moderate' | 'detailed' | null {
  if (s.interactions === 0) return null;
  const avg = s.chars / s.interactions;
  return avg < RESPONSE_LENGTH_BANDS.brief ? 'brief' : avg < RESPONSE_LENGTH_BANDS.moderate ? 'moderate' : 'detailed';
}

const byConfidence = (a: LearnedPattern, b: LearnedPattern): number => b.confidence - a.confidence || b.learned_from - a.learned_from;

/** Wire form (ccc-stage2.md "Get Agent State" `state`), plus the agent's recent topics. */
export function stateView(s: AgentState) {
  return {
    personality_traits: { ...s.traits },
    learned_patterns: [...s.patterns].sort(byConfidence).map(({ pattern, confidence, learned_from }) => ({ pattern, confidence, learned_from })),
    expertise_areas: [...s.expertise],
    interaction_history: { total_interactions: s.interactions, successful_outcomes: s.successes, preferred_response_length: responseLength(s) },
    recent_topics: topTopics(s, 5),
  };
}

/** The agent as the session context shows it (ccc-stage2.md "Get Session Context" `agent_states`). */
export function contextView(agent: AgentName, s: AgentState): Record<string, string | string[]> {
  const p = PERSONAS[agent];
  const strongest = Object.entries(s.traits).filter(([k]) => k in p.styles).sort((a, b) => b[1] - a[1])[0];
  const topics = topTopics(s, 5);
  return {
    [p.view.style]: strongest ? p.styles[strongest[0]]! : 'balanced',
    [p.view.areas]: topics.length ? topics : [...s.expertise],
    [p.view.patterns]: [...s.patterns].sort(byConfidence).slice(0, 5).map((x) => x.pattern),
  };
}

/** The agent's state as a prompt paragraph. */
export function promptSection(agent: AgentName, s: AgentState): string {
  const traits = Object.entries(s.traits).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
  const lines = [`Your state in this session (${PERSONAS[agent].title}): traits ${traits}.`];
  const patterns = [...s.patterns].sort(byConfidence).slice(0, 5);
  if (patterns.length) lines.push(`Learned about the user: ${patterns.map((p) => `${p.pattern} (confidence ${p.confidence.toFixed(2)})`).join('; ')}.`);
  if (s.expertise.length) lines.push(`Expertise: ${s.expertise.join(', ')}.`);
  const topics = topTopics(s, 5);
  if (topics.length) lines.push(`Recent topics: ${topics.join(', ')}.`);
  const len = responseLength(s);
  if (len) lines.push(`Your replies here have been ${len}.`);
  return lines.join('\n');
}

export function parseState(agent: AgentName, json: string | null): AgentState {
  if (!json) return defaultState(agent);
  return { ...defaultState(agent), ...(JSON.parse(json) as Partial<AgentState>) };
}
