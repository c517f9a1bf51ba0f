// World state as a structure of arrays. Static columns (QBIT sums, rates, routes) are
// filled once from the WorldDef; dynamic columns are what a tick mutates. Everything is
// a typed array so a state can be cloned, reset or handed to a worker by buffer.
import type { Constants } from "./constants.ts";
import { scoreEntity } from "./qbit.ts";
import { seedToState } from "./rng.ts";
import { ENTITY_KINDS, NpcStateCode, type WorldDef } from "./types.ts";

/** Slots of the scalar array. */
export const S = {
  LEVEL: 0,
  TIME: 1,
  TICKS: 2,
  RNG: 3,
  PLAYER_ZONE: 4,
  BLEED_LATCH: 5,
  MOOD: 6,
  TREND: 7,
  RATE: 8,
  LAST_CONTRA: 9,
  ACTIVE_CONTRA: 10,
  H_HEAD: 11,
  H_COUNT: 12,
  LENGTH: 13,
} as const;

export interface WorldState {
  s: Float64Array;
  // zones
  turb: Float64Array;
  res: Float64Array;
  power: Float64Array;
  charisma: Float64Array;
  agg: Float64Array;
  count: Int32Array;
  rate: Float64Array;
  nbrStart: Int32Array;
  nbr: Int32Array;
  adj: Float64Array;
  // entities
  entZone: Int32Array;
  entPower: Float64Array;
  entCharisma: Float64Array;
  entKind: Uint8Array;
  // npcs
  npcZone: Int32Array;
  npcState: Uint8Array;
  npcTimer: Float64Array;
  npcRoutePos: Int32Array;
  npcThreshold: Float64Array;
  routeStart: Int32Array;
  route: Int32Array;
  // cloud level samples for the trend window (ring buffer)
  hTime: Float64Array;
  hLevel: Float64Array;
}

/** Lookups from ids to indices and the string tables frames need. */
export interface WorldIndex {
  zoneIds: string[];
  zoneIndex: Map<string, number>;
  npcIndex: Map<string, number>;
  entityIndex: Map<string, number>;
  moveHot: Uint8Array;
  avoidHigh: string[];
  avoidMid: string[];
}

export interface World {
  def: WorldDef;
  index: WorldIndex;
  state: WorldState;
}

export type Alloc = (bytes: number) => ArrayBuffer | SharedArrayBuffer;
const plain: Alloc = (n) => new ArrayBuffer(n);
export const sharedAlloc: Alloc = (n) => new SharedArrayBuffer(n);

const f64 = (a: Alloc, n: number) => new Float64Array(a(n * 8));
const i32 = (a: Alloc, n: number) => new Int32Array(a(n * 4));
const u8 = (a: Alloc, n: number) => new Uint8Array(a(n));

export function contradictionThreshold(power: number, n: Constants["npcs"]): number {
  for (let i = 0; i < n.contradiction_power_steps.length; i++) {
    if (power > (n.contradiction_power_steps[i] ?? Infinity)) {
      return n.contradiction_levels[i] ?? n.contradiction_default_level;
    }
  }
  return n.contradiction_default_level;
}

export function buildIndex(def: WorldDef): WorldIndex {
  const zoneIds = def.zones.map((z) => z.id);
  const zoneIndex = new Map(zoneIds.map((id, i) => [id, i]));
  const sw = def.constants.zones.swarm;
  const present = (ids: string[]) => ids.filter((id) => zoneIndex.has(id));
  const moveHot = new Uint8Array(zoneIds.length);
  for (const id of def.constants.cloud.player.move_hot_zones) {
    const i = zoneIndex.get(id);
    if (i !== undefined) moveHot[i] = 1;
  }
  return {
    zoneIds,
    zoneIndex,
    npcIndex: new Map(def.npcs.map((n, i) => [n.id, i])),
    entityIndex: new Map(def.entities.map((e, i) => [e.id, i])),
    moveHot,
    avoidHigh: present(sw.avoid_high_zones),
    avoidMid: present(sw.avoid_mid_zones),
  };
}

