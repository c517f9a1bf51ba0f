/**
 * The knowledge graph in SQLite (`<dataDir>/eventbus/knowledge.sqlite`): nodes, weighted
 * edges, game sessions, the tallies synergy is learned from, and the consumer position
 * and graph version — written in one transaction per batch of events.
 */
import type { Database } from 'bun:sqlite';
import { closeDatabase, openDatabase } from '../../../runtime/db.ts';
import type { Session } from './engine/sessions.ts';
import type { Tally } from './engine/synergy.ts';
import type { ArchetypeNode, CounterEdge, EnablesEdge, HandTypeNode, JokerNode, JokerTally, StrategyNode, SynergyEdge } from './types.ts';

const MIGRATIONS = [
  `CREATE TABLE jokers (name TEXT PRIMARY KEY, key TEXT NOT NULL, rarity TEXT, cost INTEGER, scaling_type TEXT NOT NULL, effect_type TEXT NOT NULL, effect TEXT NOT NULL, conditions TEXT NOT NULL, aliases TEXT NOT NULL, ord INTEGER NOT NULL, origin TEXT NOT NULL);
   CREATE TABLE synergies (a TEXT NOT NULL, b TEXT NOT NULL, strength REAL NOT NULL, win_rate REAL, synergy_type TEXT NOT NULL, confidence REAL NOT NULL, games INTEGER NOT NULL, bonus REAL, origin TEXT NOT NULL, conditions TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (a, b));
   CREATE TABLE strategies (name TEXT PRIMARY KEY, description TEXT NOT NULL, games_played INTEGER NOT NULL, wins INTEGER NOT NULL, ante_sum INTEGER NOT NULL, origin TEXT NOT NULL);
   CREATE TABLE enables (joker TEXT NOT NULL, strategy TEXT NOT NULL, importance REAL NOT NULL, origin TEXT NOT NULL, PRIMARY KEY (joker, strategy));
   CREATE TABLE counters (joker TEXT NOT NULL, countered_by TEXT NOT NULL, severity REAL NOT NULL, origin TEXT NOT NULL, PRIMARY KEY (joker, countered_by));
   CREATE TABLE hand_types (name TEXT PRIMARY KEY, base_chips INTEGER NOT NULL, base_mult INTEGER NOT NULL, level INTEGER NOT NULL, plays INTEGER NOT NULL);
   CREATE TABLE archetypes (name TEXT PRIMARY KEY, description TEXT NOT NULL, viability_score REAL NOT NULL);
   CREATE TABLE sessions (session_id TEXT PRIMARY KEY, body TEXT NOT NULL, ended INTEGER NOT NULL, last_ms INTEGER NOT NULL);
   CREATE INDEX sessions_recent ON sessions(ended, last_ms);
   CREATE TABLE joker_tallies (name TEXT PRIMARY KEY, games INTEGER NOT NULL, score_sum REAL NOT NULL, wins INTEGER NOT NULL, ante_sum INTEGER NOT NULL);
   CREATE TABLE pair_tallies (a TEXT NOT NULL, b TEXT NOT NULL, games INTEGER NOT NULL, score_sum REAL NOT NULL, wins INTEGER NOT NULL, PRIMARY KEY (a, b));
   CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);`,
];

const json = (v: unknown): string => JSON.stringify(v);

