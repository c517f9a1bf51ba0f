// Reads a world folder (zones.json, npcs.json, entities/*.json, optional sim.json) into
// parsed JSON for the engine's validator. The only file I/O of the world loader.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { WorldFiles } from "./engine/types.ts";

export type ReadResult =
  | { ok: true; dir: string; files: WorldFiles }
  | { ok: false; notFound: boolean; error: string };

/** The shipped default world. */
export const SHIPPED_CONFIG = resolve(import.meta.dir, "../../../config/mall");

/**
 * `config_path` is tried against the working directory, then against the shipped
 * config root; "config" therefore finds config/mall when run from the project root.
 */
export function locateWorld(configPath: string, cwd: string = process.cwd()): string | null {
  const candidates = [
    resolve(cwd, configPath),
    resolve(cwd, configPath, "mall"),
    resolve(SHIPPED_CONFIG, "..", configPath, "mall"),
    resolve(SHIPPED_CONFIG, configPath),
  ];
  if (configPath === "config") candidates.push(SHIPPED_CONFIG);
  for (const dir of candidates) {
    if (existsSync(join(dir, "zones.json")) && statSync(dir).isDirectory()) return dir;
  }
  return null;
}

async function readJson(dir: string, name: string): Promise<{ data?: unknown; error?: string }> {
  const file = Bun.file(join(dir, name));
  if (!(await file.exists())) return { error: `Config file missing: ${name}` };
  try {
    return { data: JSON.parse(await file.text()) };
  } catch (e) {
    return { error: `Config file ${name} is not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
}

export async function readWorldFolder(configPath: string, cwd?: string): Promise<ReadResult> {
  const dir = locateWorld(configPath, cwd);
  if (dir === null) return { ok: false, notFound: true, error: `Config path not found: ${configPath}` };
  const zones = await readJson(dir, "zones.json");
  if (zones.error) return { ok: false, notFound: false, error: zones.error };
  const npcs = await readJson(dir, "npcs.json");
  if (npcs.error) return { ok: false, notFound: false, error: npcs.error };
  const entities: WorldFiles["entities"] = [];
  const entDir = join(dir, "entities");
  if (existsSync(entDir)) {
    for (const name of readdirSync(entDir).filter((f) => f.endsWith(".json")).sort()) {
      const r = await readJson(entDir, name);
      if (r.error) return { ok: false, notFound: false, error: r.error.replace(name, `entities/${name}`) };
      entities.push({ file: name, data: r.data });
    }
  }
  const files: WorldFiles = { zones: zones.data, npcs: npcs.data, entities };
  if (existsSync(join(dir, "sim.json"))) {
    const sim = await readJson(dir, "sim.json");
    if (sim.error) return { ok: false, notFound: false, error: sim.error };
    files.sim = sim.data;
  }
  return { ok: true, dir, files };
}
