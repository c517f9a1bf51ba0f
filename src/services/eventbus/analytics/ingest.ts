/**
 * Feeds the analytics tables from the bus: every event is indexed (`events`: sequence,
 * topic, type, game, source, times); `game.state.*`, `game.round.complete`,
 * `learning.decision.*` and `metrics.*` events also fill `games`, `rounds`, `decisions` and
 * `metrics`. Rows gather in memory and go to the writer thread with the consumer position
 * every `flushMs`; past `flushRows` waiting rows the handler waits for the write, so the
 * consumer falls behind (and catches up from the log) rather than the bus slowing down.
 * A crash loses nothing: the log is read again from the written position.
 */
import type { StoredEvent } from '../log/types.ts';
import { listOf, numOf, payloadOf, strOf } from '../bus-io/event-json.ts';
import { litePayload, sourceOfRecord } from '../bus-io/lite.ts';
import type { SecondWindow } from '../bus-io/window.ts';
import { TYPE_NAME_BY_NUMBER } from '../engine/types.ts';
import { isJsonObject } from '../wire/struct.ts';
import type { AnalyticsStore, Cell, GameRow } from './store.ts';
import type { AnalyticsWriter } from './writer.ts';

const DERIVED = /^(game\.state\.|game\.round\.complete$|learning\.decision\.|metrics\.)/;

export class AnalyticsIngest {
  private rows = { events: [] as Cell[][], rounds: [] as Cell[][], decisions: [] as Cell[][], metrics: [] as Cell[][] };
  private pendingRows = 0;
  /** Games touched since start (bounded); `dirty` ones go with the next write. */
  private games = new Map<string, GameRow>();
  private dirty = new Set<GameRow>();
  private through = 0;
  private inFlight: Promise<void> | null = null;
  written: number;
  indexed = 0;
  failures = 0;

  constructor(
    private readonly store: AnalyticsStore,
    private readonly writer: AnalyticsWriter,
    private readonly window: SecondWindow,
    private readonly o: { flushRows: number; maxGames: number; indexEvents: boolean; now: () => number; onFlushError: (e: unknown) => void },
  ) {
    this.written = store.position();
    this.through = this.written;
  }

  private game(id: string, e: StoredEvent): GameRow {
    let g = this.games.get(id);
    if (!g) {
      if (this.games.size >= this.o.maxGames) {
        // Forget written games (oldest first); they are read back from the database when seen again.
        for (const [k, v] of this.games) {
          if (this.games.size < this.o.maxGames * 0.9) break;
          if (!this.dirty.has(v)) this.games.delete(k);
        }
      }
      g = this.store.game(id) ?? { game_id: id, source: null, first_seq: e.seq, last_seq: e.seq, started_ms: e.timeMs, last_ms: e.timeMs, max_ante: 0, max_round: 0, last_chips: null, last_money: null, jokers: '[]', state: null, events: 0, decisions: 0, rounds: 0, total_score: 0, ended: 0, won: null };
      this.games.set(id, g);
    }
    this.dirty.add(g);
    return g;
  }

  handle(events: StoredEvent[], through: number): void | Promise<void> {
    const now = this.o.now();
    if (events.length) this.window.latency('ingest_commit', Math.max(0, now - events[events.length - 1]!.receivedMs));
    for (const e of events) {
      const type = TYPE_NAME_BY_NUMBER[e.type] ?? String(e.type);
      const source = sourceOfRecord(e);
      if (this.o.indexEvents) this.rows.events.push([e.seq, e.topic, type, e.gameId || null, source, e.partition, e.timeMs, e.receivedMs]);
      this.window.count(`event:${type}`);
      this.indexed++;
      const g = e.gameId ? this.game(e.gameId, e) : null;
      if (g) {
        g.events++;
        g.last_seq = e.seq;
        g.last_ms = Math.max(g.last_ms, e.timeMs);
        g.source ??= source;
      }
      if (DERIVED.test(e.topic)) this.derive(e, type, g);
    }
    this.pendingRows += events.length;
    this.through = through;
    if (this.pendingRows >= this.o.flushRows) return this.flush();
  }