function statements(db: Database) {
  const p = (sql: string) => db.prepare(sql);
  return {
    joker: p('INSERT INTO jokers VALUES ($name, $key, $rarity, $cost, $scaling_type, $effect_type, $effect, $conditions, $aliases, $ord, $origin) ON CONFLICT(name) DO UPDATE SET rarity = excluded.rarity, cost = excluded.cost, scaling_type = excluded.scaling_type, effect = excluded.effect, origin = excluded.origin'),
    jokerSeed: p('INSERT OR IGNORE INTO jokers VALUES ($name, $key, $rarity, $cost, $scaling_type, $effect_type, $effect, $conditions, $aliases, $ord, $origin)'),
    synergy: p('INSERT OR REPLACE INTO synergies VALUES ($a, $b, $strength, $win_rate, $synergy_type, $confidence, $games, $bonus, $origin, $conditions, $updated_at)'),
    strategy: p('INSERT OR REPLACE INTO strategies VALUES ($name, $description, $games_played, $wins, $ante_sum, $origin)'),
    strategySeed: p('INSERT OR IGNORE INTO strategies VALUES ($name, $description, 0, 0, 0, \'seed\')'),
    enables: p('INSERT OR REPLACE INTO enables VALUES ($joker, $strategy, $importance, $origin)'),
    enablesSeed: p('INSERT OR IGNORE INTO enables VALUES ($joker, $strategy, $importance, \'seed\')'),
    counter: p('INSERT OR REPLACE INTO counters VALUES ($joker, $countered_by, $severity, $origin)'),
    counterSeed: p('INSERT OR IGNORE INTO counters VALUES ($joker, $countered_by, $severity, \'seed\')'),
    handSeed: p('INSERT OR IGNORE INTO hand_types VALUES ($name, $base_chips, $base_mult, 1, 0)'),
    handPlays: p('UPDATE hand_types SET plays = $plays WHERE name = $name'),
    archetypeSeed: p('INSERT OR IGNORE INTO archetypes VALUES ($name, $description, $viability_score)'),
    session: p('INSERT OR REPLACE INTO sessions VALUES ($id, $body, $ended, $last_ms)'),
    sessionGet: db.query<{ body: string }, [string]>('SELECT body FROM sessions WHERE session_id = ?'),
    jokerTally: p('INSERT OR REPLACE INTO joker_tallies VALUES ($name, $games, $score_sum, $wins, $ante_sum)'),
    pairTally: p('INSERT OR REPLACE INTO pair_tallies VALUES ($a, $b, $games, $score_sum, $wins)'),
    meta: p('INSERT OR REPLACE INTO meta VALUES ($key, $value)'),
  };
}

export interface Loaded {
  jokers: JokerNode[];
  synergies: SynergyEdge[];
  strategies: StrategyNode[];
  enables: EnablesEdge[];
  counters: CounterEdge[];
  handTypes: HandTypeNode[];
  archetypes: ArchetypeNode[];
  activeSessions: Session[];
  jokerTallies: Map<string, JokerTally>;
  pairTallies: Map<string, Tally>;
  position: number;
  version: number;
}

export class KnowledgeStore {
  readonly db: Database;
  private readonly st: ReturnType<typeof statements>;

  constructor(dataDir: string) {
    this.db = openDatabase(dataDir, 'knowledge', MIGRATIONS);
    this.st = statements(this.db);
  }

  seedJoker(j: JokerNode): void {
    this.st.jokerSeed.run({ ...j, conditions: json(j.conditions), aliases: json(j.aliases) });
  }

  saveJoker(j: JokerNode): void {
    this.st.joker.run({ ...j, conditions: json(j.conditions), aliases: json(j.aliases) });
  }

  seedRest(s: { strategies: { name: string; description: string }[]; enables: { joker: string; strategy: string; importance: number }[]; counters: { joker: string; countered_by: string; severity: number }[]; handTypes: { name: string; base_chips: number; base_mult: number }[]; archetypes: ArchetypeNode[] }): void {
    for (const x of s.strategies) this.st.strategySeed.run({ name: x.name, description: x.description });
    for (const x of s.enables) this.st.enablesSeed.run(x);
    for (const x of s.counters) this.st.counterSeed.run(x);
    for (const x of s.handTypes) this.st.handSeed.run(x);
    for (const x of s.archetypes) this.st.archetypeSeed.run({ ...x });
  }

  saveSynergy(e: SynergyEdge): void {
    this.st.synergy.run({ ...e, conditions: json(e.conditions) });
  }

