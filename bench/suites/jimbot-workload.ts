/** Load for the JimBot component rows: finished games for the knowledge graph, logged decisions with outcomes for training, a BalatroMCP-sized decision request. */

const HAND = [['King', 'Spades'], ['King', 'Hearts'], ['4', 'Diamonds'], ['7', 'Clubs'], ['9', 'Spades'], ['Queen', 'Hearts'], ['2', 'Clubs'], ['Ace', 'Diamonds']];
const WEAK = [['2', 'Spades'], ['5', 'Hearts'], ['9', 'Diamonds'], ['Jack', 'Clubs'], ['Ace', 'Hearts'], ['7', 'Spades'], ['3', 'Diamonds'], ['10', 'Clubs']];

export function gameState(id: string, strong: boolean, chips: number): Record<string, unknown> {
  return {
    game_id: id, ante: 2, round: 5, chips, mult: 4, money: 12, hand_size: 8, hands_remaining: 3, discards_remaining: 2, game_state: 'SELECTING_HAND',
    jokers: [{ name: 'Jolly Joker', position: 0 }, { name: 'The Duo', position: 1 }],
    hand: (strong ? HAND : WEAK).map(([rank, suit], i) => ({ rank, suit, enhancement: 'base', edition: 'base', seal: 'none', id: i })),
    blind: { name: 'Big Blind', chips: 1200 },
  };
}

let n = 0;
const ev = (type: string, payload: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type, source: 'bench', event_id: `b-${++n}`, version: 1, payload, ...extra });

/** `count` finished games per joker set: the pair scores more than either alone. */
export function gameEvents(count: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const sets: [string[], number][] = [[['Jolly Joker', 'The Duo'], 900], [['Jolly Joker'], 300], [['The Duo'], 500], [['Greedy Joker', 'Droll Joker'], 700], [['Greedy Joker'], 400], [['Droll Joker'], 450]];
  for (const [jokers, score] of sets) {
    for (let i = 0; i < count; i++) {
      const id = `bench-${jokers.join('+')}-${i}`;
      out.push(ev('GAME_STATE', { game_id: id, ante: 1, jokers: jokers.map((name) => ({ name })), game_state: 'SELECTING_HAND' }));
      out.push(ev('ROUND_COMPLETE', { game_id: id, ante: 3, round: 9, score: score + (i % 7) * 10 }));
      out.push(ev('GAME_STATE', { game_id: id, ante: 3, game_state: 'GAME_OVER' }));
    }
  }
  return out;
}

/** Logged decisions with a learnable signal (pairs: play; no pair: discard). */
export function decisionEvents(games: number, perGame: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let s = 12345;
  const rand = (): number => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  for (let g = 0; g < games; g++) {
    let chips = 0;
    for (let d = 0; d < perGame; d++) {
      const strong = rand() < 0.5;
      const action = rand() < 0.5 ? 'play_hand' : 'discard';
      const id = `bench-req-${g}-${d}`;
      out.push(ev('LEARNING_DECISION', { request_id: id, game_state: gameState(`bench-d-${g}`, strong, chips), available_actions: ['play_hand', 'discard'] }, { subtype: 'REQUEST' }));
      out.push(ev('LEARNING_DECISION', { request_id: id, selected_action: action }, { subtype: 'RESPONSE' }));
      chips += strong ? (action === 'play_hand' ? 300 : 20) : action === 'discard' ? 200 : 30;
    }
    out.push(ev('GAME_STATE', gameState(`bench-d-${g}`, false, chips)));
  }
  return out;
}

export const JOKER_SYNERGIES = 'query JokerSynergies($jokerName: String!) {\n  joker(name: $jokerName) {\n    synergies {\n      target { name }\n      strength\n      conditions\n    }\n  }\n}';
