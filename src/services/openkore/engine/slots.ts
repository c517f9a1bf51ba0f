// Per-session game state kept in one SharedArrayBuffer: a fixed-stride Float64 slot
// per session, so a pool task can read states by slot index without copying objects.
import type { GameState } from "./types.ts";
import type { Interner } from "./interner.ts";

export const LIMITS = { monsters: 32, items: 64, skills: 24, party: 12, statuses: 8 } as const;

const H = {
  used: 0, tick: 1, timestamp: 2, player_id: 3, name: 4, level: 5, job: 6, job_level: 7,
  hp: 8, hp_max: 9, sp: 10, sp_max: 11, weight: 12, weight_max: 13, x: 14, y: 15, map: 16,
  n_monsters: 17, n_items: 18, n_skills: 19, n_party: 20, n_status: 21, status0: 22,
} as const;
const HEADER = H.status0 + LIMITS.statuses;
const MON = 8; // id, name, level, hp_percent, x, y, distance, aggressive
const ITEM = 3; // id, name, quantity
const SKILL = 4; // id, name, level, sp_cost
const PARTY = 3; // id, name, hp_percent (NaN when absent)
const OFF_MON = HEADER;
const OFF_ITEM = OFF_MON + LIMITS.monsters * MON;
const OFF_SKILL = OFF_ITEM + LIMITS.items * ITEM;
const OFF_PARTY = OFF_SKILL + LIMITS.skills * SKILL;
export const SLOT_STRIDE = OFF_PARTY + LIMITS.party * PARTY;

// Positions of the names a slot holds, for the per-slot cache of names already interned.
const N_STATUS = 3;
const N_MON = N_STATUS + LIMITS.statuses;
const N_ITEM = N_MON + LIMITS.monsters;
const N_SKILL = N_ITEM + LIMITS.items;
const N_PARTY = N_SKILL + LIMITS.skills;
const NAME_POSITIONS = N_PARTY + LIMITS.party;

/** Whether a slot holds all of the state (no list past its limit), so it reads back as it is. */
export function fitsSlot(s: GameState): boolean {
  return s.monsters.length <= LIMITS.monsters && s.items.length <= LIMITS.items && s.skills.length <= LIMITS.skills &&
    s.party.length <= LIMITS.party && s.player.status.length <= LIMITS.statuses;
}

export class SlotStore {
  readonly buffer: SharedArrayBuffer;
  readonly f64: Float64Array;
  readonly capacity: number;

  /**
   * Per slot, the name last written at each name position: a client sends the same names
   * frame after frame, and comparing with the previous one is ~10× cheaper than a lookup
   * in the interner. Valid for one interner and one generation of it.
   */
  private readonly written: ((string | undefined)[] | undefined)[];
  private readonly writtenGen: Float64Array;
  private writtenFor: Interner | null = null;

  constructor(capacity: number, buffer?: SharedArrayBuffer) {
    this.capacity = capacity;
    this.buffer = buffer ?? new SharedArrayBuffer(capacity * SLOT_STRIDE * 8);
    this.f64 = new Float64Array(this.buffer);
    this.written = new Array<(string | undefined)[] | undefined>(capacity);
    this.writtenGen = new Float64Array(capacity);
  }

  /** The slot's name cache, reset when the interner or its generation changed. */
  private namesWritten(slot: number, names: Interner): (string | undefined)[] {
    if (this.writtenFor !== names) {
      this.written.fill(undefined);
      this.writtenFor = names;
    }
    let w = this.written[slot];
    if (!w || this.writtenGen[slot] !== names.generation) {
      w = new Array<string | undefined>(NAME_POSITIONS).fill(undefined);
      this.written[slot] = w;
      this.writtenGen[slot] = names.generation;
    }
    return w;
  }

  isUsed(slot: number): boolean {
    return this.f64[slot * SLOT_STRIDE + H.used] === 1;
  }

  clear(slot: number): void {
    this.f64.fill(0, slot * SLOT_STRIDE, (slot + 1) * SLOT_STRIDE);
    this.written[slot] = undefined;
  }

