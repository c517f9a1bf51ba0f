// Global Cloud pressure: the four-term update, mood, trend over a window of simulation
// time, and bleed tiers.
import type { Constants } from "./constants.ts";
import { type Rng, uniform } from "./rng.ts";
import { S, type WorldState } from "./state.ts";
import { MOODS, type Mood, TRENDS, type Trend } from "./types.ts";

type CloudC = Constants["cloud"];

export interface CloudTerms {
  player: number;
  npc: number;
  entity: number;
}

export function moodCode(level: number, m: CloudC["moods"]): number {
  if (level >= m.critical) return 3;
  if (level >= m.strained) return 2;
  if (level >= m.uneasy) return 1;
  return 0;
}

export const moodName = (code: number): Mood => MOODS[code] ?? "calm";
export const trendName = (code: number): Trend => TRENDS[code] ?? "stable";

export function bleedTier(level: number, b: CloudC["bleed"]): number {
  if (level >= b.tier3) return 3;
  if (level >= b.tier2) return 2;
  if (level >= b.tier1) return 1;
  return 0;
}

/** D: base drift plus seeded noise, both proportional to dt. */
export function driftTerm(dt: number, d: CloudC["drift"], rng: Rng): number {
  return (d.base + uniform(rng, d.noise_min, d.noise_max)) * dt;
}

/** Applies Δ = wP·P + wN·N + wE·E + wD·D and clamps; returns the new level. */
export function applyCloudDelta(st: WorldState, c: CloudC, terms: CloudTerms, drift: number): number {
  const w = c.weights;
  const delta = w.player * terms.player + w.npc * terms.npc + w.entity * terms.entity + w.drift * drift;
  const level = Math.min(c.max_level, Math.max(0, (st.s[S.LEVEL] ?? 0) + delta));
  st.s[S.LEVEL] = level;
  return level;
}

/** Appends a (time, level) sample; samples closer than window/capacity are skipped. */
export function recordSample(st: WorldState, t: CloudC["trend"], time: number, level: number): void {
  const cap = st.hTime.length;
  const head = st.s[S.H_HEAD] ?? 0;
  const count = st.s[S.H_COUNT] ?? 0;
  if (count > 0) {
    const last = st.hTime[(head + count - 1) % cap] ?? 0;
    if (time - last < t.window_s / cap) return;
  }
  const idx = (head + count) % cap;
  st.hTime[idx] = time;
  st.hLevel[idx] = level;
  if (count === cap) st.s[S.H_HEAD] = (head + 1) % cap;
  else st.s[S.H_COUNT] = count + 1;
}

/**
 * Trend and pressure_rate from the oldest sample still inside the window: the change
 * of level since then, and that change per second of simulation time.
 */
export function updateTrend(st: WorldState, t: CloudC["trend"], time: number, level: number): void {
  const cap = st.hTime.length;
  let head = st.s[S.H_HEAD] ?? 0;
  let count = st.s[S.H_COUNT] ?? 0;
  while (count > 1 && (st.hTime[head] ?? 0) < time - t.window_s) {
    head = (head + 1) % cap;
    count--;
  }
  st.s[S.H_HEAD] = head;
  st.s[S.H_COUNT] = count;
  if (count === 0) {
    st.s[S.TREND] = 0;
    st.s[S.RATE] = 0;
    return;
  }
  const change = level - (st.hLevel[head] ?? level);
  const span = time - (st.hTime[head] ?? time);
  st.s[S.RATE] = span > 0 ? change / span : 0;
  let code = 0;
  if (change > t.spiking) code = 3;
  else if (change > t.rising) code = 1;
  else if (change < t.falling) code = 2;
  st.s[S.TREND] = code;
}
