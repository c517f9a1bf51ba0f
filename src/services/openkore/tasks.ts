// Long-running work started by a request: llm decisions (§3.3 202 + /action/{id})
// and macro generation (§3.4). Each task asks the AI service's planner first (a
// contract-checked crew call) and the kernel's LLM provider when that fails; generated
// macros are parsed, then written under <dataDir>/openkore/control/macros/generated/
// with a metadata file, each task under a name of its own.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MAX_SKILLS, type CrewContext, type CrewReply, type CrewRequest } from "../../contracts/openkore-ai.ts";
import { ApiError } from "../../runtime/errors.ts";
import type { LlmProvider } from "../../runtime/llm.ts";
import type { Logger } from "../../runtime/log.ts";
import { AiStatusError, ContractError, type AiServiceClient } from "./ai-client.ts";
import type { AiMonitor } from "./ai-monitor.ts";
import type { ConfigSet } from "./configs.ts";
import { generateMacro, macroBaseName, type GeneratedMacro, type MacroGenConfig, type MacroRequest } from "./engine/macro-gen.ts";
import { parseMacros } from "./engine/macro-parser.ts";
import type { Action, GameState } from "./engine/types.ts";
import type { OpenkoreStore, TaskRow } from "./store.ts";

export type TaskKind = "llm" | "macro";

/** The parts of the planner's reply a task reports back. */
export interface PlanSummary {
  farming_location: string;
  map_id: string;
  estimated_exp_per_hour: number;
  skill_rotation: string[];
  hp_threshold_heal: number;
  notes: string[];
}

export interface TaskResult {
  action?: Action;
  macro?: GeneratedMacro & { file_path: string };
  source: string;
  plan?: PlanSummary;
  /** Why the AI service's planner was not used, when it was not. */
  fallback_reason?: string;
  processing_time_ms: number;
}

interface Running { row: TaskRow; timer: ReturnType<typeof setInterval> | null }

export interface TaskDeps {
  store: OpenkoreStore;
  ai: AiServiceClient;
  monitor: AiMonitor;
  llm: LlmProvider;
  configs: ConfigSet;
  dataDir: string;
  now: () => number;
  log: Logger;
  /** Pushes a frame to every socket of a session. */
  push: (sessionId: string, msg: unknown) => void;
  estimates: { llm: number; macro: number };
  timeoutsMs: { llm: number; macro: number };
  /** Tasks running at once; more are refused with 503. */
  maxRunning: number;
}

/** Macros of one base name a directory may hold (name, name_2, ... name_N). */
const MAX_SAME_NAME = 10_000;
const MVPS = ["Osiris", "Baphomet", "Doppelganger", "Mistress", "Golden Thief Bug", "Orc Hero", "Dark Lord"];

export class TaskRunner {
  private readonly running = new Map<string, Running>();
  private seq: number;
  private closed = false;

  constructor(private readonly d: TaskDeps) {
    this.seq = d.store.maxTaskSeq();
    // A task accepted (202) by a process that stopped before finishing it would otherwise stay "processing" forever.
    const result: TaskResult = { source: "none", processing_time_ms: 0, action: { type: "idle", reason: "LLM task interrupted: the server restarted before it completed; ask again" } };
    const n = d.store.failUnfinishedTasks(JSON.stringify(result), d.now());
    if (n > 0) d.log.warn("tasks interrupted by a restart marked failed", { tasks: n });
  }

  get active(): number { return this.running.size; }

  get(id: string): TaskRow | null {
    return this.running.get(id)?.row ?? this.d.store.task(id);
  }

  startLlm(sessionId: string, state: GameState): TaskRow {
    const row = this.create("llm", "llm-task", sessionId, this.d.estimates.llm);
    const p = state.player;
    const req: MacroRequest = {
      purpose: `Strategic leveling plan for a level ${p.level} ${p.job}`,
      context: { character_level: p.level, character_job: p.job, available_skills: state.skills.map((s) => s.name) },
    };
    void this.execute(row, req);
    return row;
  }

