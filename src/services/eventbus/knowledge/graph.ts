/**
 * The knowledge graph held in memory for reads (every GraphQL query is served from
 * here) and written through to SQLite by the learner, inside its transaction. Joker
 * names resolve case-insensitively, by alias (the game's internal name, e.g. "Caino")
 * and by key ("j_caino").
 */
import { pairKey, pairSynergy, type SynergyParams, type Tally } from './engine/synergy.ts';
import type { GameOutcome, KnowledgeUpdate } from './engine/updates.ts';
import type { Seed } from './seed.ts';
import type { KnowledgeStore } from './store.ts';
import type { ArchetypeNode, Change, CounterEdge, EnablesEdge, HandTypeNode, JokerNode, JokerTally, StrategyNode, SynergyEdge } from './types.ts';

const lower = (s: string): string => s.trim().toLowerCase();
const pk = (a: string, b: string): string => `${a}\u0000${b}`;

export class KnowledgeGraph {
  private jokers = new Map<string, JokerNode>();
  private lookup = new Map<string, string>();
  private edges = new Map<string, Map<string, SynergyEdge>>();
  private sorted = new Map<string, SynergyEdge[]>();
  private strategyMap = new Map<string, StrategyNode>();
  private enables: EnablesEdge[] = [];
  private counterList: CounterEdge[] = [];
  private hands = new Map<string, HandTypeNode>();
  private archetypeList: ArchetypeNode[] = [];
  private jokerTallies = new Map<string, JokerTally>();
  private pairTallies = new Map<string, Tally>();
  private pairsOf = new Map<string, Set<string>>();
  private sortedJokers: JokerNode[] = [];
  version = 0;
  position = 0;
  synergyCount = 0;

  constructor(
    readonly store: KnowledgeStore,
    private readonly params: SynergyParams,
    private readonly now: () => number,
  ) {}

  /** Seeds what the store lacks (new seed entries arrive on upgrade), then loads everything. */
  open(seed: Seed): void {
    this.store.transaction(() => {
      for (const j of seed.jokers) {
        this.store.seedJoker({ name: j.name, key: j.key, rarity: j.rarity, cost: j.cost, scaling_type: j.scaling_type, effect_type: j.effect_type, effect: j.effect, conditions: j.conditions, aliases: j.aliases ?? [], ord: j.order, origin: 'seed' });
      }
      this.store.seedRest({ strategies: seed.strategies, enables: seed.enables, counters: seed.counters, handTypes: seed.handTypes, archetypes: seed.archetypes });
    });
    this.reload();
  }

  /** Replaces the in-memory graph with what the store holds (after a failed transaction too). */
  reload(): void {
    const l = this.store.load();
    this.jokers = new Map();
    this.lookup = new Map();
    for (const j of l.jokers) this.indexJoker(j);
    this.edges = new Map();
    this.sorted = new Map();
    this.synergyCount = 0;
    for (const e of l.synergies) this.indexEdge(e);
    this.strategyMap = new Map(l.strategies.map((s) => [lower(s.name), s]));
    this.enables = l.enables;
    this.counterList = l.counters;
    this.hands = new Map(l.handTypes.map((h) => [lower(h.name), h]));
    this.archetypeList = l.archetypes;
    this.jokerTallies = l.jokerTallies;
    this.pairTallies = l.pairTallies;
    this.pairsOf = new Map();
    for (const key of l.pairTallies.keys()) {
      const [a, b] = key.split('\u0000') as [string, string];
      this.linkPair(a, b);
    }
    this.version = l.version;
    this.position = l.position;
    this.sortedJokers = [...this.jokers.values()].sort((x, y) => x.ord - y.ord || x.name.localeCompare(y.name));
  }

  private indexJoker(j: JokerNode): void {
    this.jokers.set(j.name, j);
    for (const n of [j.name, j.key, ...j.aliases]) if (n) this.lookup.set(lower(n), j.name);
  }

  private indexEdge(e: SynergyEdge): void {
    for (const [x, y] of [[e.a, e.b], [e.b, e.a]] as const) {
      let m = this.edges.get(x);
      if (!m) {
        m = new Map();
        this.edges.set(x, m);
      }
      if (!m.has(y) && x === e.a) this.synergyCount++;
      m.set(y, e);
      this.sorted.delete(x);
    }
  }

  private linkPair(a: string, b: string): void {
    for (const [x, y] of [[a, b], [b, a]] as const) {
      let s = this.pairsOf.get(x);
      if (!s) {
        s = new Set();
        this.pairsOf.set(x, s);
      }
      s.add(y);
    }
  }

  // ---- reads ----

  canonicalJoker(name: string): string | null {
    return this.lookup.get(lower(name)) ?? null;
  }

  joker(name: string): JokerNode | null {
    const c = this.canonicalJoker(name);
    return c === null ? null : (this.jokers.get(c) ?? null);
  }

