// Long-running work started by a request: llm decisions (§3.3 202 + /action/{id})
// and macro generation (§3.4). Each task asks the AI service's planner first and the
// kernel's LLM provider when that fails; generated macros are parsed before they are
// written under <dataDir>/openkore/control/macros/generated/ with a metadata file.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LlmProvider } from "../../runtime/llm.ts";
import type { Logger } from "../../runtime/log.ts";
import type { AiServiceClient, CrewPlan } from "./ai-client.ts";
import type { ConfigSet } from "./configs.ts";
import { generateMacro, type GeneratedMacro, type MacroRequest } from "./engine/macro-gen.ts";
import { parseMacros } from "./engine/macro-parser.ts";
import type { Action, GameState } from "./engine/types.ts";
import type { OpenkoreStore, TaskRow } from "./store.ts";

export type TaskKind = "llm" | "macro";
export interface TaskResult { action?: Action; macro?: GeneratedMacro & { file_path: string }; source: string; processing_time_ms: number }

interface Running { row: TaskRow; timer: ReturnType<typeof setInterval> | null }

export interface TaskDeps {
  store: OpenkoreStore;
  ai: AiServiceClient;
  llm: LlmProvider;
  configs: ConfigSet;
  dataDir: string;
  now: () => number;
  log: Logger;
  /** Pushes a frame to every socket of a session. */
  push: (sessionId: string, msg: unknown) => void;
  estimates: { llm: number; macro: number };
  timeoutsMs: { llm: number; macro: number };
}

export class TaskRunner {
  private readonly running = new Map<string, Running>();
  private seq: number;
  private closed = false;

  constructor(private readonly d: TaskDeps) {
    this.seq = d.store.taskCount();
  }

  get active(): number { return this.running.size; }

  get(id: string): TaskRow | null {
    return this.running.get(id)?.row ?? this.d.store.task(id);
  }

  startLlm(sessionId: string, state: GameState): TaskRow {
    const row = this.create("llm", `llm-task-${++this.seq}`, sessionId, this.d.estimates.llm);
    const req: MacroRequest = {
      purpose: `Strategic leveling plan for a level ${state.player.level} ${state.player.job} on ${state.player.position.map}`,
      context: { character_level: state.player.level, character_job: state.player.job, available_skills: state.skills.map((s) => s.name) },
    };
    void this.execute(row, req, { level: state.player.level, job: state.player.job, map: state.player.position.map });
    return row;
  }

  startMacro(sessionId: string, req: MacroRequest): TaskRow {
    const row = this.create("macro", `macro-gen-${++this.seq}`, sessionId, this.d.estimates.macro);
    void this.execute(row, req, req.context ?? {});
    return row;
  }

  /** elapsed/estimate, held below 1 until the task really completes. */
  progress(row: TaskRow): { elapsed_seconds: number; estimated_remaining_seconds: number; progress: number } {
    const elapsed = Math.max(0, (this.d.now() - row.created_at) / 1000);
    return {
      elapsed_seconds: Math.round(elapsed),
      estimated_remaining_seconds: Math.max(1, Math.round(row.estimated_seconds - elapsed)),
      progress: Math.min(0.95, Math.round((elapsed / row.estimated_seconds) * 100) / 100),
    };
  }

  close(): void {
    this.closed = true;
    for (const r of this.running.values()) if (r.timer) clearInterval(r.timer);
    this.running.clear();
  }

  private create(kind: TaskKind, id: string, sessionId: string, estimate: number): TaskRow {
    const row: TaskRow = { id, kind, session_id: sessionId, status: "processing", created_at: this.d.now(), completed_at: null, estimated_seconds: estimate, result: null };
    this.d.store.putTask(row);
    const timer = kind === "llm" ? setInterval(() => {
      const p = this.progress(row);
      this.d.push(sessionId, { type: "status", task_id: id, message: `LLM processing strategic plan... ${p.elapsed_seconds}s elapsed`, progress: p.progress });
    }, 1000) : null;
    this.running.set(id, { row, timer });
    return row;
  }