  saveStrategy(s: StrategyNode): void {
    this.st.strategy.run({ ...s });
  }

  saveEnables(e: EnablesEdge): void {
    this.st.enables.run({ ...e });
  }

  saveCounter(e: CounterEdge): void {
    this.st.counter.run({ ...e });
  }

  saveHandPlays(name: string, plays: number): void {
    this.st.handPlays.run({ name, plays });
  }

  saveSession(s: Session): void {
    this.st.session.run({ id: s.session_id, body: json(s), ended: s.ended ? 1 : 0, last_ms: s.last_ms });
  }

  session(id: string): Session | null {
    const r = this.st.sessionGet.get(id);
    return r ? (JSON.parse(r.body) as Session) : null;
  }

  sessions(limit: number, ended: boolean | null): Session[] {
    const sql = `SELECT body FROM sessions${ended === null ? '' : ` WHERE ended = ${ended ? 1 : 0}`} ORDER BY last_ms DESC LIMIT ?`;
    return this.db.query<{ body: string }, [number]>(sql).all(limit).map((r) => JSON.parse(r.body) as Session);
  }

  counts(): { sessions: number; ended: number } {
    const r = this.db.query<{ n: number; e: number }, []>('SELECT count(*) AS n, coalesce(sum(ended), 0) AS e FROM sessions').get()!;
    return { sessions: r.n, ended: r.e };
  }

  saveJokerTally(name: string, t: JokerTally): void {
    this.st.jokerTally.run({ name, games: t.games, score_sum: t.scoreSum, wins: t.wins, ante_sum: t.anteSum });
  }

  savePairTally(a: string, b: string, t: Tally): void {
    this.st.pairTally.run({ a, b, games: t.games, score_sum: t.scoreSum, wins: t.wins });
  }

  setMeta(key: 'position' | 'version', value: number): void {
    this.st.meta.run({ key, value });
  }

  load(): Loaded {
    const q = <T>(sql: string): T[] => this.db.query<T, []>(sql).all();
    const meta = new Map(q<{ key: string; value: number }>('SELECT key, value FROM meta').map((r) => [r.key, r.value]));
    return {
      jokers: q<JokerNode & { conditions: string; aliases: string }>('SELECT * FROM jokers ORDER BY ord, name').map((r) => ({ ...r, conditions: JSON.parse(r.conditions) as string[], aliases: JSON.parse(r.aliases) as string[] })),
      synergies: q<SynergyEdge & { conditions: string }>('SELECT * FROM synergies').map((r) => ({ ...r, conditions: JSON.parse(r.conditions) as string[] })),
      strategies: q<StrategyNode>('SELECT * FROM strategies'),
      enables: q<EnablesEdge>('SELECT * FROM enables'),
      counters: q<CounterEdge>('SELECT * FROM counters'),
      handTypes: q<HandTypeNode>('SELECT * FROM hand_types ORDER BY base_chips, name'),
      archetypes: q<ArchetypeNode>('SELECT * FROM archetypes ORDER BY name'),
      activeSessions: q<{ body: string }>('SELECT body FROM sessions WHERE ended = 0').map((r) => JSON.parse(r.body) as Session),
      jokerTallies: new Map(q<{ name: string; games: number; score_sum: number; wins: number; ante_sum: number }>('SELECT * FROM joker_tallies').map((r) => [r.name, { games: r.games, scoreSum: r.score_sum, wins: r.wins, anteSum: r.ante_sum }])),
      pairTallies: new Map(q<{ a: string; b: string; games: number; score_sum: number; wins: number }>('SELECT * FROM pair_tallies').map((r) => [`${r.a}\u0000${r.b}`, { games: r.games, scoreSum: r.score_sum, wins: r.wins }])),
      position: meta.get('position') ?? 0,
      version: meta.get('version') ?? 0,
    };
  }

  transaction(fn: () => void): void {
    this.db.transaction(fn).immediate();
  }

  close(): void {
    closeDatabase(this.db);
  }
}