  private derive(e: StoredEvent, _type: string, g: GameRow | null): void {
    // Metrics are read whole (every number is a row); the rest only for the fields used here.
    const p = e.topic.startsWith('metrics.') ? payloadOf(e) : litePayload(e);
    if (e.topic.startsWith('game.state.') && g) {
      const ante = numOf(p.ante);
      const round = numOf(p.round);
      if (ante !== undefined) g.max_ante = Math.max(g.max_ante, Math.trunc(ante));
      if (round !== undefined) g.max_round = Math.max(g.max_round, Math.trunc(round));
      g.last_chips = numOf(p.chips) ?? g.last_chips;
      g.last_money = numOf(p.money) ?? g.last_money;
      const names = listOf(p.jokers).map((j) => (isJsonObject(j) ? strOf(j.name) : strOf(j))).filter((n): n is string => !!n);
      if (names.length) g.jokers = JSON.stringify(names);
      const state = strOf(p.game_state);
      if (state) {
        g.state = state;
        if (/GAME_OVER|\b(WIN|WON|VICTORY)\b/i.test(state)) g.ended = 1;
      }
      if (typeof p.won === 'boolean') g.won = p.won ? 1 : 0;
    } else if (e.topic === 'game.round.complete') {
      const score = numOf(p.score) ?? null;
      this.rows.rounds.push([e.seq, e.gameId || strOf(p.game_id) || null, numOf(p.ante) ?? null, numOf(p.round) ?? null, score, numOf(p.money) ?? null, e.timeMs]);
      if (g) {
        g.rounds++;
        g.total_score += score ?? 0;
      }
    } else if (e.topic.startsWith('learning.decision.')) {
      const response = strOf(p.selected_action) !== undefined;
      this.rows.decisions.push([
        e.seq, e.gameId || strOf(p.game_id) || null, strOf(p.request_id) ?? null, response ? 'response' : 'request', strOf(p.selected_action) ?? null, numOf(p.confidence) ?? null,
        strOf(p.strategy_name) ?? null, typeof p.used_llm === 'boolean' ? (p.used_llm ? 1 : 0) : null, Array.isArray(p.available_actions) ? JSON.stringify(p.available_actions) : null,
        numOf(p.time_limit_ms) ?? null, sourceOfRecord(e), e.timeMs,
      ]);
      if (g && response) g.decisions++;
      if (response) this.window.count('decisions_logged');
    } else if (e.topic.startsWith('metrics.')) {
      const source = sourceOfRecord(e);
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(p)) if (typeof v === 'string') labels[k] = v;
      const name = strOf(p.name);
      const value = numOf(p.value);
      if (name !== undefined && value !== undefined) {
        const l = isJsonObject(p.labels) ? p.labels : labels;
        this.rows.metrics.push([e.seq, name, value, JSON.stringify(l), source, e.topic, e.timeMs]);
      } else {
        // A payload of several figures: one row per number, named after the topic.
        const prefix = e.topic.slice('metrics.'.length);
        for (const [k, v] of Object.entries(p)) {
          const n = numOf(typeof v === 'boolean' ? (v ? 1 : 0) : v);
          if (n !== undefined && typeof v !== 'string') this.rows.metrics.push([e.seq, `${prefix}.${k}`, n, JSON.stringify(labels), source, e.topic, e.timeMs]);
        }
      }
    }
  }

  /** Sends what has been gathered to the writer; resolves once it (and any write before it) is committed. Rows of a failed write are kept for the next. */
  flush(): Promise<void> {
    if (this.inFlight) return this.inFlight.then(() => this.flush());
    if (this.through === this.written && this.pendingRows === 0) return Promise.resolve();
    const rows = this.rows;
    const games = [...this.dirty].map((g) => ({ ...g }));
    const through = this.through;
    this.rows = { events: [], rounds: [], decisions: [], metrics: [] };
    this.dirty = new Set();
    const pending = this.pendingRows;
    this.pendingRows = 0;
    this.inFlight = this.writer.write({ rows, games, position: through }).then(
      () => {
        this.written = through;
        this.inFlight = null;
      },
      (e: unknown) => {
        this.failures++;
        this.rows = { events: [...rows.events, ...this.rows.events], rounds: [...rows.rounds, ...this.rows.rounds], decisions: [...rows.decisions, ...this.rows.decisions], metrics: [...rows.metrics, ...this.rows.metrics] };
        for (const g of games) this.dirty.add(this.games.get(g.game_id) ?? g);
        this.pendingRows += pending;
        this.inFlight = null;
        this.o.onFlushError(e);
      },
    );
    return this.inFlight;
  }
}
