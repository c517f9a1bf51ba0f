// Zone microstate: turbulence drifting toward the Cloud, resonance from discoveries,
// swarm bias derived from turbulence, and QBIT-weighted adjacency over neighbours.
import type { Constants } from "./constants.ts";
import type { Rng } from "./rng.ts";
import type { WorldIndex, WorldState } from "./state.ts";

type ZonesC = Constants["zones"];

export interface SwarmBias {
  color_weight: number;
  clustering: number;
  speed: number;
  avoidance: string[];
}

/** turb += (target − turb)·approach·dt·rate, plus presence in the player's zone, clamped; zones [from, to). */
export function updateTurbulence(st: WorldState, c: ZonesC, level: number, dt: number, playerZone: number, from = 0, to = st.turb.length): void {
  const base = level * c.turbulence_level_scale;
  const k = c.turbulence_approach * dt;
  const max = c.turbulence_max;
  const turb = st.turb;
  const agg = st.agg;
  const rate = st.rate;
  for (let z = from; z < to; z++) {
    const t = turb[z] as number;
    const target = base + (agg[z] as number) * c.turbulence_qbit_scale;
    let next = t + (target - t) * k * (rate[z] as number);
    if (z === playerZone) next += c.player_presence * dt;
    turb[z] = next < 0 ? 0 : next > max ? max : next;
  }
}

/** Resonance gain of one discovery, scaled by the zone's charisma. */
export function addResonance(st: WorldState, c: ZonesC, zone: number): number {
  const charisma = Math.min(st.charisma[zone] ?? 0, c.resonance_charisma_cap);
  const gain = c.resonance_gain * (1 + (charisma / c.resonance_charisma_cap) * c.resonance_charisma_modifier);
  st.res[zone] = (st.res[zone] ?? 0) + gain;
  return gain;
}

export function swarmBias(t: number, c: ZonesC["swarm"], index: WorldIndex): SwarmBias {
  let clustering: number;
  if (t < c.cluster_low) clustering = t / c.cluster_divisor;
  else if (t < c.cluster_high) clustering = c.cluster_mid_base + (t - c.cluster_low) / c.cluster_divisor;
  else clustering = c.cluster_top;
  const speed = Math.min(c.speed_max, Math.max(c.speed_min, 1 + t / c.speed_divisor));
  const avoidance = t > c.avoid_high ? index.avoidHigh : t > c.avoid_mid ? index.avoidMid : [];
  return {
    color_weight: Math.min(1, t / c.color_divisor),
    clustering,
    speed,
    avoidance: avoidance.slice(),
  };
}

/**
 * Recomputes the adjacency rows of zones [from, to): gravity of the source, similarity of
 * QBIT mass, neighbour pull, neighbour resonance, and seeded jitter (one draw per edge, in
 * zone order); each row sums to 1.
 */
export function computeAdjacency(st: WorldState, c: ZonesC["adjacency"], rng: Rng, from = 0, to = st.turb.length): void {
  for (let z = from; z < to; z++) {
    const start = st.nbrStart[z] as number;
    const end = st.nbrStart[z + 1] as number;
    if (end === start) continue;
    const q = Math.min(c.qbit_max, (st.agg[z] as number) / c.qbit_unit);
    const r = Math.min(1, (st.res[z] as number) / c.resonance_unit);
    const t = Math.min(1, (st.turb[z] as number) / c.turbulence_unit);
    const gravity = c.gravity_qbit * q + c.gravity_resonance * r + c.gravity_turbulence * t;
    let sum = 0;
    for (let e = start; e < end; e++) {
      const o = st.nbr[e] as number;
      const oq = Math.min(c.qbit_max, (st.agg[o] as number) / c.qbit_unit) / c.qbit_max;
      const similarity = Math.max(0, 1 - Math.abs(oq - q / c.qbit_max));
      const w =
        c.w_similarity * similarity +
        c.w_gravity * (gravity + c.neighbour_qbit_in_gravity * oq) +
        c.w_neighbour_resonance * Math.min(1, (st.res[o] as number) / c.resonance_unit) +
        rng.next() * c.jitter_max;
      st.adj[e] = w;
      sum += w;
    }
    for (let e = start; e < end; e++) {
      st.adj[e] = sum > 0 ? (st.adj[e] as number) / sum : 1 / (end - start);
    }
  }
}
