/**
 * Game sessions from the game's events. A session is a `game_id`; it records every
 * joker seen in its GAME_STATE / JOKERS_CHANGED payloads (USED_JOKER), the highest ante,
 * and the score: the sum of ROUND_COMPLETE scores (the highest `chips` seen when a game
 * sent no ROUND_COMPLETE). It ends on an explicit signal (a payload with `won`, or a
 * `game_state` / `new_phase` of GAME_OVER / WIN / VICTORY), or when the same source starts
 * another game (then it is won when it got past the winning ante). Pure.
 */
import { isJsonObject, type Json, type JsonObject } from '../../wire/struct.ts';
import { list, num, str } from '../../engine/typed.ts';

export interface Session {
  session_id: string;
  source: string;
  started_ms: number;
  last_ms: number;
  jokers: string[];
  final_ante: number;
  final_score: number;
  round_score: number;
  max_chips: number;
  rounds: number;
  won: boolean | null;
  ended: boolean;
  strategy: string | null;
}

export function newSession(id: string, source: string, timeMs: number): Session {
  return { session_id: id, source, started_ms: timeMs, last_ms: timeMs, jokers: [], final_ante: 0, final_score: 0, round_score: 0, max_chips: 0, rounds: 0, won: null, ended: false, strategy: null };
}

/** Joker names in a payload's `jokers` list (objects with `name`, or plain strings). */
export function jokerNames(v: Json | undefined): string[] {
  const out: string[] = [];
  for (const j of list(v)) {
    const n = isJsonObject(j) ? str(j.name) : str(j);
    if (n && n.trim() !== '') out.push(n.trim());
  }
  return out;
}

export type EndSignal = 'won' | 'lost' | null;

function endSignal(p: JsonObject): EndSignal {
  if (p.won === true || p.game_won === true) return 'won';
  const phase = `${str(p.game_state) ?? ''} ${str(p.new_phase) ?? ''} ${str(p.phase) ?? ''}`.toUpperCase();
  if (/\b(WIN|WON|VICTORY)\b/.test(phase)) return 'won';
  if (/GAME_OVER|\bLOST\b/.test(phase) || p.game_over === true) return 'lost';
  return null;
}

/** Folds a GAME_STATE, JOKERS_CHANGED, PHASE_CHANGED or HAND_PLAYED payload in; returns the end signal it carries. */
export function applyState(s: Session, p: JsonObject, timeMs: number, canonical: (name: string) => string): EndSignal {
  s.last_ms = Math.max(s.last_ms, timeMs);
  for (const name of jokerNames(p.jokers)) {
    const c = canonical(name);
    if (!s.jokers.includes(c)) s.jokers.push(c);
  }
  const ante = num(p.ante);
  if (ante !== undefined && ante > s.final_ante) s.final_ante = Math.trunc(ante);
  const chips = num(p.chips);
  if (chips !== undefined && chips > s.max_chips) s.max_chips = chips;
  if (s.rounds === 0) s.final_score = s.max_chips;
  return endSignal(p);
}

export function applyRoundComplete(s: Session, p: JsonObject, timeMs: number): EndSignal {
  s.last_ms = Math.max(s.last_ms, timeMs);
  const score = num(p.score) ?? num(p.chips) ?? 0;
  s.rounds++;
  s.round_score += score;
  s.final_score = s.round_score;
  const ante = num(p.ante);
  if (ante !== undefined && ante > s.final_ante) s.final_ante = Math.trunc(ante);
  return endSignal(p);
}

export function finish(s: Session, signal: 'won' | 'lost' | 'superseded', winAnte: number): void {
  s.ended = true;
  s.won = signal === 'won' ? true : signal === 'lost' ? false : s.final_ante > winAnte;
}