  allJokers(): readonly JokerNode[] {
    return this.sortedJokers;
  }

  /** A joker's SYNERGIZES_WITH edges, strongest first (then most games). */
  synergiesOf(name: string): readonly SynergyEdge[] {
    let s = this.sorted.get(name);
    if (!s) {
      s = [...(this.edges.get(name)?.values() ?? [])].sort((x, y) => y.strength - x.strength || y.games - x.games || (x.a + x.b).localeCompare(y.a + y.b));
      this.sorted.set(name, s);
    }
    return s;
  }

  allSynergies(): SynergyEdge[] {
    const out: SynergyEdge[] = [];
    for (const [x, m] of this.edges) for (const e of m.values()) if (e.a === x) out.push(e);
    return out;
  }

  strategy(name: string): StrategyNode | null {
    return this.strategyMap.get(lower(name)) ?? null;
  }

  strategies(): StrategyNode[] {
    return [...this.strategyMap.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  enablesOf(joker: string): EnablesEdge[] {
    return this.enables.filter((e) => e.joker === joker).sort((a, b) => b.importance - a.importance);
  }

  jokersFor(strategy: string): EnablesEdge[] {
    return this.enables.filter((e) => e.strategy === strategy).sort((a, b) => b.importance - a.importance || a.joker.localeCompare(b.joker));
  }

  countersOf(joker: string): CounterEdge[] {
    return this.counterList.filter((c) => c.joker === joker).sort((a, b) => b.severity - a.severity);
  }

  handTypes(): HandTypeNode[] {
    return [...this.hands.values()];
  }

  archetypes(): ArchetypeNode[] {
    return this.archetypeList;
  }

  tally(joker: string): JokerTally | null {
    return this.jokerTallies.get(joker) ?? null;
  }

  // ---- writes (inside the learner's transaction) ----

  /** A joker named by the game that the seed lacks (a modded one) becomes an observed node. */
  ensureJoker(name: string): string {
    const c = this.canonicalJoker(name);
    if (c !== null) return c;
    const j: JokerNode = { name: name.trim(), key: '', rarity: null, cost: null, scaling_type: 'unknown', effect_type: 'unknown', effect: '', conditions: [], aliases: [], ord: 10_000 + this.jokers.size, origin: 'observed' };
    this.indexJoker(j);
    this.store.saveJoker(j);
    this.sortedJokers = [...this.jokers.values()].sort((x, y) => x.ord - y.ord || x.name.localeCompare(y.name));
    return j.name;
  }

  handPlayed(name: string, out: Change[]): void {
    const h = this.hands.get(lower(name));
    if (!h) return;
    h.plays++;
    this.store.saveHandPlays(h.name, h.plays);
    out.push({ kind: 'hand_type', name: h.name, plays: h.plays });
  }

  private setEdge(e: SynergyEdge, out: Change[]): void {
    const prev = this.edges.get(e.a)?.get(e.b);
    if (prev && prev.strength === e.strength && prev.games === e.games && prev.synergy_type === e.synergy_type && prev.win_rate === e.win_rate && prev.origin === e.origin && prev.bonus === e.bonus && prev.confidence === e.confidence && prev.conditions.join('\u0000') === e.conditions.join('\u0000')) return;
    this.indexEdge(e);
    this.store.saveSynergy(e);
    out.push({ kind: 'synergy', source: e.a, target: e.b, strength: e.strength, win_rate: e.win_rate, synergy_type: e.synergy_type, confidence: e.confidence, games: e.games, origin: e.origin });
  }

  private conditionsOf(a: string, b: string, extra: string[] = []): string[] {
    return [...new Set([...(this.jokers.get(a)?.conditions ?? []), ...(this.jokers.get(b)?.conditions ?? []), ...extra])];
  }

  /** A finished game: tallies, then every pair touching its jokers is recomputed with the REFERENCE formula. */
  learnGame(g: Omit<GameOutcome, 'session_id'>, out: Change[]): void {
    const jokers = [...new Set(g.jokers.map((j) => this.ensureJoker(j)))];
    const won = g.won ? 1 : 0;
    for (const j of jokers) {
      const t = this.jokerTallies.get(j) ?? { games: 0, scoreSum: 0, wins: 0, anteSum: 0 };
      t.games++;
      t.scoreSum += g.final_score;
      t.wins += won;
      t.anteSum += g.final_ante;
      this.jokerTallies.set(j, t);
      this.store.saveJokerTally(j, t);
    }
    for (let i = 0; i < jokers.length; i++) {
      for (let k = i + 1; k < jokers.length; k++) {
        const [a, b] = pairKey(jokers[i]!, jokers[k]!);
        const t = this.pairTallies.get(pk(a, b)) ?? { games: 0, scoreSum: 0, wins: 0 };
        t.games++;
        t.scoreSum += g.final_score;
        t.wins += won;
        this.pairTallies.set(pk(a, b), t);
        this.store.savePairTally(a, b, t);
        this.linkPair(a, b);
      }
    }
    const done = new Set<string>();
    for (const x of jokers) {
      for (const y of this.pairsOf.get(x) ?? []) {
        const [a, b] = pairKey(x, y);
        if (done.has(pk(a, b))) continue;
        done.add(pk(a, b));
        const s = pairSynergy(this.jokerTallies.get(a)!, this.jokerTallies.get(b)!, this.pairTallies.get(pk(a, b))!, this.params);
        if (!s) continue;
        this.setEdge({ a, b, strength: s.strength, win_rate: s.win_rate, synergy_type: s.synergy_type, confidence: s.confidence, games: s.games, bonus: s.bonus, origin: 'learned', conditions: this.conditionsOf(a, b), updated_at: this.now() }, out);
      }
    }
    if (g.strategy) {
      const key = lower(g.strategy);
      const s = this.strategyMap.get(key) ?? { name: g.strategy, description: '', games_played: 0, wins: 0, ante_sum: 0, origin: 'observed' as const };
      s.games_played++;
      s.wins += won;
      s.ante_sum += g.final_ante;
      this.strategyMap.set(key, s);
      this.store.saveStrategy(s);
      out.push({ kind: 'strategy', name: s.name, games_played: s.games_played, win_rate: s.wins / s.games_played });
    }
  }

  /** Applies a checked KNOWLEDGE_UPDATE. */
  applyUpdate(u: KnowledgeUpdate, out: Change[]): void {
    for (const f of u.jokers) {
      const c = this.canonicalJoker(f.name);
      const cur = c ? this.jokers.get(c)! : null;
      const j: JokerNode = cur
        ? { ...cur, rarity: f.rarity || cur.rarity, cost: f.cost ?? cur.cost, scaling_type: f.scaling_type || cur.scaling_type, effect: f.effect || cur.effect, origin: cur.origin === 'seed' ? 'seed' : 'asserted' }
        : { name: f.name, key: '', rarity: f.rarity || null, cost: f.cost, scaling_type: f.scaling_type || 'unknown', effect_type: 'unknown', effect: f.effect, conditions: [], aliases: [], ord: 10_000 + this.jokers.size, origin: 'asserted' };
      this.indexJoker(j);
      this.store.saveJoker(j);
      out.push({ kind: 'joker', name: j.name, rarity: j.rarity, cost: j.cost, origin: j.origin });
    }
    if (u.jokers.length) this.sortedJokers = [...this.jokers.values()].sort((x, y) => x.ord - y.ord || x.name.localeCompare(y.name));
    for (const s of u.strategies) {
      const key = lower(s.name);
      const cur = this.strategyMap.get(key);
      const n: StrategyNode = cur ? { ...cur, description: s.description || cur.description } : { name: s.name, description: s.description, games_played: 0, wins: 0, ante_sum: 0, origin: 'asserted' };
      this.strategyMap.set(key, n);
      this.store.saveStrategy(n);
      out.push({ kind: 'strategy', name: n.name, games_played: n.games_played, win_rate: n.games_played ? n.wins / n.games_played : null });
    }
    for (const s of u.synergies) {
      const source = this.canonicalJoker(s.source) ?? s.source;
      const target = this.canonicalJoker(s.target) ?? s.target;
      const [a, b] = pairKey(source, target);
      this.setEdge({ a, b, strength: s.strength, win_rate: s.win_rate, synergy_type: s.synergy_type, confidence: s.confidence, games: 0, bonus: null, origin: 'asserted', conditions: this.conditionsOf(a, b, s.conditions), updated_at: this.now() }, out);
    }
    for (const e of u.enables) {
      const strategy = this.strategy(e.strategy)?.name ?? e.strategy;
      const joker = this.canonicalJoker(e.joker) ?? e.joker;
      const edge: EnablesEdge = { joker, strategy, importance: e.importance, origin: 'asserted' };
      this.enables = [...this.enables.filter((x) => !(x.joker === joker && x.strategy === strategy)), edge];
      this.store.saveEnables(edge);
      out.push({ kind: 'enables', joker, strategy, importance: e.importance });
    }
    for (const c of u.counters) {
      const joker = this.canonicalJoker(c.joker) ?? c.joker;
      const edge: CounterEdge = { joker, countered_by: c.countered_by, severity: c.severity, origin: 'asserted' };
      this.counterList = [...this.counterList.filter((x) => !(x.joker === joker && x.countered_by === c.countered_by)), edge];
      this.store.saveCounter(edge);
      out.push({ kind: 'counter', joker, countered_by: c.countered_by, severity: c.severity });
    }
    for (const g of u.games) this.learnGame(g, out);
  }
}