  private async plan(row: TaskRow, req: MacroRequest, ctx: Record<string, unknown>): Promise<{ plan: CrewPlan | null; source: string }> {
    const timeout = row.kind === "llm" ? this.d.timeoutsMs.llm : this.d.timeoutsMs.macro;
    try {
      const plan = await this.d.ai.crew({
        session_id: row.session_id ?? "", task_type: "strategic",
        context: { character: ctx, purpose: req.purpose, constraints: req.constraints ?? {} },
        timeout_seconds: Math.round(timeout / 1000),
      }, AbortSignal.timeout(timeout));
      return { plan, source: "ai_service" };
    } catch (e) {
      this.d.log.warn("AI service planner unavailable, using the LLM provider", { task_id: row.id, error: e instanceof Error ? e.message : String(e) });
    }
    const out = await this.d.llm.complete({
      messages: [
        { role: "system", content: "You plan Ragnarok Online leveling. Answer with one short paragraph." },
        { role: "user", content: `${req.purpose}. Character: ${JSON.stringify(ctx)}.` },
      ],
      maxTokens: 200,
      signal: AbortSignal.timeout(timeout),
    });
    return { plan: { summary: out.content, raw: { provider: out.provider, model: out.model } }, source: `llm:${out.provider}` };
  }

  private async execute(row: TaskRow, req: MacroRequest, ctx: Record<string, unknown>): Promise<void> {
    const t0 = this.d.now();
    let result: TaskResult;
    let status = "completed";
    try {
      const { plan, source } = await this.plan(row, req, ctx);
      const full: MacroRequest = { ...req };
      if (plan) {
        const hints: NonNullable<MacroRequest["plan"]> = {};
        if (plan.farming_location) hints.farming_location = plan.farming_location;
        if (plan.skill_rotation) hints.skill_rotation = plan.skill_rotation;
        if (plan.hp_threshold_heal !== undefined) hints.hp_threshold_heal = plan.hp_threshold_heal;
        full.plan = hints;
      }
      const macro = this.writeMacro(row, full, source);
      result = { source, processing_time_ms: this.d.now() - t0, macro };
      if (row.kind === "llm") {
        result.action = {
          type: "macro", macro_name: macro.macro_name, priority: "normal",
          confidence: this.d.configs.engine.llm.confidence_floor,
          reason: plan?.farming_location ? `LLM generated optimal farming strategy: ${plan.farming_location}` : "LLM generated optimal farming strategy",
        };
      }
    } catch (e) {
      status = "failed";
      result = { source: "none", processing_time_ms: this.d.now() - t0, action: { type: "idle", reason: `LLM task failed: ${e instanceof Error ? e.message : String(e)}` } };
    }
    if (this.closed) return;
    const running = this.running.get(row.id);
    if (running?.timer) clearInterval(running.timer);
    this.running.delete(row.id);
    const done: TaskRow = { ...row, status, completed_at: this.d.now(), result: JSON.stringify(result) };
    this.d.store.putTask(done);
    if (row.kind === "llm" && row.session_id && result.action) {
      this.d.push(row.session_id, { type: "status", task_id: row.id, message: `LLM task ${status}`, progress: 1 });
      this.d.push(row.session_id, { type: "action", timestamp: this.d.now(), decision_tier: "llm", task_id: row.id, data: result.action });
    }
  }

  private writeMacro(row: TaskRow, req: MacroRequest, source: string): GeneratedMacro & { file_path: string } {
    const c = this.d.configs;
    const prices = c.prices;
    const macro = generateMacro(req, {
      maps: c.maps, healing_items: c.engine.healing_items.map((h) => h.name),
      unit_price: (n) => prices.unitValue({ name: n }), budget_units: 50,
      mvps: ["Osiris", "Baphomet", "Doppelganger", "Mistress", "Golden Thief Bug", "Orc Hero", "Dark Lord"],
      offensive_skills: c.engine.offensive_skills,
    });
    const parsed = parseMacros(macro.content);
    if (!parsed.ok) throw new Error(`generated macro failed its check: ${parsed.errors.map((e) => `line ${e.line}: ${e.message}`).join("; ")}`);
    const rel = `control/macros/generated/${macro.macro_name}.txt`;
    const dir = join(this.d.dataDir, "openkore", "control", "macros", "generated");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${macro.macro_name}.txt`), macro.content);
    writeFileSync(join(dir, `${macro.macro_name}.json`), JSON.stringify({
      macro_name: macro.macro_name, task_id: row.id, session_id: row.session_id, purpose: req.purpose, map: macro.map,
      heal_item: macro.heal_item, rotation: macro.rotation, constraints: req.constraints ?? {}, context: req.context ?? {},
      source, generated_at: this.d.now(), estimated_efficiency: macro.estimated_efficiency,
      automacros: parsed.automacros.map((a) => a.name), macros: parsed.macros.map((m) => m.name),
    }, null, 2));
    return { ...macro, file_path: rel };
  }
}