  /** Encode a validated state; the nearest monsters are kept when there are too many. */
  write(slot: number, s: GameState, names: Interner): void {
    const f = this.f64;
    const b = slot * SLOT_STRIDE;
    const p = s.player;
    const w = this.namesWritten(slot, names);
    const name = (k: number, at: number, v: string): void => this.writeName(w, k, at, v, names);
    f[b + H.used] = 1;
    f[b + H.tick] = s.tick_number ?? 0;
    f[b + H.timestamp] = s.timestamp ?? 0;
    f[b + H.player_id] = p.id;
    name(0, b + H.name, p.name);
    f[b + H.level] = p.level;
    name(1, b + H.job, p.job);
    f[b + H.job_level] = p.job_level;
    f[b + H.hp] = p.hp;
    f[b + H.hp_max] = p.hp_max;
    f[b + H.sp] = p.sp;
    f[b + H.sp_max] = p.sp_max;
    f[b + H.weight] = p.weight;
    f[b + H.weight_max] = p.weight_max;
    f[b + H.x] = p.position.x;
    f[b + H.y] = p.position.y;
    name(2, b + H.map, p.position.map);
    const ns = Math.min(p.status.length, LIMITS.statuses);
    f[b + H.n_status] = ns;
    for (let i = 0; i < ns; i++) name(N_STATUS + i, b + H.status0 + i, p.status[i] ?? "");

    let mons = s.monsters;
    if (mons.length > LIMITS.monsters) {
      mons = [...mons].sort((a, c) => a.distance - c.distance).slice(0, LIMITS.monsters);
    }
    f[b + H.n_monsters] = mons.length;
    for (let i = 0; i < mons.length; i++) {
      const m = mons[i]!;
      const o = b + OFF_MON + i * MON;
      f[o] = m.id; name(N_MON + i, o + 1, m.name); f[o + 2] = m.level ?? NaN;
      f[o + 3] = m.hp_percent ?? NaN; f[o + 4] = m.position.x; f[o + 5] = m.position.y;
      f[o + 6] = m.distance; f[o + 7] = m.aggressive ? 1 : 0;
    }
    const ni = Math.min(s.items.length, LIMITS.items);
    f[b + H.n_items] = ni;
    for (let i = 0; i < ni; i++) {
      const it = s.items[i]!;
      const o = b + OFF_ITEM + i * ITEM;
      f[o] = it.id; name(N_ITEM + i, o + 1, it.name); f[o + 2] = it.quantity;
    }
    const nk = Math.min(s.skills.length, LIMITS.skills);
    f[b + H.n_skills] = nk;
    for (let i = 0; i < nk; i++) {
      const sk = s.skills[i]!;
      const o = b + OFF_SKILL + i * SKILL;
      f[o] = sk.id; name(N_SKILL + i, o + 1, sk.name); f[o + 2] = sk.level; f[o + 3] = sk.sp_cost;
    }
    const np = Math.min(s.party.length, LIMITS.party);
    f[b + H.n_party] = np;
    for (let i = 0; i < np; i++) {
      const pm = s.party[i]!;
      const o = b + OFF_PARTY + i * PARTY;
      f[o] = pm.id; name(N_PARTY + i, o + 1, pm.name); f[o + 2] = pm.hp_percent ?? NaN;
    }
  }

  /** The id at f64[at] is names.id(w[k]) whenever w[k] is set: only a changed name is looked up. */
  private writeName(w: (string | undefined)[], k: number, at: number, v: string, names: Interner): void {
    if (w[k] !== v) {
      this.f64[at] = names.id(v);
      w[k] = v;
    }
  }

  /** Decode a slot back into the state shape the tiers evaluate. */
  read(slot: number, names: Interner): GameState {
    const f = this.f64;
    const b = slot * SLOT_STRIDE;
    const g = (i: number): number => f[b + i] ?? 0;
    const status: string[] = [];
    for (let i = 0; i < g(H.n_status); i++) status.push(names.name(g(H.status0 + i)));
    const monsters: GameState["monsters"] = [];
    for (let i = 0; i < g(H.n_monsters); i++) {
      const o = OFF_MON + i * MON;
      const m: GameState["monsters"][number] = {
        id: g(o), name: names.name(g(o + 1)), position: { x: g(o + 4), y: g(o + 5) },
        distance: g(o + 6), aggressive: g(o + 7) === 1,
      };
      if (!Number.isNaN(g(o + 2))) m.level = g(o + 2);
      if (!Number.isNaN(g(o + 3))) m.hp_percent = g(o + 3);
      monsters.push(m);
    }
    const items: GameState["items"] = [];
    for (let i = 0; i < g(H.n_items); i++) {
      const o = OFF_ITEM + i * ITEM;
      items.push({ id: g(o), name: names.name(g(o + 1)), quantity: g(o + 2) });
    }
    const skills: GameState["skills"] = [];
    for (let i = 0; i < g(H.n_skills); i++) {
      const o = OFF_SKILL + i * SKILL;
      skills.push({ id: g(o), name: names.name(g(o + 1)), level: g(o + 2), sp_cost: g(o + 3) });
    }
    const party: GameState["party"] = [];
    for (let i = 0; i < g(H.n_party); i++) {
      const o = OFF_PARTY + i * PARTY;
      const pm: GameState["party"][number] = { id: g(o), name: names.name(g(o + 1)) };
      if (!Number.isNaN(g(o + 2))) pm.hp_percent = g(o + 2);
      party.push(pm);
    }
    return {
      tick_number: g(H.tick),
      timestamp: g(H.timestamp),
      player: {
        id: g(H.player_id), name: names.name(g(H.name)), level: g(H.level), job: names.name(g(H.job)),
        job_level: g(H.job_level), hp: g(H.hp), hp_max: g(H.hp_max), sp: g(H.sp), sp_max: g(H.sp_max),
        position: { x: g(H.x), y: g(H.y), map: names.name(g(H.map)) }, status,
        weight: g(H.weight), weight_max: g(H.weight_max),
      },
      monsters, items, party, skills,
    };
  }
}
