/** Event types (events.proto `EventType`) and the default topic of each (REFERENCE §4). */

export const EVENT_TYPES = {
  GAME_STATE: 0,
  LEARNING_DECISION: 1,
  STRATEGY_REQUEST: 2,
  STRATEGY_RESPONSE: 3,
  KNOWLEDGE_QUERY: 4,
  KNOWLEDGE_UPDATE: 5,
  METRIC: 6,
  ERROR: 7,
  HEARTBEAT: 8,
  MONEY_CHANGED: 9,
  SCORE_CHANGED: 10,
  HAND_PLAYED: 11,
  CARDS_DISCARDED: 12,
  JOKERS_CHANGED: 13,
  ROUND_CHANGED: 14,
  PHASE_CHANGED: 15,
  ROUND_COMPLETE: 16,
  JOKER_TRIGGER: 17,
  SCORING: 18,
  CONNECTION_TEST: 19,
  COMMAND: 20,
  DEAD_LETTER: 21,
} as const;

export type EventTypeName = keyof typeof EVENT_TYPES;

export const TYPE_NAME_BY_NUMBER: readonly EventTypeName[] = (() => {
  const out: EventTypeName[] = [];
  for (const [name, n] of Object.entries(EVENT_TYPES) as [EventTypeName, number][]) out[n] = name;
  return out;
})();

/** Types only the bus writes; a producer sending them is dead-lettered. */
export const RESERVED_TYPES: ReadonlySet<EventTypeName> = new Set<EventTypeName>(['COMMAND', 'DEAD_LETTER']);

/**
 * Topic per type; `{subtype}` is replaced by the event's `subtype` (lower-cased, or the
 * default after the colon). REFERENCE §4 names the game/system topics; the rest follow
 * the same `<area>.<thing>.<what>` shape.
 */
export const DEFAULT_TOPICS: Readonly<Record<EventTypeName, string>> = {
  GAME_STATE: 'game.state.update',
  HEARTBEAT: 'system.heartbeat',
  MONEY_CHANGED: 'game.money.changed',
  SCORE_CHANGED: 'game.score.changed',
  HAND_PLAYED: 'game.hand.played',
  CARDS_DISCARDED: 'game.cards.discarded',
  JOKERS_CHANGED: 'game.jokers.changed',
  ROUND_CHANGED: 'game.round.changed',
  PHASE_CHANGED: 'game.phase.changed',
  ROUND_COMPLETE: 'game.round.complete',
  CONNECTION_TEST: 'system.connection.test',
  JOKER_TRIGGER: 'game.joker.trigger',
  SCORING: 'game.scoring.{subtype:update}',
  LEARNING_DECISION: 'learning.decision.{subtype:request}',
  STRATEGY_REQUEST: 'strategy.request',
  STRATEGY_RESPONSE: 'strategy.response',
  KNOWLEDGE_QUERY: 'knowledge.query',
  KNOWLEDGE_UPDATE: 'knowledge.update',
  METRIC: 'metrics.{subtype:event}',
  ERROR: 'system.error',
  COMMAND: 'game.command.{subtype:queued}',
  DEAD_LETTER: 'deadletter.{subtype:unknown}',
};

/** `GAME_STATE`, `connection_test` → the enum name, or null for a type the schema lacks. */
export function resolveTypeName(raw: string): EventTypeName | null {
  if (Object.hasOwn(EVENT_TYPES, raw)) return raw as EventTypeName;
  const up = raw.toUpperCase();
  return Object.hasOwn(EVENT_TYPES, up) ? (up as EventTypeName) : null;
}
