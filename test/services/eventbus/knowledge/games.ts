/** Constructed games as BalatroMCP would report them: GAME_STATE with the jokers, ROUND_COMPLETE scores, then GAME_OVER. */
import type { Bus } from '../bus.ts';

export interface GameSpec {
  id: string;
  jokers: string[];
  /** Final score: one ROUND_COMPLETE per entry, summed. */
  rounds: number[];
  won?: boolean;
  ante?: number;
  source?: string;
}

let n = 0;
const ev = (type: string, payload: Record<string, unknown>, source: string) => ({ type, source, event_id: `kg-${++n}-${Math.random().toString(36).slice(2)}`, timestamp: Date.now(), version: 1, payload });

export function gameEvents(g: GameSpec): Record<string, unknown>[] {
  const source = g.source ?? 'BalatroMCP';
  const ante = g.ante ?? 3;
  const out = [ev('GAME_STATE', { game_id: g.id, ante: 1, round: 1, chips: 0, jokers: g.jokers.map((name, i) => ({ name, position: i })), game_state: 'SELECTING_HAND' }, source)];
  g.rounds.forEach((score, i) => out.push(ev('ROUND_COMPLETE', { game_id: g.id, ante: Math.min(ante, 1 + Math.floor(i / 3)), round: i + 1, score }, source)));
  out.push(ev('GAME_STATE', { game_id: g.id, ante, round: g.rounds.length, jokers: g.jokers.map((name) => ({ name })), game_state: g.won ? 'GAME_WON' : 'GAME_OVER', won: g.won === true }, source));
  return out;
}

export async function postGames(bus: Bus, games: GameSpec[]): Promise<number> {
  const events = games.flatMap(gameEvents);
  const r = await bus.call('POST', '/api/v1/events/batch', { batch_id: `games-${++n}`, source: 'BalatroMCP', events });
  if (r.status !== 200) throw new Error(`batch ${r.status}: ${await r.text()}`);
  const body = (await r.json()) as { last_sequence: number; accepted: number };
  if (body.accepted !== events.length) throw new Error(`only ${body.accepted} of ${events.length} accepted`);
  return body.last_sequence;
}

export async function gql(bus: Bus, query: string, variables?: Record<string, unknown>): Promise<{ status: number; body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown>; locations?: unknown[]; path?: unknown[] }[] } }> {
  const r = await bus.call('POST', '/graphql', { query, variables });
  return { status: r.status, body: (await r.json()) as { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] } };
}

/** Waits until the knowledge graph has applied everything up to `seq`. */
export async function applied(bus: Bus, seq: number): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const h = (await bus.health()).components as { knowledge: { position: number } };
    if (h.knowledge.position >= seq) return;
    if (Date.now() > deadline) throw new Error(`knowledge graph stuck at ${h.knowledge.position} < ${seq}`);
    await Bun.sleep(10);
  }
}

export const JOKER_SYNERGIES = `
      query JokerSynergies($jokerName: String!) {
        joker(name: $jokerName) {
          synergies {
            target { name }
            strength
            conditions
          }
        }
      }`;
