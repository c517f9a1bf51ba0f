/**
 * Logs decisions from the bus for training: LEARNING_DECISION requests (the state's
 * features and the actions offered), responses (the action taken), and the game's
 * progress from GAME_STATE and ROUND_COMPLETE (cumulative score = completed rounds +
 * current chips, and ante) so each decision's outcome can be measured. One transaction
 * per batch with the consumer position.
 */
import type { StoredEvent } from '../log/types.ts';
import { numOf, strOf, listOf } from '../bus-io/event-json.ts';
import { litePayload, sourceOfRecord } from '../bus-io/lite.ts';
import { isJsonObject, type JsonObject } from '../wire/struct.ts';
import { features } from './engine/features.ts';
import type { DecisionStore, GameRow } from './store.ts';

export const DECISION_TOPICS = ['learning.decision.>', 'game.state.>', 'game.round.complete'];

export interface BusRequest {
  seq: number;
  receivedMs: number;
  payload: JsonObject;
}

export class DecisionLog {
  position: number;
  logged = 0;

  constructor(
    private readonly store: DecisionStore,
    /** Our own component's name: its responses are recorded, its requests not answered again. */
    private readonly self: string,
  ) {
    this.position = store.meta('position');
  }

  /** Returns the requests from other producers that have no response yet (the caller may answer them). */
  handle(events: StoredEvent[], through: number): BusRequest[] {
    const open: BusRequest[] = [];
    const games = new Map<string, GameRow>();
    const game = (id: string): GameRow => {
      let g = games.get(id);
      if (!g) {
        g = this.store.game(id) ?? { game: id, completed: 0, score: 0, ante: 0, seq: 0 };
        games.set(id, g);
      }
      return g;
    };
    this.store.transaction(() => {
      for (const e of events) {
        const p = litePayload(e);
        if (e.topic.startsWith('learning.decision.')) {
          const selected = strOf(p.selected_action);
          const requestId = strOf(p.request_id);
          if (!requestId) continue;
          if (selected !== undefined) {
            this.store.setAction(requestId, selected);
            continue;
          }
          const state = isJsonObject(p.game_state) ? p.game_state : null;
          const id = e.gameId || strOf(state?.game_id) || strOf(p.game_id) || '';
          const available = listOf(p.available_actions).map((a) => strOf(a)).filter((a): a is string => a !== undefined);
          const g = id ? game(id) : null;
          const chips = numOf(state?.chips) ?? 0;
          const score = (g?.completed ?? 0) + chips;
          const ante = numOf(state?.ante) ?? g?.ante ?? 0;
          this.store.insertSample({ request_id: requestId, seq: e.seq, game: id, time_ms: e.timeMs, features: features(state, isJsonObject(p.context) ? p.context : null), available: JSON.stringify(available), score, ante, source: sourceOfRecord(e) });
          this.logged++;
          if (g) Object.assign(g, { score, ante, seq: e.seq });
          if (sourceOfRecord(e) !== this.self) open.push({ seq: e.seq, receivedMs: e.receivedMs, payload: p });
        } else {
          const id = e.gameId || strOf(p.game_id) || '';
          if (!id) continue;
          const g = game(id);
          if (e.topic === 'game.round.complete') {
            g.completed += numOf(p.score) ?? 0;
            Object.assign(g, { score: g.completed, ante: numOf(p.ante) ?? g.ante, seq: e.seq });
          } else Object.assign(g, { score: g.completed + (numOf(p.chips) ?? 0), ante: numOf(p.ante) ?? g.ante, seq: e.seq });
        }
      }
      for (const g of games.values()) this.store.saveGame(g);
      this.store.setMeta('position', through);
    });
    this.position = through;
    // Requests answered within this same batch need no answer.
    return open.filter((r) => this.store.actionOf(strOf(r.payload.request_id)!) === null);
  }
}
