/**
 * Constructed decision logs with a learnable signal: with a pair in hand playing scores
 * about 300 and discarding 20; without one discarding sets up about 200 and playing scores
 * 30 (each ±80 of noise). The
 * logged actions are a seeded coin flip, so half of them are poor choices. The fallback
 * heuristic always plays, so it is right only half the time on this data.
 */
import type { Bus } from '../bus.ts';

const STRONG = [{ rank: 'King', suit: 'Spades' }, { rank: 'King', suit: 'Hearts' }, { rank: '4', suit: 'Diamonds' }, { rank: '7', suit: 'Clubs' }, { rank: '9', suit: 'Spades' }];
const WEAK = [{ rank: '2', suit: 'Spades' }, { rank: '5', suit: 'Hearts' }, { rank: '9', suit: 'Diamonds' }, { rank: 'Jack', suit: 'Clubs' }, { rank: 'Ace', suit: 'Hearts' }];

export function state(gameId: string, strong: boolean, chips: number): Record<string, unknown> {
  return { game_id: gameId, ante: 1, round: 1, chips, money: 4, hands_remaining: 3, discards_remaining: 2, hand_size: 8, game_state: 'SELECTING_HAND', hand: strong ? STRONG : WEAK, jokers: [] };
}

function rng(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

export function decisionEvents(games: number, perGame: number, seed = 7): Record<string, unknown>[] {
  const rand = rng(seed);
  const out: Record<string, unknown>[] = [];
  let id = 0;
  for (let g = 0; g < games; g++) {
    let chips = 0;
    for (let d = 0; d < perGame; d++) {
      const strong = rand() < 0.5;
      const action = rand() < 0.5 ? 'play_hand' : 'discard';
      const requestId = `req-${seed}-${g}-${d}`;
      out.push({ type: 'LEARNING_DECISION', subtype: 'REQUEST', source: 'sim', event_id: `e-${seed}-${id++}`, payload: { request_id: requestId, game_state: state(`g-${seed}-${g}`, strong, chips), available_actions: ['play_hand', 'discard'], time_limit_ms: 100 } });
      out.push({ type: 'LEARNING_DECISION', subtype: 'RESPONSE', source: 'sim', event_id: `e-${seed}-${id++}`, payload: { request_id: requestId, selected_action: action } });
      // The gain has noise (±80): some outcomes land on the wrong side of the average.
      chips += Math.max(0, Math.round((strong ? (action === 'play_hand' ? 300 : 20) : action === 'discard' ? 200 : 30) + (rand() - 0.5) * 160));
    }
    // The game's last state, so the last decision has an outcome too.
    out.push({ type: 'GAME_STATE', source: 'sim', event_id: `e-${seed}-${id++}`, payload: state(`g-${seed}-${g}`, false, chips) });
  }
  return out;
}

export async function postAll(bus: Bus, events: Record<string, unknown>[]): Promise<number> {
  let last = 0;
  for (let i = 0; i < events.length; i += 1000) {
    const r = await bus.call('POST', '/api/v1/events/batch', { events: events.slice(i, i + 1000) });
    if (r.status !== 200) throw new Error(`batch ${r.status}`);
    last = ((await r.json()) as { last_sequence: number }).last_sequence;
  }
  return last;
}

export async function logged(bus: Bus, seq: number): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const h = (await bus.health()).components as { decisions: { position: number } };
    if (h.decisions.position >= seq) return;
    if (Date.now() > deadline) throw new Error('decision log did not catch up');
    await Bun.sleep(10);
  }
}
