// One simulation tick. Deterministic: the result depends only on the state (which holds
// the RNG) and the input; it mutates the state in place so no tick allocates columns.
import { applyCloudDelta, driftTerm, moodCode, moodName, recordSample, updateTrend } from "./cloud.ts";
import { stepNpcs } from "./npcs.ts";
import { SlotRng, StateRng, skipAhead } from "./rng.ts";
import { type Alloc, buildIndex, createState, resetDynamic, S, type World } from "./state.ts";
import type { ResolvedEvent, SimEvent, WorldDef } from "./types.ts";
import { addResonance, computeAdjacency, updateTurbulence } from "./zones.ts";

export interface StepInput {
  dt: number;
  event: ResolvedEvent | null;
}

export interface StepResult {
  events: SimEvent[];
}

/** What the zone phase of a tick needs from its global phase. */
export interface ZonePhase {
  dt: number;
  /** Cloud level after this tick's update. */
  level: number;
  playerZone: number;
  /** Adjacency is recomputed this tick. */
  adjacency: boolean;
  /** RNG state after the global phase: zone z's first adjacency draw is `nbrStart[z]` draws later. */
  rng: number;
}

export interface GlobalResult extends StepResult {
  zones: ZonePhase;
}

export function createWorld(def: WorldDef, alloc?: Alloc): World {
  const index = buildIndex(def);
  const world: World = { def, index, state: createState(def, index, alloc) };
  startRun(world);
  return world;
}

/** Back to initial conditions; zone resonance is the world's memory and may be kept. */
export function resetWorld(world: World, keepMemory: boolean): void {
  resetDynamic(world.def, world.index, world.state, keepMemory);
  startRun(world);
}

function startRun(world: World): void {
  const { def, state: st } = world;
  const c = def.constants.cloud;
  const level = st.s[S.LEVEL] ?? 0;
  st.s[S.MOOD] = moodCode(level, c.moods);
  if (level >= c.bleed.tier1) st.s[S.BLEED_LATCH] = 1;
  recordSample(st, c.trend, 0, level);
  computeAdjacency(st, def.constants.zones.adjacency, new SlotRng(st.s, S.RNG));
}

interface PlayerOutcome {
  player: number;
  entity: number;
}

function enterZone(world: World, zone: number, claimedFrom: number, events: SimEvent[]): void {
  const st = world.state;
  const prev = st.s[S.PLAYER_ZONE] ?? -1;
  if (prev === zone) return;
  st.s[S.PLAYER_ZONE] = zone;
  const from = prev >= 0 ? prev : claimedFrom;
  events.push({
    type: "zone_entered",
    details: { zone_id: world.index.zoneIds[zone] ?? "", from_zone: from >= 0 ? (world.index.zoneIds[from] ?? null) : null },
  });
}

function discover(world: World, zone: number, doc: string, source: string, level: number, events: SimEvent[]): void {
  addResonance(world.state, world.def.constants.zones, zone);
  events.push({
    type: "discovery_made",
    details: {
      document: doc,
      zone: world.index.zoneIds[zone] ?? "",
      source,
      resonance: world.state.res[zone] ?? 0,
      cloud_level: level,
    },
  });
}

