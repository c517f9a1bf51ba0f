// Player events arrive as JSON; this checks them and turns ids into indices, so the
// step never sees an unknown zone. Errors are values with the exact wire message.
import type { WorldIndex } from "./state.ts";
import { PLAYER_EVENT_TYPES, type ResolvedEvent } from "./types.ts";

export type ResolveResult = { ok: true; event: ResolvedEvent | null } | { ok: false; error: string };

type Obj = Record<string, unknown>;

function field(o: Obj, key: string, type: string, required: boolean): { v?: string; error?: string } {
  const v = o[key];
  if (v === undefined || v === null) {
    return required ? { error: `player_event.${key} is required for type "${type}"` } : {};
  }
  if (typeof v !== "string" || v.length === 0) return { error: `player_event.${key} must be a non-empty string` };
  return { v };
}

export function resolvePlayerEvent(index: WorldIndex, raw: unknown): ResolveResult {
  if (raw === undefined || raw === null) return { ok: true, event: null };
  if (typeof raw !== "object" || Array.isArray(raw)) {
    return { ok: false, error: "player_event must be an object or null" };
  }
  const o = raw as Obj;
  const type = o.type;
  if (typeof type !== "string") return { ok: false, error: "player_event.type is required" };
  if (!(PLAYER_EVENT_TYPES as readonly string[]).includes(type)) {
    return { ok: false, error: `Unknown player_event.type "${type}"; expected one of ${PLAYER_EVENT_TYPES.join(", ")}` };
  }
  const zoneOf = (key: string, required: boolean): { z: number; error?: string } => {
    const f = field(o, key, type, required);
    if (f.error !== undefined) return { z: -1, error: f.error };
    if (f.v === undefined) return { z: -1 };
    const z = index.zoneIndex.get(f.v);
    return z === undefined ? { z: -1, error: `Unknown zone "${f.v}" in player_event.${key}` } : { z };
  };
  const str = (key: string) => field(o, key, type, true);
  switch (type) {
    case "wait":
      return { ok: true, event: { type: "wait" } };
    case "move": {
      const to = zoneOf("to_zone", true);
      if (to.error) return { ok: false, error: to.error };
      const from = zoneOf("from_zone", false);
      if (from.error) return { ok: false, error: from.error };
      return { ok: true, event: { type: "move", to: to.z, from: from.z } };
    }
    case "run": {
      const zone = zoneOf("zone", true);
      if (zone.error) return { ok: false, error: zone.error };
      return { ok: true, event: { type: "run", zone: zone.z } };
    }
    case "interact": {
      const target = str("target");
      if (target.error || target.v === undefined) return { ok: false, error: target.error ?? "" };
      const zone = zoneOf("zone", true);
      if (zone.error) return { ok: false, error: zone.error };
      return {
        ok: true,
        event: {
          type: "interact",
          zone: zone.z,
          target: target.v,
          targetNpc: index.npcIndex.get(target.v) ?? -1,
          targetEntity: index.entityIndex.get(target.v) ?? -1,
        },
      };
    }
    default: {
      const doc = str("document");
      if (doc.error || doc.v === undefined) return { ok: false, error: doc.error ?? "" };
      const zone = zoneOf("zone", true);
      if (zone.error) return { ok: false, error: zone.error };
      return {
        ok: true,
        event: { type: "discover", zone: zone.z, document: doc.v, documentEntity: index.entityIndex.get(doc.v) ?? -1 },
      };
    }
  }
}