export function allocState(def: WorldDef, alloc: Alloc = plain): WorldState {
  const nZ = def.zones.length;
  const nE = def.entities.length;
  const nN = def.npcs.length;
  const edges = def.zones.reduce((acc, z) => acc + z.neighbours.length, 0);
  const routeLen = def.npcs.reduce((acc, n) => acc + n.allowed_zones.length, 0);
  const cap = def.constants.cloud.trend.max_samples;
  return {
    s: f64(alloc, S.LENGTH),
    turb: f64(alloc, nZ),
    res: f64(alloc, nZ),
    power: f64(alloc, nZ),
    charisma: f64(alloc, nZ),
    agg: f64(alloc, nZ),
    count: i32(alloc, nZ),
    rate: f64(alloc, nZ),
    nbrStart: i32(alloc, nZ + 1),
    nbr: i32(alloc, edges),
    adj: f64(alloc, edges),
    entZone: i32(alloc, nE),
    entPower: f64(alloc, nE),
    entCharisma: f64(alloc, nE),
    entKind: u8(alloc, nE),
    npcZone: i32(alloc, nN),
    npcState: u8(alloc, nN),
    npcTimer: f64(alloc, nN),
    npcRoutePos: i32(alloc, nN),
    npcThreshold: f64(alloc, nN),
    routeStart: i32(alloc, nN + 1),
    route: i32(alloc, routeLen),
    hTime: f64(alloc, cap),
    hLevel: f64(alloc, cap),
  };
}

/** Fills the columns that never change during a run. */
function fillStatic(def: WorldDef, index: WorldIndex, st: WorldState): void {
  const zi = (id: string) => index.zoneIndex.get(id) ?? -1;
  let e = 0;
  def.zones.forEach((z, i) => {
    st.rate[i] = z.turbulence_rate;
    st.nbrStart[i] = e;
    for (const n of z.neighbours) st.nbr[e++] = zi(n);
  });
  st.nbrStart[def.zones.length] = e;
  def.entities.forEach((ent, i) => {
    const score = scoreEntity(ent, def.constants.seed, def.constants.qbit);
    const z = zi(ent.zone);
    st.entZone[i] = z;
    st.entPower[i] = score.power;
    st.entCharisma[i] = score.charisma;
    st.entKind[i] = ENTITY_KINDS.indexOf(ent.kind);
    st.power[z] = (st.power[z] ?? 0) + score.power;
    st.charisma[z] = (st.charisma[z] ?? 0) + score.charisma;
    st.count[z] = (st.count[z] ?? 0) + 1;
  });
  for (let z = 0; z < def.zones.length; z++) st.agg[z] = (st.power[z] ?? 0) + (st.charisma[z] ?? 0);
  let r = 0;
  def.npcs.forEach((n, i) => {
    st.npcThreshold[i] = contradictionThreshold(n.qbit_power, def.constants.npcs);
    st.routeStart[i] = r;
    for (const z of n.allowed_zones) st.route[r++] = zi(z);
  });
  st.routeStart[def.npcs.length] = r;
}

/** Puts the dynamic columns back to the start of a run; resonance survives if asked. */
export function resetDynamic(def: WorldDef, index: WorldIndex, st: WorldState, keepResonance: boolean): void {
  const c = def.constants;
  st.s.fill(0);
  st.s[S.LEVEL] = c.cloud.initial_level;
  st.s[S.RNG] = seedToState(c.seed);
  st.s[S.PLAYER_ZONE] = -1;
  st.s[S.LAST_CONTRA] = -Infinity;
  st.s[S.ACTIVE_CONTRA] = -1;
  st.turb.fill(0);
  if (!keepResonance) st.res.fill(0);
  st.adj.fill(0);
  def.npcs.forEach((n, i) => {
    st.npcZone[i] = index.zoneIndex.get(n.home_zone) ?? 0;
    st.npcState[i] = NpcStateCode[n.initial_state];
    st.npcTimer[i] = 0;
    st.npcRoutePos[i] = Math.max(0, n.allowed_zones.indexOf(n.home_zone));
  });
  st.hTime.fill(0);
  st.hLevel.fill(0);
}

export function cloneState(st: WorldState): WorldState {
  const out = {} as Record<string, unknown>;
  for (const [k, v] of Object.entries(st)) out[k] = (v as Float64Array).slice();
  return out as unknown as WorldState;
}

/** Every typed array of a state, in a fixed order (for hashing, transfer, comparison). */
export function stateColumns(st: WorldState): [string, ArrayLike<number>][] {
  return Object.entries(st).map(([k, v]) => [k, v as ArrayLike<number>]);
}

export function createState(def: WorldDef, index: WorldIndex, alloc: Alloc = plain): WorldState {
  const st = allocState(def, alloc);
  fillStatic(def, index, st);
  resetDynamic(def, index, st, false);
  return st;
}