/** P and E terms of the player's event, plus its zone change and discoveries. */
function applyPlayer(world: World, ev: ResolvedEvent | null, level: number, events: SimEvent[]): PlayerOutcome {
  if (ev === null || ev.type === "wait") {
    return { player: ev === null ? 0 : world.def.constants.cloud.player.wait, entity: 0 };
  }
  const st = world.state;
  const c = world.def.constants.cloud;
  const p = c.player;
  const charismaTerm = (e: number) =>
    e >= 0 ? (Math.min(st.entCharisma[e] ?? 0, c.entity.charisma_cap) / c.entity.charisma_cap) * c.entity.charisma_scale : 0;
  let player = 0;
  let zone: number;
  let target = -1;
  switch (ev.type) {
    case "move":
      zone = ev.to;
      enterZone(world, zone, ev.from, events);
      player = world.index.moveHot[zone] ? p.move_hot : 0;
      break;
    case "run":
      zone = ev.zone;
      enterZone(world, zone, -1, events);
      player = p.run;
      break;
    case "interact": {
      zone = ev.zone;
      enterZone(world, zone, -1, events);
      target = ev.targetEntity;
      const kind = target >= 0 ? (st.entKind[target] ?? 0) : -1;
      if (ev.targetNpc >= 0) player = p.interact_npc;
      else if (kind === 0) player = p.interact_artifact;
      else if (kind === 1) player = p.interact_log;
      else if (kind === 2) player = p.interact_figure;
      else player = p.interact_unknown;
      // Touching an artifact or a log is how the player finds it.
      if (kind === 0 || kind === 1) discover(world, zone, ev.target, "interact", level, events);
      break;
    }
    case "discover":
      zone = ev.zone;
      enterZone(world, zone, -1, events);
      target = ev.documentEntity;
      player = p.discover;
      discover(world, zone, ev.document, "discover", level, events);
      break;
  }
  const entity = (st.agg[zone] ?? 0) * c.entity.aggregate_scale + charismaTerm(target);
  return { player, entity };
}

/**
 * One tick: the global phase (player, NPCs, Cloud, trend), then every zone. A large world
 * runs the same two phases with the zones split across pool workers (`stepZones` per
 * range); the result is identical, byte for byte.
 */
export function step(world: World, input: StepInput): StepResult {
  const g = stepGlobal(world, input);
  stepZones(world, g.zones, 0, world.state.turb.length);
  finishZones(world, g.zones);
  return { events: g.events };
}

/** Player event, NPCs, Cloud level, trend, mood and bleed: everything but the per-zone update. */
export function stepGlobal(world: World, input: StepInput): GlobalResult {
  const { def, state: st } = world;
  const c = def.constants;
  const rng = new SlotRng(st.s, S.RNG);
  const events: SimEvent[] = [];
  const dt = input.dt;
  const prevLevel = st.s[S.LEVEL] ?? 0;
  const time = (st.s[S.TIME] ?? 0) + dt;
  st.s[S.TIME] = time;
  const ticks = (st.s[S.TICKS] ?? 0) + 1;
  st.s[S.TICKS] = ticks;

  const pl = applyPlayer(world, input.event, prevLevel, events);
  const playerZone = st.s[S.PLAYER_ZONE] ?? -1;
  const npc = stepNpcs(
    world,
    { level: prevLevel, dt, time, playerZone, action: input.event?.type ?? null },
    rng,
    events,
  );
  const drift = driftTerm(dt, c.cloud.drift, rng);
  const level = applyCloudDelta(st, c.cloud, { player: pl.player, npc, entity: pl.entity }, drift);

  updateTrend(st, c.cloud.trend, time, level);
  recordSample(st, c.cloud.trend, time, level);
  const mood = moodCode(level, c.cloud.moods);
  const prevMood = st.s[S.MOOD] ?? 0;
  if (mood !== prevMood) {
    events.push({ type: "cloud_mood_changed", details: { from: moodName(prevMood), to: moodName(mood), level } });
    st.s[S.MOOD] = mood;
  }
  if (level >= c.cloud.bleed.tier1) st.s[S.BLEED_LATCH] = 1;
  const adjacency = ticks % c.zones.adjacency.interval_ticks === 0;
  return { events, zones: { dt, level, playerZone, adjacency, rng: st.s[S.RNG] ?? 0 } };
}

/** Turbulence and (every N ticks) adjacency of zones [from, to); ranges may run in parallel. */
export function stepZones(world: World, z: ZonePhase, from: number, to: number): void {
  const { def, state: st } = world;
  updateTurbulence(st, def.constants.zones, z.level, z.dt, z.playerZone, from, to);
  if (z.adjacency) computeAdjacency(st, def.constants.zones.adjacency, new StateRng(skipAhead(z.rng, st.nbrStart[from] ?? 0)), from, to);
}

/** After every zone range ran: the RNG slot moves past the adjacency draws (one per edge). */
export function finishZones(world: World, z: ZonePhase): void {
  const st = world.state;
  st.s[S.RNG] = z.adjacency ? skipAhead(z.rng, st.nbr.length) : z.rng;
}
