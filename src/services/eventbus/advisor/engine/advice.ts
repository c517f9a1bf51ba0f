/**
 * Strategy advice: the prompt sent to the LLM, the parsing of its reply (a JSON object
 * somewhere in the text), and the fallback strategy published when the LLM cannot answer
 * in time — the strategy most of the held jokers enable (from the seed's joker
 * conditions), else by hand shape. Pure.
 */
import type { ChatMessage } from '../../../../runtime/llm.ts';
import { isJsonObject, type JsonObject } from '../../wire/struct.ts';
import type { SignatureParts } from './signature.ts';

// A type (not an interface) so that it is plain JSON to the bus's producer.
export type Strategy = {
  name: string;
  reasoning: string;
  recommended_action: string | null;
  priority_jokers: string[];
  confidence: number;
};

/** A cached strategy read back from JSON. */
export function asStrategy(o: JsonObject): Strategy {
  return {
    name: typeof o.name === 'string' ? o.name : '', reasoning: typeof o.reasoning === 'string' ? o.reasoning : '', recommended_action: typeof o.recommended_action === 'string' ? o.recommended_action : null,
    priority_jokers: Array.isArray(o.priority_jokers) ? o.priority_jokers.filter((j): j is string => typeof j === 'string') : [], confidence: typeof o.confidence === 'number' ? o.confidence : 0,
  };
}

const SYSTEM = [
  'You advise a bot playing Balatro (a poker roguelike). Given the game state, name one strategy and the next action.',
  'Answer with one JSON object only: {"strategy": string, "reasoning": string, "recommended_action": string|null, "priority_jokers": string[], "confidence": number between 0 and 1}.',
  'recommended_action must be one of the available actions when they are listed.',
].join(' ');

export function prompt(parts: SignatureParts, available: string[], question: string, hints: string[]): ChatMessage[] {
  const lines = [
    `Ante ${parts.ante}, phase ${parts.phase || 'unknown'}, money about $${parts.money_bucket * 5}-${parts.money_bucket * 5 + 4}.`,
    `Jokers: ${parts.jokers.length ? parts.jokers.join(', ') : 'none'}.`,
    `Hand: largest same-rank group ${parts.hand_shape[0]}, largest same-suit group ${parts.hand_shape[1]}; ${parts.hands_remaining} hands and ${parts.discards_remaining} discards left.`,
    available.length ? `Available actions: ${available.join(', ')}.` : 'No action list was given.',
    hints.length ? `Strategies the jokers support: ${hints.join(', ')}.` : '',
    question ? `Question: ${question}` : 'Question: what should the bot aim for now?',
  ].filter((l) => l !== '');
  return [{ role: 'system', content: SYSTEM }, { role: 'user', content: lines.join('\n') }];
}

/** The first JSON object in the reply with a strategy name, or null. */
export function parseAdvice(text: string, available: string[]): Strategy | null {
  for (let start = text.indexOf('{'); start >= 0; start = text.indexOf('{', start + 1)) {
    for (let end = text.lastIndexOf('}'); end > start; end = text.lastIndexOf('}', end - 1)) {
      let v: unknown;
      try {
        v = JSON.parse(text.slice(start, end + 1));
      } catch {
        continue;
      }
      if (!isJsonObject(v) || typeof v.strategy !== 'string') break;
      const o = v;
      const action = typeof o.recommended_action === 'string' && (available.length === 0 || available.includes(o.recommended_action)) ? o.recommended_action : null;
      const conf = typeof o.confidence === 'number' && o.confidence >= 0 && o.confidence <= 1 ? o.confidence : 0.5;
      return {
        name: v.strategy.slice(0, 100), reasoning: typeof o.reasoning === 'string' ? o.reasoning.slice(0, 2000) : '', recommended_action: action,
        priority_jokers: Array.isArray(o.priority_jokers) ? o.priority_jokers.filter((j): j is string => typeof j === 'string').slice(0, 10) : [], confidence: conf,
      };
    }
  }
  return null;
}

/** The heuristic strategy: what the held jokers enable most, else the hand's shape. */
export function fallbackStrategy(parts: SignatureParts, enables: (joker: string) => string[], available: string[]): Strategy {
  const votes = new Map<string, string[]>();
  for (const j of parts.jokers) for (const s of enables(j)) votes.set(s, [...(votes.get(s) ?? []), j]);
  const ranked = [...votes.entries()].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
  const [rank, suit] = parts.hand_shape;
  const name = ranked[0]?.[0] ?? (suit >= 4 ? 'Flush Build' : rank >= 3 ? 'Three of a Kind Build' : rank >= 2 ? 'Pair Build' : 'Economy');
  const order = ['play_hand', 'select_small_blind', 'select_big_blind', 'select_boss_blind', 'skip_shop', 'discard'];
  const action = available.find((a) => order.includes(a.split(':')[0]!)) ?? available[0] ?? null;
  return {
    name,
    reasoning: ranked[0] ? `${ranked[0][1].length} of the held jokers (${ranked[0][1].join(', ')}) support ${name}.` : `No joker points anywhere yet; the hand's shape suggests ${name}.`,
    recommended_action: action, priority_jokers: ranked[0]?.[1] ?? [], confidence: ranked[0] ? Math.min(0.8, 0.3 + 0.1 * ranked[0][1].length) : 0.2,
  };
}
