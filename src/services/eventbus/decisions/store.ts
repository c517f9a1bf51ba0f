/**
 * `<dataDir>/eventbus/decisions.sqlite`: logged decisions (features of the state, the
 * actions offered, the action taken, the game's score and ante at that moment), each
 * game's latest state, trained model versions and training jobs, plus the consumer
 * position.
 */
import type { Database } from 'bun:sqlite';
import { closeDatabase, openDatabase } from '../../../runtime/db.ts';
import { FEATURES } from './engine/features.ts';
import type { Point, Step } from './engine/outcomes.ts';

const MIGRATIONS = [
  `CREATE TABLE samples (request_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, game TEXT NOT NULL, time_ms INTEGER NOT NULL, features BLOB NOT NULL, available TEXT NOT NULL,
     action TEXT, score REAL NOT NULL, ante INTEGER NOT NULL, source TEXT NOT NULL);
   CREATE INDEX samples_game ON samples(game, seq);
   CREATE INDEX samples_seq ON samples(seq);
   CREATE TABLE games (game TEXT PRIMARY KEY, completed REAL NOT NULL, score REAL NOT NULL, ante INTEGER NOT NULL, seq INTEGER NOT NULL);
   CREATE TABLE models (model_id TEXT PRIMARY KEY, version INTEGER NOT NULL, created_at INTEGER NOT NULL, job_id TEXT NOT NULL, active INTEGER NOT NULL, body TEXT NOT NULL, metrics TEXT NOT NULL);
   CREATE TABLE jobs (job_id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, body TEXT NOT NULL);
   CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);`,
];

export interface SampleRow {
  request_id: string;
  seq: number;
  game: string;
  time_ms: number;
  features: Uint8Array;
  available: string;
  action: string | null;
  score: number;
  ante: number;
}

export interface GameRow { game: string; completed: number; score: number; ante: number; seq: number }

export interface Window {
  from_ms?: number;
  to_ms?: number;
  from_sequence?: number;
  to_sequence?: number;
  max_samples: number;
}

export class DecisionStore {
  readonly db: Database;
  private readonly st;

  constructor(dataDir: string) {
    this.db = openDatabase(dataDir, 'decisions', MIGRATIONS);
    this.st = {
      sample: this.db.prepare('INSERT OR IGNORE INTO samples VALUES ($request_id, $seq, $game, $time_ms, $features, $available, NULL, $score, $ante, $source)'),
      action: this.db.prepare('UPDATE samples SET action = $action WHERE request_id = $request_id AND action IS NULL'),
      hasAction: this.db.query<{ action: string | null }, [string]>('SELECT action FROM samples WHERE request_id = ?'),
      game: this.db.query<GameRow, [string]>('SELECT * FROM games WHERE game = ?'),
      saveGame: this.db.prepare('INSERT OR REPLACE INTO games VALUES ($game, $completed, $score, $ante, $seq)'),
      meta: this.db.prepare('INSERT OR REPLACE INTO meta VALUES ($key, $value)'),
      getMeta: this.db.query<{ value: number }, [string]>('SELECT value FROM meta WHERE key = ?'),
    };
  }

  insertSample(s: Omit<SampleRow, 'action' | 'features'> & { features: Float64Array; source: string }): void {
    const f32 = new Float32Array(s.features);
    this.st.sample.run({ ...s, features: new Uint8Array(f32.buffer) });
  }

  setAction(requestId: string, action: string): void {
    this.st.action.run({ request_id: requestId, action });
  }

  /** undefined: no such request; null: not answered yet. */
  actionOf(requestId: string): string | null | undefined {
    const r = this.st.hasAction.get(requestId);
    return r === null ? undefined : r.action;
  }

  game(game: string): GameRow | null {
    return this.st.game.get(game);
  }

  saveGame(g: GameRow): void {
    this.st.saveGame.run({ ...g });
  }

  meta(key: string): number {
    return this.st.getMeta.get(key)?.value ?? 0;
  }

  setMeta(key: string, value: number): void {
    this.st.meta.run({ key, value });
  }

  /** Answered decisions in the window, grouped by game in decision order, with each game's latest state. */
  trainingRows(w: Window): { rows: (Step & { features: Float32Array; available: string[]; action: string })[]; latest: Map<string, Point> } {
    const where = ['action IS NOT NULL'];
    const args: number[] = [];
    if (w.from_ms !== undefined) (where.push('time_ms >= ?'), args.push(w.from_ms));
    if (w.to_ms !== undefined) (where.push('time_ms <= ?'), args.push(w.to_ms));
    if (w.from_sequence !== undefined) (where.push('seq >= ?'), args.push(w.from_sequence));
    if (w.to_sequence !== undefined) (where.push('seq <= ?'), args.push(w.to_sequence));
    // The newest max_samples decisions, then ordered by game and sequence.
    const sql = `SELECT * FROM (SELECT * FROM samples WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ?) ORDER BY game, seq`;
    const raw = this.db.query<SampleRow, number[]>(sql).all(...args, w.max_samples);
    const rows = raw.map((r) => ({
      game: r.game, score: r.score, ante: r.ante, seq: r.seq, action: r.action!, available: JSON.parse(r.available) as string[],
      features: new Float32Array(r.features.buffer.slice(r.features.byteOffset, r.features.byteOffset + FEATURES * 4)),
    }));
    const latest = new Map<string, Point>();
    for (const g of new Set(rows.map((r) => r.game))) {
      const row = this.game(g);
      if (row) latest.set(g, { score: row.score, ante: row.ante, seq: row.seq });
    }
    return { rows, latest };
  }

  counts(): { samples: number; answered: number; games: number } {
    const r = this.db.query<{ n: number; a: number; g: number }, []>('SELECT count(*) AS n, count(action) AS a, count(DISTINCT game) AS g FROM samples').get()!;
    return { samples: r.n, answered: r.a, games: r.g };
  }

  transaction(fn: () => void): void {
    this.db.transaction(fn).immediate();
  }

  close(): void {
    closeDatabase(this.db);
  }
}
