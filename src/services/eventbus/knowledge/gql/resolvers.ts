/**
 * Resolvers: a root object and small views over the in-memory graph (graphql-js's
 * default resolver reads their getters and calls their methods with the field's
 * arguments). List fields check the query's deadline, so a query that runs past the
 * timeout stops with a TIMEOUT error instead of finishing late.
 */
import { GraphQLError } from 'graphql';
import { playingCards } from '../seed.ts';
import type { KnowledgeGraph } from '../graph.ts';
import type { Session } from '../engine/sessions.ts';
import type { JokerNode, StrategyNode, SynergyEdge } from '../types.ts';

export interface GqlContext {
  graph: KnowledgeGraph;
  /** performance.now() after which the operation stops. */
  deadline: number;
  timeoutMs: number;
  activeSessions(): number;
  lag(): number;
  mutate(input: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export const MAX_LIMIT = 500;

export function checkDeadline(ctx: GqlContext): void {
  if (performance.now() > ctx.deadline) throw new GraphQLError(`the operation ran past its ${ctx.timeoutMs} ms timeout and was stopped`, { extensions: { code: 'TIMEOUT', timeout_ms: ctx.timeoutMs } });
}

function limit(v: unknown, name = 'limit'): number {
  const n = typeof v === 'number' ? v : 0;
  if (!Number.isInteger(n) || n < 0 || n > MAX_LIMIT) throw new GraphQLError(`${name} must be an integer from 0 to ${MAX_LIMIT}, got ${String(v)}`, { extensions: { code: 'BAD_USER_INPUT', argument: name } });
  return n;
}

const ratio = (num: number, den: number): number | null => (den > 0 ? num / den : null);

class JokerView {
  constructor(private readonly j: JokerNode, private readonly g: KnowledgeGraph) {}
  get name() { return this.j.name; }
  get key() { return this.j.key || null; }
  get rarity() { return this.j.rarity; }
  get cost() { return this.j.cost; }
  get scaling_type() { return this.j.scaling_type; }
  get effect_type() { return this.j.effect_type; }
  get effect() { return this.j.effect; }
  get conditions() { return this.j.conditions; }
  get aliases() { return this.j.aliases; }
  get origin() { return this.j.origin; }
  get games() { return this.g.tally(this.j.name)?.games ?? 0; }
  get win_rate() { const t = this.g.tally(this.j.name); return t ? ratio(t.wins, t.games) : null; }
  get mean_score() { const t = this.g.tally(this.j.name); return t ? ratio(t.scoreSum, t.games) : null; }
  synergies(args: { min_strength?: number; min_games?: number; limit?: number }, ctx: GqlContext): SynergyView[] {
    checkDeadline(ctx);
    const max = limit(args.limit ?? 20);
    const out: SynergyView[] = [];
    for (const e of this.g.synergiesOf(this.j.name)) {
      if (out.length >= max) break;
      if (e.strength < (args.min_strength ?? 0) || e.games < (args.min_games ?? 0)) continue;
      out.push(new SynergyView(e, this.j.name, this.g));
    }
    return out;
  }
  enables_strategies(_: unknown, ctx: GqlContext) {
    checkDeadline(ctx);
    return this.g.enablesOf(this.j.name).map((e) => ({ strategy: strategyView(this.g.strategy(e.strategy)!, this.g), importance: e.importance }));
  }
  countered_by() { return this.g.countersOf(this.j.name).map((c) => ({ countered_by: c.countered_by, severity: c.severity })); }
}

class SynergyView {
  constructor(private readonly e: SynergyEdge, private readonly from: string, private readonly g: KnowledgeGraph) {}
  get source() { return jokerView(this.from, this.g); }
  get target() { return jokerView(this.e.a === this.from ? this.e.b : this.e.a, this.g); }
  get strength() { return this.e.strength; }
  get win_rate() { return this.e.win_rate; }
  get synergy_type() { return this.e.synergy_type; }
  get confidence() { return this.e.confidence; }
  get games() { return this.e.games; }
  get bonus() { return this.e.bonus; }
  get conditions() { return this.e.conditions; }
  get origin() { return this.e.origin; }
  get updated_at() { return this.e.updated_at; }
}

function jokerView(name: string, g: KnowledgeGraph): JokerView | null {
  const j = g.joker(name);
  return j ? new JokerView(j, g) : null;
}

function strategyView(s: StrategyNode, g: KnowledgeGraph) {
  return {
    name: s.name, description: s.description || null, games_played: s.games_played, win_rate: ratio(s.wins, s.games_played), ante_reached: ratio(s.ante_sum, s.games_played),
    jokers: (args: { limit?: number }, ctx: GqlContext) => {
      checkDeadline(ctx);
      return g.jokersFor(s.name).slice(0, limit(args.limit ?? 20)).map((e) => ({ joker: jokerView(e.joker, g), importance: e.importance })).filter((x) => x.joker !== null);
    },
  };
}

function sessionView(s: Session, g: KnowledgeGraph) {
  return {
    session_id: s.session_id, source: s.source || null, started_at: s.started_ms, last_event_at: s.last_ms, final_ante: s.final_ante, final_score: s.final_score,
    won: s.won, ended: s.ended, rounds: s.rounds, strategy: s.strategy, jokers: () => s.jokers.map((n) => jokerView(n, g)).filter((x) => x !== null),
  };
}

export function rootValue() {
  return {
    joker: (a: { name: string }, ctx: GqlContext) => jokerView(a.name, ctx.graph),
    jokers: (a: { rarity?: string; scaling_type?: string; effect_type?: string; limit?: number; offset?: number }, ctx: GqlContext) => {
      checkDeadline(ctx);
      const max = limit(a.limit ?? 50);
      const offset = limit(a.offset ?? 0, 'offset');
      const eq = (x: string | null, y: string | undefined): boolean => y === undefined || y === null || (x ?? '').toLowerCase() === y.toLowerCase();
      return ctx.graph.allJokers().filter((j) => eq(j.rarity, a.rarity) && eq(j.scaling_type, a.scaling_type) && eq(j.effect_type, a.effect_type)).slice(offset, offset + max).map((j) => new JokerView(j, ctx.graph));
    },
    synergies: (a: { min_strength?: number; min_games?: number; synergy_type?: string; origin?: string; limit?: number }, ctx: GqlContext) => {
      checkDeadline(ctx);
      const max = limit(a.limit ?? 50);
      return ctx.graph.allSynergies()
        .filter((e) => e.strength >= (a.min_strength ?? 0) && e.games >= (a.min_games ?? 0) && (a.synergy_type == null || e.synergy_type === a.synergy_type) && (a.origin == null || e.origin === a.origin))
        .sort((x, y) => y.strength - x.strength || y.games - x.games).slice(0, max).map((e) => new SynergyView(e, e.a, ctx.graph));
    },
    strategy: (a: { name: string }, ctx: GqlContext) => {
      const s = ctx.graph.strategy(a.name);
      return s ? strategyView(s, ctx.graph) : null;
    },
    strategies: (_: unknown, ctx: GqlContext) => ctx.graph.strategies().map((s) => strategyView(s, ctx.graph)),
    hand_types: (_: unknown, ctx: GqlContext) => ctx.graph.handTypes(),
    playing_cards: (a: { suit?: string; rank?: string }) => playingCards().filter((c) => (a.suit == null || c.suit.toLowerCase() === a.suit.toLowerCase()) && (a.rank == null || c.rank === a.rank.toUpperCase())),
    deck_archetypes: (_: unknown, ctx: GqlContext) => ctx.graph.archetypes(),
    game_session: (a: { session_id: string }, ctx: GqlContext) => {
      const s = ctx.graph.store.session(a.session_id);
      return s ? sessionView(s, ctx.graph) : null;
    },
    game_sessions: (a: { ended?: boolean | null; limit?: number }, ctx: GqlContext) => {
      checkDeadline(ctx);
      return ctx.graph.store.sessions(limit(a.limit ?? 20), a.ended ?? null).map((s) => sessionView(s, ctx.graph));
    },
    stats: (_: unknown, ctx: GqlContext) => {
      const c = ctx.graph.store.counts();
      const all = ctx.graph.allSynergies();
      return {
        version: ctx.graph.version, jokers: ctx.graph.allJokers().length, synergies: all.length, learned_synergies: all.filter((e) => e.origin === 'learned').length,
        sessions: c.sessions, ended_sessions: c.ended, active_sessions: ctx.activeSessions(), position: ctx.graph.position, lag: ctx.lag(),
      };
    },
    update_knowledge: (a: { input: Record<string, unknown> }, ctx: GqlContext) => ctx.mutate(a.input),
  };
}
