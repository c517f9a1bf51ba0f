// NPC state machine: spine contradictions gated by QBIT power, reactions to the player,
// random idle/patrol switching, and patrol movement along the allowed zones.
import { type Rng, uniform } from "./rng.ts";
import { S, type World } from "./state.ts";
import { NPC_STATES, NpcStateCode as C, type PlayerEventType, type SimEvent } from "./types.ts";

export interface NpcContext {
  /** Cloud level the NPCs react to (the level at the start of the tick). */
  level: number;
  dt: number;
  /** Simulation time at the end of this tick. */
  time: number;
  playerZone: number;
  action: PlayerEventType | null;
}

const ESCALATED: ReadonlySet<number> = new Set([C.alert, C.suspicious, C.hostile]);

/** Advances every NPC one tick; pushes events and returns the N term of the Cloud update. */
export function stepNpcs(world: World, ctx: NpcContext, rng: Rng, events: SimEvent[]): number {
  const { def, index, state: st } = world;
  const k = def.constants.npcs;
  const cloudK = def.constants.cloud.npc;
  let n = 0;
  for (let i = 0; i < def.npcs.length; i++) {
    const from = st.npcState[i] as number;
    const zone = st.npcZone[i] as number;
    if (from === C.contradiction) {
      const left = (st.npcTimer[i] as number) - ctx.dt;
      st.npcTimer[i] = left;
      if (left <= 0) {
        st.npcState[i] = C.idle;
        st.npcTimer[i] = 0;
        if (st.s[S.ACTIVE_CONTRA] === i) st.s[S.ACTIVE_CONTRA] = -1;
      }
      continue;
    }
    const threshold = st.npcThreshold[i] as number;
    if (
      ctx.level >= threshold &&
      st.s[S.ACTIVE_CONTRA] === -1 &&
      ctx.time - (st.s[S.LAST_CONTRA] as number) >= k.contradiction_cooldown_s &&
      rng.next() < k.contradiction_chance
    ) {
      const npc = def.npcs[i];
      const rules = npc?.never_rules ?? [];
      const rule = rules[Math.floor(rng.next() * rules.length)] ?? "";
      st.npcState[i] = C.contradiction;
      st.npcTimer[i] = uniform(rng, k.contradiction_min_s, k.contradiction_max_s);
      st.s[S.LAST_CONTRA] = ctx.time;
      st.s[S.ACTIVE_CONTRA] = i;
      n += cloudK.contradiction;
      events.push({
        type: "contradiction_triggered",
        details: {
          npc_id: npc?.id ?? "",
          zone: index.zoneIds[zone] ?? "",
          rule,
          threshold,
          cloud_level: ctx.level,
          previous_state: NPC_STATES[from] ?? "idle",
        },
      });
      continue;
    }
    const here = ctx.playerZone === zone;
    const run = here && ctx.action === "run";
    const interact = here && ctx.action === "interact";
    let to = from;
    switch (from) {
      case C.idle:
        if (run || interact) to = C.alert;
        else if (rng.next() < k.idle_to_patrol) to = C.patrol;
        break;
      case C.patrol:
        if (run) to = C.suspicious;
        else if (rng.next() < k.patrol_to_idle) to = C.idle;
        else patrolMove(world, i, ctx.dt, k.patrol_dwell_s);
        break;
      case C.alert:
        if (run) to = C.suspicious;
        else if (!here) to = C.idle;
        break;
      case C.suspicious:
        if (interact && ctx.level > k.hostile_level) to = C.hostile;
        else if (!here) to = C.alert;
        break;
      case C.hostile:
        if (ctx.level < k.calm_level || !here) to = C.suspicious;
        break;
    }
    if (to !== from) {
      st.npcState[i] = to;
      st.npcTimer[i] = 0;
      if (ESCALATED.has(to)) n += cloudK.escalation;
    }
  }
  return n;
}

/** After dwelling `dwell` seconds in a zone, a patrolling NPC steps to the next on its route. */
function patrolMove(world: World, i: number, dt: number, dwell: number): void {
  const st = world.state;
  const start = st.routeStart[i] as number;
  const len = (st.routeStart[i + 1] as number) - start;
  const t = (st.npcTimer[i] as number) + dt;
  if (t < dwell || len < 2) {
    st.npcTimer[i] = t;
    return;
  }
  const pos = ((st.npcRoutePos[i] as number) + 1) % len;
  st.npcRoutePos[i] = pos;
  st.npcZone[i] = st.route[start + pos] as number;
  st.npcTimer[i] = 0;
}
