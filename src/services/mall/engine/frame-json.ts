// The tick frame written straight to JSON text, byte-identical to
// JSON.stringify(tickFrame(...)) but without building per-zone objects: on a 1,000-zone
// world this is most of the tick's cost.
import { cloudFrame } from "./frames.ts";
import type { World, WorldState } from "./state.ts";
import type { StepResult } from "./step.ts";
import { NPC_STATES } from "./types.ts";

/** Zone and NPC ids as JSON string literals, computed once per world. */
interface Literals {
  zones: string[];
  npcs: string[];
  hints: string[][];
  avoidHigh: string;
  avoidMid: string;
}

const cache = new WeakMap<World["def"], Literals>();

function literals(world: World): Literals {
  let l = cache.get(world.def);
  if (!l) {
    const q = (s: string) => JSON.stringify(s);
    l = {
      zones: world.index.zoneIds.map(q),
      npcs: world.def.npcs.map((n) => q(n.id)),
      hints: world.def.npcs.map((n) => NPC_STATES.map((s) => q(n.behavior_hints[s]))),
      avoidHigh: JSON.stringify(world.index.avoidHigh),
      avoidMid: JSON.stringify(world.index.avoidMid),
    };
    cache.set(world.def, l);
  }
  return l;
}

/**
 * Per-state text cache: QBIT columns never change during a run, adjacency every N ticks
 * and resonance only on discoveries, so only turbulence and swarm bias are formatted
 * every tick (number formatting is what the frame costs).
 */
interface TextCache {
  qbit: string[];
  adj: Float64Array;
  adjText: string[];
  res: Float64Array;
  resText: string[];
}

const texts = new WeakMap<WorldState, TextCache>();

function textCache(world: World, lit: Literals): TextCache {
  const st = world.state;
  let c = texts.get(st);
  if (!c) {
    const nZ = lit.zones.length;
    c = {
      qbit: lit.zones.map(
        (_, z) =>
          `"qbit_aggregate":${n(st.agg[z])},"qbit_power":${n(st.power[z])},"qbit_charisma":${n(st.charisma[z])},` +
          `"qbit_entity_count":${n(st.count[z])}`,
      ),
      adj: new Float64Array(st.adj.length).fill(NaN),
      adjText: new Array<string>(nZ).fill(""),
      res: new Float64Array(nZ).fill(NaN),
      resText: new Array<string>(nZ).fill(""),
    };
    texts.set(st, c);
  }
  return c;
}

/** JSON.stringify's rendering of a finite number (and null for the impossible rest). */
const n = (x: number | undefined): string => (x !== undefined && Number.isFinite(x) ? String(x) : "null");

export function tickFrameJson(world: World, result: StepResult, timestamp: number): string {
  return frameHead(world, timestamp) + zonesJson(world, 0, world.index.zoneIds.length) + frameTail(world, result, timestamp);
}

/** `{"timestamp":…,"cloud":{…},"zones":{` */
export function frameHead(world: World, timestamp: number): string {
  return `{"timestamp":${n(timestamp)},"cloud":${JSON.stringify(cloudFrame(world))},"zones":{`;
}

/**
 * The `"ZONE":{…}` members of zones [from, to), comma-joined (no leading comma): ranges
 * formatted apart (by pool workers) join with "," into the same text.
 */
export function zonesJson(world: World, from: number, to: number): string {
  const { state: st, def } = world;
  const lit = literals(world);
  const sw = def.constants.zones.swarm;
  const tc = textCache(world, lit);
  // One growing string: JSC concatenates into a rope and flattens it once (half the cost of
  // pushing per-zone templates into an array and joining). Numbers go in by `+`, which
  // prints a finite number exactly as JSON.stringify does; turbulence is clamped, so it and
  // the figures derived from it are finite (n() covers the impossible rest).
  let out = "";
  for (let z = from; z < to; z++) {
    const t = st.turb[z] ?? 0;
    const clustering =
      t < sw.cluster_low ? t / sw.cluster_divisor
      : t < sw.cluster_high ? sw.cluster_mid_base + (t - sw.cluster_low) / sw.cluster_divisor
      : sw.cluster_top;
    const speed = Math.min(sw.speed_max, Math.max(sw.speed_min, 1 + t / sw.speed_divisor));
    const avoid = t > sw.avoid_high ? lit.avoidHigh : t > sw.avoid_mid ? lit.avoidMid : "[]";
    const start = st.nbrStart[z] ?? 0;
    const end = st.nbrStart[z + 1] ?? 0;
    let stale = false;
    for (let e = start; e < end; e++) {
      if (tc.adj[e] !== st.adj[e]) {
        stale = true;
        tc.adj[e] = st.adj[e] ?? 0;
      }
    }
    if (stale) {
      let adj = "";
      for (let e = start; e < end; e++) adj += `${adj === "" ? "" : ","}${lit.zones[st.nbr[e] ?? 0]}:${n(st.adj[e])}`;
      tc.adjText[z] = adj;
    }
    const res = st.res[z] ?? 0;
    if (tc.res[z] !== res) {
      tc.res[z] = res;
      tc.resText[z] = n(res);
    }
    const id = lit.zones[z];
    const finite = Number.isFinite(t);
    out +=
      (z === from ? "" : ",") + id + ':{"zone_id":' + id + ',"turbulence":' + (finite ? t : n(t)) + ',"resonance":' + tc.resText[z] + "," + tc.qbit[z] +
      ',"swarm_bias":{"color_weight":' + (finite ? Math.min(1, t / sw.color_divisor) : "null") + ',"clustering":' + (finite ? clustering : "null") +
      ',"speed":' + (finite ? speed : "null") + ',"avoidance":' + avoid + '},"adjacency":{' + tc.adjText[z] + "}}";
  }
  return out;
}

/** `},"npcs":[…],"events":[…]}` */
export function frameTail(world: World, result: StepResult, timestamp: number): string {
  const st = world.state;
  const lit = literals(world);
  const ts = n(timestamp);
  const parts: string[] = [`},"npcs":[`];
  for (let i = 0; i < lit.npcs.length; i++) {
    const s = st.npcState[i] ?? 0;
    parts.push(
      `${i === 0 ? "" : ","}{"id":${lit.npcs[i]},"zone":${lit.zones[st.npcZone[i] ?? 0]},` +
        `"state":"${NPC_STATES[s] ?? "idle"}","behavior_hint":${lit.hints[i]?.[s] ?? '""'}}`,
    );
  }
  parts.push(`],"events":[`);
  result.events.forEach((e, i) => {
    parts.push(`${i === 0 ? "" : ","}{"type":"${e.type}","timestamp":${ts},"details":${JSON.stringify(e.details)}}`);
  });
  parts.push("]}");
  return parts.join("");
}
