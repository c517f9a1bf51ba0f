// /api/v1/decide compatibility: the original OpenKore AI plugin's body maps onto the
// §3.3 state, and decisions map back onto its {type, parameters} action shape.
import type { Action, GameState } from "./types.ts";

export interface LegacyState {
  character: {
    name: string; level: number; hp: number; max_hp: number; sp: number; max_sp: number;
    position: { map: string; x: number; y: number };
    weight?: number; max_weight?: number; job_class?: string; status_effects?: string[];
    zeny?: number; base_exp?: number; job_exp?: number;
  };
  monsters?: { id: string | number; name: string; hp?: number; max_hp?: number; distance: number; is_aggressive?: boolean; position?: { x: number; y: number } }[];
  inventory?: { id: string | number; name: string; amount: number; type?: string }[];
  nearby_players?: { name: string; level?: number; guild?: string; distance?: number; is_party_member?: boolean }[];
}

export interface LegacyAction { type: string; parameters: Record<string, string>; reason: string; confidence: number }

const numId = (v: string | number, fallback: number): number => {
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) ? n : fallback;
};

/** Convert; `ids` maps the numeric ids used internally back to the client's ids. */
export function legacyToState(g: LegacyState, ids: Map<number, string>): GameState {
  const c = g.character;
  const monsters = (g.monsters ?? []).map((m, i) => {
    const id = numId(m.id, 1_000_000_000 + i);
    ids.set(id, String(m.id));
    const mon: GameState["monsters"][number] = {
      id, name: m.name, distance: m.distance, aggressive: m.is_aggressive ?? false,
      // The original sends no monster coordinates; place them on a line so retreat still has a direction.
      position: m.position ?? { x: c.position.x + m.distance, y: c.position.y },
    };
    if (m.hp !== undefined && m.max_hp) mon.hp_percent = Math.round((m.hp / m.max_hp) * 100);
    return mon;
  });
  const items = (g.inventory ?? []).map((it, i) => {
    const id = numId(it.id, 2_000_000_000 + i);
    ids.set(id, String(it.id));
    return { id, name: it.name, quantity: it.amount };
  });
  const party = (g.nearby_players ?? []).filter((p) => p.is_party_member).map((p, i) => ({ id: i + 1, name: p.name }));
  return {
    player: {
      id: 0, name: c.name, level: c.level, job: c.job_class ?? "Novice", job_level: 1,
      hp: c.hp, hp_max: c.max_hp, sp: c.sp, sp_max: c.max_sp,
      position: { x: c.position.x, y: c.position.y, map: c.position.map },
      status: c.status_effects ?? [], weight: c.weight ?? 0, weight_max: c.max_weight ?? 0,
    },
    monsters, items, party, skills: [],
  };
}

export function actionToLegacy(a: Action, ids: Map<number, string>): LegacyAction {
  const p: Record<string, string> = {};
  const orig = (id: number | undefined): string => (id === undefined ? "" : ids.get(id) ?? String(id));
  let type: string = a.type;
  switch (a.type) {
    case "attack":
      p.target_id = orig(a.target_id);
      if (a.skill_id !== undefined || a.skill_name !== undefined) {
        type = "skill";
        if (a.skill_id !== undefined) p.skill_id = String(a.skill_id);
        if (a.skill_name !== undefined) p.skill_name = a.skill_name;
      }
      break;
    case "use_item": type = "item"; p.item_id = orig(a.item_id); p.item_name = a.item_name ?? ""; break;
    case "move": if (a.target_position) { p.x = String(a.target_position.x); p.y = String(a.target_position.y); } break;
    case "command": p.command = a.command ?? ""; break;
    case "macro": p.macro_name = a.macro_name ?? ""; break;
    case "idle": type = "none"; break;
    default: break;
  }
  return { type, parameters: p, reason: a.reason, confidence: a.confidence ?? 1 };
}
