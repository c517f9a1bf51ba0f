/**
 * BalatroMCP-shaped load for the event bus rows: 50-event batches as the mod's
 * aggregator sends them during play (scoring sequences dominate; one full GAME_STATE per
 * batch), with fresh event_ids on every request so nothing is a re-send.
 */

const card = (rank: string, suit: string, id: number): Record<string, unknown> => ({ id, rank, suit, enhancement: 'base', edition: 'base', seal: 'none' });

function gameState(): Record<string, unknown> {
  const suits = ['Spades', 'Hearts', 'Clubs', 'Diamonds'];
  const ranks = ['2', '3', '4', '5', '6', '7', '8', '9', '10', 'Jack', 'Queen', 'King', 'Ace'];
  const full: Record<string, unknown>[] = [];
  let id = 100;
  for (const s of suits) for (const r of ranks) full.push(card(r, s, id++));
  return {
    in_game: true, game_id: 'BENCH001', ante: 3, round: 7, hand_number: 2, chips: 1250, mult: 4.5, money: 17, hand_size: 8, hands_remaining: 2, discards_remaining: 1,
    score_history: { '1': ['300', '450', '800'] },
    jokers: [{ id: 11, name: 'Joker', position: 0, properties: { mult: 4, chips: 0, cost: 2, sell_value: 1, edition: 'base' } }, { id: 12, name: 'Greedy Joker', position: 1, properties: { mult: 3, chips: 0, cost: 5, sell_value: 2, edition: 'foil' } }],
    hand: full.slice(0, 8), deck: { remaining_count: 44, cards_remaining: full.slice(8, 13), full_deck: full }, consumables: {},
    shop_items: { joker_1: { name: 'Blueprint', cost: 10, rarity: 3 } }, game_state: 'SELECTING_HAND', ui_state: '2',
    blind: { name: 'The Wall', chips: 2000, chip_text: '2,000', mult: 4, defeated: false, boss: true }, timestamp: 1_733_000_000, frame_count: 1200,
  };
}

const ID = '@@ID@@';
let clock = 5_023_117.25;

function ev(type: string, payload: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  clock += 3.3;
  return { type, source: 'BalatroMCP', payload, ...extra, event_id: ID, timestamp: Math.round(clock * 1e4) / 1e4, version: 1 };
}

/** The mix of one batch; `gameTopicsOnly` drops HEARTBEAT so every event matches `game.>`. */
export function modBatchEvents(gameTopicsOnly = false): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [ev('GAME_STATE', gameState(), { changes: {}, debug: false })];
  if (!gameTopicsOnly) out.push(ev('HEARTBEAT', { version: '0.1.0', uptime: 65_000.5, headless: true, game_state: '2' }));
  for (let i = 0; out.length < 42; i++) {
    out.push(ev('JOKER_TRIGGER', { joker_name: 'Joker', context_type: 'unknown', timestamp: clock }, { priority: 'low' }));
    out.push(ev('SCORING', { joker: { name: 'Joker', id: 11, position: 0 }, score_contribution: 4, current_total: 1250 + i, timestamp: clock }, { subtype: 'JOKER_TRIGGER' }));
  }
  out.push(ev('MONEY_CHANGED', { old_value: 12, new_value: 17, difference: 5 }), ev('SCORE_CHANGED', { old_chips: 300, new_chips: 1250, old_mult: 4, new_mult: 4.5 }));
  out.push(ev('HAND_PLAYED', { hands_remaining: 2, hand_number: 2 }), ev('CARDS_DISCARDED', { discards_remaining: 1 }), ev('ROUND_CHANGED', { ante: 3, round: 7 }));
  out.push(ev('PHASE_CHANGED', { old_phase: 'SHOP', new_phase: 'SELECTING_HAND' }), ev('ROUND_COMPLETE', { ante: 3, round: 7, score: 2400, money: 21 }));
  while (out.length < 50) out.push(ev('JOKERS_CHANGED', { old_count: 1, new_count: 2 }));
  return out.slice(0, 50);
}

/** Batch bodies with unique event ids per call: the template is split once, ids are spliced in. */
export function batchBodies(gameTopicsOnly = false): { next(): string; bytes: number; events: number } {
  const template = JSON.stringify({ batch_id: ID, events: modBatchEvents(gameTopicsOnly), source: 'BalatroMCP', timestamp: 1_733_000_000_000 });
  const parts = template.split(`"${ID}"`);
  const run = Math.random().toString(36).slice(2, 8);
  let n = 0;
  return {
    bytes: template.length,
    events: parts.length - 2,
    next() {
      const base = `${run}-${(n++).toString(36)}`;
      let s = parts[0]!;
      for (let i = 1; i < parts.length; i++) s += `"${base}-${i}"${parts[i]}`;
      return s;
    },
  };
}
