// The one Ragnarok Online map table (config/shared/maps.json): map ids, display names
// and aliases. The openkore engine and the AI service both read it, so a map the
// planner names is a map the engine can write into a macro, and the reverse.
import { readFileSync } from "node:fs";
import { Type as T, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";

export const DEFAULT_MAP_FILE = new URL("../../config/shared/maps.json", import.meta.url).pathname;

/** RO map ids: lower-case letters, digits, `_` and `@` (instances), at most 16 characters. */
export const MAP_ID_PATTERN = "^[a-z0-9_@]{1,16}$";
export const MapId = T.String({ pattern: MAP_ID_PATTERN, description: "RO map id, e.g. c_tower3" });

const MapEntryT = T.Object({
  id: MapId,
  name: T.String({ minLength: 1, maxLength: 64 }),
  aliases: T.Array(T.String({ minLength: 1, maxLength: 64 }), { default: [] }),
}, { additionalProperties: false });
const MapFileT = T.Object({ note: T.Optional(T.String()), maps: T.Array(MapEntryT, { minItems: 1 }) }, { additionalProperties: false });

export type MapEntry = Static<typeof MapEntryT>;

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export class MapTable {
  private readonly byId = new Map<string, MapEntry>();
  /** Every name and alias with its word-bounded matcher, longest first. */
  private readonly labels: { label: string; re: RegExp; entry: MapEntry }[] = [];

  constructor(entries: readonly MapEntry[]) {
    const seen = new Map<string, string>();
    for (const e of entries) {
      if (this.byId.has(e.id)) throw new Error(`map id ${e.id} is listed twice`);
      this.byId.set(e.id, e);
      for (const label of [e.name, ...e.aliases, e.id]) {
        const key = label.toLowerCase();
        const other = seen.get(key);
        if (other !== undefined && other !== e.id) throw new Error(`map label "${label}" names both ${other} and ${e.id}`);
        seen.set(key, e.id);
        this.labels.push({ label, re: new RegExp(`(^|[^a-z0-9_])${escape(key)}($|[^a-z0-9_])`), entry: e });
      }
    }
    this.labels.sort((a, b) => b.label.length - a.label.length);
  }

  get size(): number { return this.byId.size; }
  get(id: string): MapEntry | undefined { return this.byId.get(id); }
  has(id: string): boolean { return this.byId.has(id); }
  ids(): string[] { return [...this.byId.keys()]; }

  /** The map a text names (by name, alias or id; longest label wins), or null. */
  find(text: string): MapEntry | null {
    const lower = text.toLowerCase();
    for (const l of this.labels) if (l.re.test(lower)) return l.entry;
    return null;
  }
}

/** Validate and index a parsed map file; throws an Error naming the problem. */
export function buildMapTable(raw: unknown): MapTable {
  const value = Value.Default(MapFileT, structuredClone(raw));
  if (!Value.Check(MapFileT, value)) {
    const e = Value.Errors(MapFileT, value).First();
    throw new Error(`map table ${e?.path ?? ""}: ${e?.message ?? "invalid"}`);
  }
  return new MapTable(value.maps);
}

export function loadMapTable(file: string = DEFAULT_MAP_FILE): MapTable {
  return buildMapTable(JSON.parse(readFileSync(file, "utf8")) as unknown);
}
