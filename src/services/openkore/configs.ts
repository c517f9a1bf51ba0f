// Shipped data (config/openkore/) loaded, validated and hot-reloaded. A reload that
// finds errors leaves the previous configuration in force.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_MAP_FILE, loadMapTable, MapTable } from "../../contracts/ro-maps.ts";
import type { LlmConfig } from "../../runtime/llm.ts";
import { DEFAULT_ENGINE_CONFIG, mergeConfig, type EngineConfig } from "./engine/config.ts";
import { parseMacros, type ParsedMacros } from "./engine/macro-parser.ts";
import { parseRules, type Rule, type RuleError } from "./engine/rules.ts";
import { DEFAULT_SOCIAL_CONFIG, type PriceEntry, type SocialConfig } from "./engine/social/config.ts";
import { PriceTable } from "./engine/social/trade.ts";
import type { ConfigType } from "./schema.ts";

export const DEFAULT_CONFIG_DIR = new URL("../../../config/openkore/", import.meta.url).pathname;

export interface MacroFile { name: string; file: string; content: string; parsed: ParsedMacros }
export interface ValidationError { file: string; field?: string; line?: number; message: string; rule?: string }
export interface ReloadResult {
  status: "success" | "error";
  config_reloaded: ConfigType;
  rules_loaded?: number;
  macros_loaded?: number;
  validation_errors: ValidationError[];
}

function readJson(file: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(readFileSync(file, "utf8")) };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

const SECRET = /key|token|secret|password/i;
export function maskSecrets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(maskSecrets);
  if (typeof v !== "object" || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = SECRET.test(k) && typeof x === "string" && x !== "" ? "***" : maskSecrets(x);
  return out;
}

export class ConfigSet {
  engine: EngineConfig = DEFAULT_ENGINE_CONFIG;
  rules: Rule[] = [];
  social: SocialConfig = DEFAULT_SOCIAL_CONFIG;
  prices = new PriceTable([]);
  priceEntries: PriceEntry[] = [];
  /** The shared map table (config/shared/maps.json), the same one the AI service's planner reads. */
  maps: MapTable = new MapTable([]);
  macros = new Map<string, MacroFile>();
  rulesRaw: unknown = null;

  constructor(readonly dir: string, readonly llm: LlmConfig, readonly mapFile: string = DEFAULT_MAP_FILE) {}

  /** Load everything at start; any error is fatal there (a service must not start half-configured). */
  loadAll(): ValidationError[] {
    const errors: ValidationError[] = [];
    const eng = readJson(join(this.dir, "engine.json"));
    if (eng.ok) this.engine = mergeConfig(DEFAULT_ENGINE_CONFIG, eng.value);
    else if (existsSync(join(this.dir, "engine.json"))) errors.push({ file: "engine.json", message: eng.error });
    try {
      this.maps = loadMapTable(this.mapFile);
    } catch (e) {
      errors.push({ file: this.mapFile, message: e instanceof Error ? e.message : String(e) });
    }
    for (const t of ["rules", "social", "macros"] as const) errors.push(...this.reload(t).validation_errors);
    return errors;
  }

  reload(type: ConfigType): ReloadResult {
    const res: ReloadResult = { status: "success", config_reloaded: type, validation_errors: [] };
    if (type === "rules") {
      const doc = readJson(join(this.dir, "rules.json"));
      if (!doc.ok) res.validation_errors.push({ file: "rules.json", message: doc.error });
      else {
        const set = parseRules(doc.value);
        res.validation_errors.push(...set.errors.map((e: RuleError) => ({ file: "rules.json", rule: e.rule, field: e.field, message: e.message })));
        if (set.errors.length === 0) { this.rules = set.rules; this.rulesRaw = doc.value; }
      }
      res.rules_loaded = this.rules.length;
    } else if (type === "social") {
      const soc = readJson(join(this.dir, "social.json"));
      const pr = readJson(join(this.dir, "prices.json"));
      if (!soc.ok) res.validation_errors.push({ file: "social.json", message: soc.error });
      if (!pr.ok) res.validation_errors.push({ file: "prices.json", message: pr.error });
      const items = pr.ok ? (pr.value as { items?: unknown }).items : undefined;
      if (pr.ok && !Array.isArray(items)) res.validation_errors.push({ file: "prices.json", field: "items", message: "items must be an array" });
      const bad = Array.isArray(items) ? items.findIndex((i) => typeof (i as PriceEntry).name !== "string") : -1;
      if (bad >= 0) res.validation_errors.push({ file: "prices.json", field: `items[${bad}].name`, message: "every price needs a name" });
      if (res.validation_errors.length === 0 && soc.ok && Array.isArray(items)) {
        this.social = mergeConfig(DEFAULT_SOCIAL_CONFIG, soc.value);
        this.priceEntries = items as PriceEntry[];
        this.prices = new PriceTable(this.priceEntries);
      }
    } else if (type === "macros") {
      const dir = join(this.dir, "macros");
      const next = new Map<string, MacroFile>();
      const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".txt")).sort() : [];
      for (const f of files) {
        const content = readFileSync(join(dir, f), "utf8");
        const parsed = parseMacros(content);
        for (const e of parsed.errors) res.validation_errors.push({ file: `macros/${f}`, line: e.line, message: e.message });
        next.set(f.slice(0, -4), { name: f.slice(0, -4), file: `macros/${f}`, content, parsed });
      }
      if (res.validation_errors.length === 0) this.macros = next;
      res.macros_loaded = this.macros.size;
    }
    if (res.validation_errors.length > 0) res.status = "error";
    return res;
  }

  /** What GET /api/v1/config/{type} shows; undefined for unknown types. */
  view(type: string): unknown {
    switch (type) {
      case "rules": return { rules_loaded: this.rules.length, rules: this.rulesRaw };
      case "macros": return { macros: [...this.macros.values()].map((m) => ({ name: m.name, file: m.file, automacros: m.parsed.automacros.map((a) => a.name), macros: m.parsed.macros.map((b) => b.name) })) };
      case "social": return { ...this.social, price_items: this.priceEntries.length };
      case "engine": return this.engine;
      case "llm": return maskSecrets({
        provider: this.llm.provider, model: this.llm.model, base_url: this.llm.baseUrl, api_key: this.llm.apiKey,
        timeout_seconds: Math.round(this.llm.timeoutMs / 1000), strategic_timeout_seconds: Math.round(this.engine.budgets_ms.llm_strategic / 1000),
        level_milestone: this.engine.llm.level_milestone, min_interval_ms: this.engine.llm.min_interval_ms,
      });
      default: return undefined;
    }
  }
}
