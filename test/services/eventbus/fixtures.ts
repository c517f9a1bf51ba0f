/**
 * Payloads and encodings that reproduce what BalatroMCP really sends (REFERENCE §4 and
 * the mod's event_bus_client / event_aggregator / game_state_extractor, read for facts):
 * its JSON encoder writes an empty table as `{}`, array items that are not tables as
 * quoted `tostring()` text without escaping, nested arrays inside arrays as objects keyed
 * "1".."n", and numbers with Lua's `%.14g`; event timestamps are game-clock milliseconds,
 * batch timestamps Unix ms; events carry extra top-level fields.
 */

export type Lua = null | boolean | number | string | Lua[] | { [k: string]: Lua };

/** Lua's tostring() for numbers (`%.14g`, nan/inf spelled by the C library). */
export function luaNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (n === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= 14) {
    const [m, e] = n.toExponential(13).split('e') as [string, string];
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const ev = Number(e);
    return `${mant}e${ev < 0 ? '-' : '+'}${String(Math.abs(ev)).padStart(2, '0')}`;
  }
  const fixed = n.toFixed(Math.max(0, 13 - exp));
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

function escapeString(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
}

function encodeTable(t: Lua[] | { [k: string]: Lua }): string {
  const entries: [string, Lua][] = Array.isArray(t) ? t.map((v, i) => [String(i + 1), v]) : Object.entries(t);
  return `{${entries.map(([k, v]) => `"${k}":${encodeValue(v)}`).join(',')}}`;
}

function encodeValue(v: Lua): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `"${escapeString(v)}"`;
  if (typeof v === 'number') return luaNumber(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v) && v.length > 0) {
    // Items: tables become objects (even arrays), anything else quoted tostring() text, unescaped.
    return `[${v.map((item) => (item !== null && typeof item === 'object' ? encodeTable(item) : `"${typeof item === 'number' ? luaNumber(item) : String(item)}"`)).join(',')}]`;
  }
  return encodeTable(v as { [k: string]: Lua });
}

/** BalatroMCP's table_to_json, as a function over JS values (arrays are Lua sequences). */
export function balatroJson(t: { [k: string]: Lua }): string {
  return encodeTable(t);
}

let uuidState = 1;
/** UUID-shaped ids like the mod's generator (deterministic here). */
export function modUuid(): string {
  const hex = (uuidState++).toString(16).padStart(12, '0');
  return `6f1c2d3e-4a5b-4c6d-8e7f-${hex}`;
}

const card = (rank: string, suit: string, extra: { [k: string]: Lua } = {}): { [k: string]: Lua } => ({ rank, suit, enhancement: 'base', edition: 'base', seal: 'none', ...extra });

/** A game state as game_state_extractor builds it, with every collection filled. */
export function gameStatePayload(gameId = 'ABC12345', frame = 1200): { [k: string]: Lua } {
  const suits = ['Spades', 'Hearts', 'Clubs', 'Diamonds'];
  const ranks = ['2', '3', '4', '5', '6', '7', '8', '9', '10', 'Jack', 'Queen', 'King', 'Ace'];
  const full: { [k: string]: Lua }[] = [];
  let id = 100;
  for (const s of suits) for (const r of ranks) full.push(card(r, s, { id: id++ }));
  return {
    in_game: true,
    game_id: gameId,
    ante: 3,
    round: 7,
    hand_number: 2,
    chips: 1250,
    mult: 4.5,
    money: 17,
    hand_size: 8,
    hands_remaining: 2,
    discards_remaining: 1,
    score_history: { '1': [300, 450, '800'], '2': 1200 },
    jokers: [
      { id: 11, name: 'Joker', position: 0, properties: { mult: 4, chips: 0, cost: 2, sell_value: 1, edition: 'base' } },
      { id: 12, name: 'Greedy Joker', position: 1, properties: { mult: 3, chips: 0, cost: 5, sell_value: 2, edition: 'foil' } },
    ],
    hand: [card('Ace', 'Spades', { id: 1, position: 0 }), card('King', 'Hearts', { id: 2, position: 1, seal: 'Gold' }), card('10', 'Clubs', { id: 3, position: 2, enhancement: 'm_bonus' })],
    deck: { remaining_count: 44, cards_remaining: full.slice(0, 5), full_deck: full },
    consumables: [{ id: 21, name: 'The Fool', card_type: 'Tarot', position: 0, properties: { cost: 3, edition: 'base' } }],
    shop_items: { joker_1: { name: 'Blueprint', cost: 10, rarity: 3 }, booster_1: { name: 'Arcana Pack', cost: 4 }, voucher_1: { name: 'Overstock', cost: 10 } },
    game_state: 'SELECTING_HAND',
    ui_state: '2',
    blind: { name: 'The Wall', chips: 2000, chip_text: '2,000', mult: 4, defeated: false, boss: true },
    timestamp: 1_733_000_000,
    frame_count: frame,
  };
}

