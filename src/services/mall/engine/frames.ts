// Reply bodies with the spec's field names. /status and /tick share one cloud object so
// the consistency guarantee of the spec holds by construction.
import { bleedTier, moodName, trendName } from "./cloud.ts";
import { S, type World } from "./state.ts";
import type { StepResult } from "./step.ts";
import { type Mood, NPC_STATES, type NpcState, type Trend } from "./types.ts";
import { type SwarmBias, swarmBias } from "./zones.ts";

export interface CloudFrame {
  level: number;
  mood: Mood;
  trend: Trend;
  pressure_rate: number;
  bleed_tier: number;
  bleed_ready: boolean;
}

export interface ZoneFrame {
  zone_id: string;
  turbulence: number;
  resonance: number;
  qbit_aggregate: number;
  qbit_power: number;
  qbit_charisma: number;
  qbit_entity_count: number;
  swarm_bias: SwarmBias;
  adjacency: Record<string, number>;
}

export interface NpcFrame {
  id: string;
  zone: string;
  state: NpcState;
  behavior_hint: string;
}

export interface EventFrame {
  type: string;
  timestamp: number;
  details: Record<string, string | number | null>;
}

export interface TickFrame {
  timestamp: number;
  cloud: CloudFrame;
  zones: Record<string, ZoneFrame>;
  npcs: NpcFrame[];
  events: EventFrame[];
}

/** Counters kept outside the world (persisted across sessions). */
export interface History {
  sessions: number;
  total_playtime: number;
  discoveries: number;
  contradictions: number;
}

export interface StatusFrame {
  cloud: CloudFrame;
  zones_count: number;
  npcs_count: number;
  session: { count: number; total_playtime: number };
  stats: { discoveries: number; contradictions: number; entities_loaded: number };
}

export function cloudFrame(world: World): CloudFrame {
  const s = world.state.s;
  const level = s[S.LEVEL] ?? 0;
  return {
    level,
    mood: moodName(s[S.MOOD] ?? 0),
    trend: trendName(s[S.TREND] ?? 0),
    pressure_rate: s[S.RATE] ?? 0,
    bleed_tier: bleedTier(level, world.def.constants.cloud.bleed),
    bleed_ready: s[S.BLEED_LATCH] === 1,
  };
}

export function zoneFrame(world: World, z: number): ZoneFrame {
  const { state: st, index } = world;
  const adjacency: Record<string, number> = {};
  const end = st.nbrStart[z + 1] ?? 0;
  for (let e = st.nbrStart[z] ?? 0; e < end; e++) {
    adjacency[index.zoneIds[st.nbr[e] ?? 0] ?? ""] = st.adj[e] ?? 0;
  }
  const turbulence = st.turb[z] ?? 0;
  return {
    zone_id: index.zoneIds[z] ?? "",
    turbulence,
    resonance: st.res[z] ?? 0,
    qbit_aggregate: st.agg[z] ?? 0,
    qbit_power: st.power[z] ?? 0,
    qbit_charisma: st.charisma[z] ?? 0,
    qbit_entity_count: st.count[z] ?? 0,
    swarm_bias: swarmBias(turbulence, world.def.constants.zones.swarm, index),
    adjacency,
  };
}

export function npcFrames(world: World): NpcFrame[] {
  const { def, state: st, index } = world;
  return def.npcs.map((n, i) => {
    const state = NPC_STATES[st.npcState[i] ?? 0] ?? "idle";
    return { id: n.id, zone: index.zoneIds[st.npcZone[i] ?? 0] ?? "", state, behavior_hint: n.behavior_hints[state] };
  });
}

export function tickFrame(world: World, result: StepResult, timestamp: number): TickFrame {
  const zones: Record<string, ZoneFrame> = {};
  for (let z = 0; z < world.index.zoneIds.length; z++) zones[world.index.zoneIds[z] ?? ""] = zoneFrame(world, z);
  return {
    timestamp,
    cloud: cloudFrame(world),
    zones,
    npcs: npcFrames(world),
    events: result.events.map((e) => ({ type: e.type, timestamp, details: e.details })),
  };
}

export function statusFrame(world: World, history: History): StatusFrame {
  return {
    cloud: cloudFrame(world),
    zones_count: world.def.zones.length,
    npcs_count: world.def.npcs.length,
    session: { count: history.sessions, total_playtime: history.total_playtime },
    stats: {
      discoveries: history.discoveries,
      contradictions: history.contradictions,
      entities_loaded: world.def.entities.length,
    },
  };
}