  startMacro(sessionId: string, req: MacroRequest): TaskRow {
    const row = this.create("macro", "macro-gen", sessionId, this.d.estimates.macro);
    const asked = this.d.configs.maps.find(req.purpose);
    void this.execute(row, asked ? { ...req, map_id: asked.id } : req);
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

  private create(kind: TaskKind, prefix: string, sessionId: string, estimate: number): TaskRow {
    if (this.running.size >= this.d.maxRunning) {
      throw new ApiError(503, "SERVICE_UNAVAILABLE", `${this.running.size} tasks are already running (max_running_tasks); retry later`, { max_running_tasks: this.d.maxRunning }, { "Retry-After": "5" });
    }
    const id = `${prefix}-${++this.seq}`;
    this.d.store.setTaskSeq(this.seq);
    const row: TaskRow = { id, kind, session_id: sessionId, status: "processing", created_at: this.d.now(), completed_at: null, estimated_seconds: estimate, result: null };
    this.d.store.putTask(row);
    const timer = kind === "llm" ? setInterval(() => {
      const p = this.progress(row);
      this.d.push(sessionId, { type: "status", task_id: id, message: `LLM processing strategic plan... ${p.elapsed_seconds}s elapsed`, progress: p.progress });
    }, 1000) : null;
    this.running.set(id, { row, timer });
    return row;
  }

  /** The contract request for a task: character from the request, the asked-for map, the budget. */
  crewRequest(row: TaskRow, req: MacroRequest, timeoutMs: number): CrewRequest {
    const c = req.context ?? {};
    const character: NonNullable<CrewContext["character"]> = { current_goal: req.purpose };
    if (c.character_level !== undefined) character.level = c.character_level;
    if (c.character_job !== undefined) character.job = c.character_job;
    // The contract takes at most MAX_SKILLS distinct non-empty names; a state may list more.
    if (c.available_skills !== undefined) character.skills = [...new Set(c.available_skills.filter((k) => k !== ""))].slice(0, MAX_SKILLS);
    const context: CrewContext = { character };
    if (req.constraints?.consumable_budget !== undefined) context.constraints = { consumable_budget: Math.floor(req.constraints.consumable_budget) };
    if (req.map_id !== undefined) context.preferred_map = req.map_id;
    return { session_id: row.session_id ?? "", task_type: "strategic", context, timeout_seconds: Math.max(1, Math.round(timeoutMs / 1000)) };
  }

  private async askPlanner(row: TaskRow, req: MacroRequest, timeoutMs: number): Promise<CrewReply | string> {
    const t0 = performance.now();
    try {
      const reply = await this.d.ai.crew(this.crewRequest(row, req, timeoutMs), AbortSignal.timeout(timeoutMs));
      this.d.monitor.record("healthy", performance.now() - t0);
      return reply;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (e instanceof ContractError || (e instanceof AiStatusError && e.status < 500)) {
        // The service answered: the two sides disagree, which is a defect to fix, not an outage.
        this.d.log.error("AI service planner reply unusable", { task_id: row.id, error: msg });
      } else {
        if (!(e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError"))) {
          this.d.monitor.record(e instanceof AiStatusError ? "unhealthy" : "unavailable", performance.now() - t0, msg);
        }
        this.d.log.warn("AI service planner unavailable, using the LLM provider", { task_id: row.id, error: msg });
      }
      return msg;
    }
  }

  private async execute(row: TaskRow, req: MacroRequest): Promise<void> {
    const t0 = this.d.now();
    const timeout = row.kind === "llm" ? this.d.timeoutsMs.llm : this.d.timeoutsMs.macro;
    let result: TaskResult;
    let status = "completed";
    try {
      const planned = await this.askPlanner(row, req, timeout);
      const full: MacroRequest = { ...req };
      let source = "ai_service";
      let plan: PlanSummary | undefined;
      let fallback: string | undefined;
      if (typeof planned === "string") {
        fallback = planned;
        const out = await this.d.llm.complete({
          messages: [
            { role: "system", content: "You plan Ragnarok Online leveling. Answer with one short paragraph." },
            { role: "user", content: `${req.purpose}. Character: ${JSON.stringify(req.context ?? {})}.` },
          ],
          maxTokens: 200,
          signal: AbortSignal.timeout(timeout),
        });
        source = `llm:${out.provider}`;
      } else {
        const r = planned.result;
        plan = {
          farming_location: r.strategic_plan.farming_location, map_id: r.strategic_plan.map_id,
          estimated_exp_per_hour: r.strategic_plan.estimated_exp_per_hour, skill_rotation: r.combat_strategy.skill_rotation,
          hp_threshold_heal: r.combat_strategy.hp_threshold_heal, notes: r.notes ?? [],
        };
        full.plan = {
          farming_location: plan.farming_location, map_id: plan.map_id, skill_rotation: plan.skill_rotation,
          hp_threshold_heal: plan.hp_threshold_heal, estimated_exp_per_hour: plan.estimated_exp_per_hour,
        };
        if (r.combat_strategy.sp_threshold !== undefined) full.plan.sp_threshold = r.combat_strategy.sp_threshold;
      }
      const macro = this.writeMacro(row, full, source);
      result = { source, processing_time_ms: this.d.now() - t0, macro };
      if (plan) result.plan = plan;
      if (fallback !== undefined) result.fallback_reason = fallback;
      if (row.kind === "llm") {
        result.action = {
          type: "macro", macro_name: macro.macro_name, priority: "normal",
          confidence: this.d.configs.engine.llm.confidence_floor,
          reason: plan ? `LLM generated optimal farming strategy: ${plan.farming_location}` : "LLM generated optimal farming strategy",
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

  private genConfig(): MacroGenConfig {
    const c = this.d.configs;
    return {
      maps: c.maps, healing_items: c.engine.healing_items.map((h) => h.name),
      unit_price: (n) => c.prices.unitValue({ name: n }), budget_units: 50, mvps: MVPS,
      offensive_skills: c.engine.offensive_skills, opener_skills: c.engine.opener_skills,
    };
  }

  /**
   * Writes the macro under the first free name (base, base_2, ...): the file is created
   * exclusively, so no task ever overwrites another's macro, even across processes.
   */
  private writeMacro(row: TaskRow, req: MacroRequest, source: string): GeneratedMacro & { file_path: string } {
    const cfg = this.genConfig();
    const base = macroBaseName(req, cfg);
    const dir = join(this.d.dataDir, "openkore", "control", "macros", "generated");
    mkdirSync(dir, { recursive: true });
    for (let n = 1; n <= MAX_SAME_NAME; n++) {
      const name = n === 1 ? base : `${base}_${n}`;
      const macro = generateMacro(req, cfg, name);
      const parsed = parseMacros(macro.content);
      if (!parsed.ok) throw new Error(`generated macro failed its check: ${parsed.errors.map((e) => `line ${e.line}: ${e.message}`).join("; ")}`);
      try {
        writeFileSync(join(dir, `${name}.txt`), macro.content, { flag: "wx" });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST") continue;
        throw e;
      }
      writeFileSync(join(dir, `${name}.json`), JSON.stringify({
        macro_name: name, task_id: row.id, session_id: row.session_id, purpose: req.purpose, map: macro.map, map_name: macro.map_name,
        heal_item: macro.heal_item, rotation: macro.rotation, constraints: req.constraints ?? {}, context: req.context ?? {},
        plan: req.plan ?? null, source, generated_at: this.d.now(), estimated_efficiency: macro.estimated_efficiency,
        automacros: parsed.automacros.map((a) => a.name), macros: parsed.macros.map((m) => m.name),
      }, null, 2));
      return { ...macro, file_path: `control/macros/generated/${name}.txt` };
    }
    throw new Error(`${MAX_SAME_NAME} macros named ${base} already exist in control/macros/generated/`);
  }
}
