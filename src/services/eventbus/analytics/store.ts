/**
 * The analytics database (`<dataDir>/eventbus/analytics.sqlite`): an index of every
 * event on the bus (`events`) and tables derived from `game.state`, `game.round.complete`,
 * `learning.decision` and `metrics.*` events (`games`, `rounds`, `decisions`, `metrics`).
 * Rows are written by a thread of their own (writer.worker.ts), in one transaction with
 * the consumer position; queries read through their own read-only connections.
 */
import type { Database } from 'bun:sqlite';
import { closeDatabase, openDatabase } from '../../../runtime/db.ts';

const MIGRATIONS = [
  `CREATE TABLE events (seq INTEGER PRIMARY KEY, topic TEXT NOT NULL, type TEXT NOT NULL, game_id TEXT, source TEXT NOT NULL, partition INTEGER NOT NULL, time_ms INTEGER NOT NULL, received_ms INTEGER NOT NULL);
   CREATE INDEX events_game_type ON events(game_id, type);
   CREATE TABLE games (game_id TEXT PRIMARY KEY, source TEXT, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, started_ms INTEGER NOT NULL, last_ms INTEGER NOT NULL,
     max_ante INTEGER NOT NULL, max_round INTEGER NOT NULL, last_chips REAL, last_money REAL, jokers TEXT NOT NULL, state TEXT, events INTEGER NOT NULL, decisions INTEGER NOT NULL,
     rounds INTEGER NOT NULL, total_score REAL NOT NULL, ended INTEGER NOT NULL, won INTEGER);
   CREATE TABLE rounds (seq INTEGER PRIMARY KEY, game_id TEXT, ante INTEGER, round INTEGER, score REAL, money REAL, time_ms INTEGER NOT NULL);
   CREATE INDEX rounds_game ON rounds(game_id);
   CREATE TABLE decisions (seq INTEGER PRIMARY KEY, game_id TEXT, request_id TEXT, kind TEXT NOT NULL, selected_action TEXT, confidence REAL, strategy_name TEXT, used_llm INTEGER,
     available_actions TEXT, time_limit_ms REAL, source TEXT NOT NULL, time_ms INTEGER NOT NULL);
   CREATE INDEX decisions_game ON decisions(game_id);
   CREATE TABLE metrics (seq INTEGER NOT NULL, name TEXT NOT NULL, value REAL NOT NULL, labels TEXT NOT NULL, source TEXT NOT NULL, topic TEXT NOT NULL, time_ms INTEGER NOT NULL, PRIMARY KEY (seq, name));
   CREATE INDEX metrics_name ON metrics(name, time_ms);
   CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);`,
];

export type Cell = string | number | null;

export interface GameRow {
  game_id: string;
  source: string | null;
  first_seq: number;
  last_seq: number;
  started_ms: number;
  last_ms: number;
  max_ante: number;
  max_round: number;
  last_chips: number | null;
  last_money: number | null;
  jokers: string;
  state: string | null;
  events: number;
  decisions: number;
  rounds: number;
  total_score: number;
  ended: number;
  won: number | null;
}

export const TABLES = ['events', 'games', 'rounds', 'decisions', 'metrics'] as const;

export class AnalyticsStore {
  readonly db: Database;
  readonly path: string;
  private readonly st;

  constructor(dataDir: string) {
    this.db = openDatabase(dataDir, 'analytics', MIGRATIONS);
    this.path = this.db.filename;
    this.st = {
      event: this.db.prepare('INSERT OR IGNORE INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      round: this.db.prepare('INSERT OR REPLACE INTO rounds VALUES (?, ?, ?, ?, ?, ?, ?)'),
      decision: this.db.prepare('INSERT OR REPLACE INTO decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      metric: this.db.prepare('INSERT OR REPLACE INTO metrics VALUES (?, ?, ?, ?, ?, ?, ?)'),
      game: this.db.prepare('INSERT OR REPLACE INTO games VALUES ($game_id, $source, $first_seq, $last_seq, $started_ms, $last_ms, $max_ante, $max_round, $last_chips, $last_money, $jokers, $state, $events, $decisions, $rounds, $total_score, $ended, $won)'),
      getGame: this.db.query<GameRow, [string]>('SELECT * FROM games WHERE game_id = ?'),
      meta: this.db.prepare('INSERT OR REPLACE INTO meta VALUES (?, ?)'),
    };
  }

  game(id: string): GameRow | null {
    return this.st.getGame.get(id);
  }

  position(): number {
    return this.db.query<{ value: number }, []>("SELECT value FROM meta WHERE key = 'position'").get()?.value ?? 0;
  }

  /** Writes gathered rows, touched games and the position in one transaction. */
  write(rows: { events: Cell[][]; rounds: Cell[][]; decisions: Cell[][]; metrics: Cell[][] }, games: Iterable<GameRow>, position: number): void {
    this.db.transaction(() => {
      for (const r of rows.events) this.st.event.run(...r);
      for (const r of rows.rounds) this.st.round.run(...r);
      for (const r of rows.decisions) this.st.decision.run(...r);
      for (const r of rows.metrics) this.st.metric.run(...r);
      for (const g of games) this.st.game.run({ ...g });
      this.st.meta.run('position', position);
    }).immediate();
  }

  close(): void {
    closeDatabase(this.db);
  }
}