export interface ModEvent {
  [k: string]: Lua;
}

let clock = 5_023_117.25;
/** love.timer.getTime() * 1000: float milliseconds on the game's clock. */
export function gameClock(): number {
  clock += 16.6667;
  return clock;
}

export function modEvent(type: string, payload: { [k: string]: Lua }, extra: { [k: string]: Lua } = {}): ModEvent {
  return { type, source: 'BalatroMCP', payload, ...extra, event_id: modUuid(), timestamp: gameClock(), version: 1 };
}

/** One of each event type the mod sends, as the aggregator batches them. */
export function everyModEvent(gameId = 'ABC12345'): ModEvent[] {
  const money = modEvent('MONEY_CHANGED', { old_value: 12, new_value: 17, difference: 5 });
  return [
    modEvent('HEARTBEAT', { version: '0.1.0', uptime: 65_000.5, headless: false, game_state: '2' }),
    money,
    modEvent('SCORE_CHANGED', { old_chips: 300, new_chips: 1250, old_mult: 4, new_mult: 4.5 }),
    modEvent('HAND_PLAYED', { hands_remaining: 2, hand_number: 2 }),
    modEvent('CARDS_DISCARDED', { discards_remaining: 1 }),
    modEvent('JOKERS_CHANGED', { old_count: 1, new_count: 2, jokers: gameStatePayload(gameId).jokers! }),
    modEvent('ROUND_CHANGED', { ante: 3, round: 7 }),
    modEvent('PHASE_CHANGED', { old_phase: 'SHOP', new_phase: 'SELECTING_HAND' }),
    modEvent('ROUND_COMPLETE', { ante: 3, round: 7, score: 2400, money: 21 }),
    modEvent('JOKER_TRIGGER', { joker_name: 'Joker', context_type: 'unknown', timestamp: gameClock() }, { priority: 'low' }),
    modEvent('SCORING', { joker: { name: 'Joker', id: 11, position: 0 }, score_contribution: 4, current_total: 1250, timestamp: gameClock() }, { subtype: 'JOKER_TRIGGER' }),
    modEvent('LEARNING_DECISION', { request_id: 'REQ-1733000000-4821', game_state: gameStatePayload(gameId), available_actions: ['play_hand', 'discard', 'sort_hand'], time_limit_ms: 1000 }, { subtype: 'REQUEST', priority: 'high' }),
    modEvent('ERROR', { message: 'attempt to index a nil value', context: {}, stack_trace: 'stack traceback:\n\t[C]: in function \'error\'' }, { priority: 'high' }),
    modEvent('GAME_STATE', gameStatePayload(gameId), { changes: [money], initial: false, debug: true }),
  ];
}

/** connection_test exactly as the client's test_connection builds it: `data`, no event_id, Unix-ms timestamp. */
export function connectionTest(): ModEvent {
  return { type: 'connection_test', timestamp: 1_733_000_000_000, source: 'BalatroMCP', data: { message: 'Testing event bus connection' } };
}

export function modBatch(events: ModEvent[], batchId = modUuid()): { [k: string]: Lua } {
  return { batch_id: batchId, events, source: 'BalatroMCP', timestamp: 1_733_000_000_000 };
}

export const MOD_HEADERS = { 'Content-Type': 'application/json', 'User-Agent': 'BalatroMCP/1.0' } as const;
