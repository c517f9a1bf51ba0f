// Crew execution: the deterministic planners always run (microseconds); when an LLM
// provider is configured its JSON reply, if it has the result's shape, replaces their
// plan (the local plan is sent to it as a draft). timeout_seconds bounds the whole task:
// past it the reply is 408 TIMEOUT and the provider call is aborted.

import { ApiError } from "../../runtime/errors.ts";
import type { LlmProvider } from "../../runtime/llm.ts";
import type { Logger } from "../../runtime/log.ts";
import { compile } from "../../runtime/validation.ts";
import type { CrewContext, TaskType } from "../../contracts/openkore-ai.ts";
import type { MapTable } from "../../contracts/ro-maps.ts";
import { AGENTS, runCrew, type CrewResult, type GameData } from "./engine/index.ts";
import { CrewResultSchema, type CrewResultShape } from "./schema.ts";
import type { AiStore } from "./store.ts";

const resultValidator = compile(CrewResultSchema);

export interface CrewOutcome {
  taskId: string;
  result: CrewResult | (CrewResultShape & { notes: string[] });
  planner: "deterministic" | "llm";
  processingMs: number;
}

const SYSTEM_PROMPT = [
  "You are a crew of three Ragnarok Online agents for an OpenKore bot: strategic_planner (where to farm and for how long),",
  "combat_tactician (skill rotation, heal threshold, SP policy) and resource_manager (zeny allocation).",
  "Improve the draft plan for the character in the context. Reply with one JSON object only, with the same keys as the draft:",
  "strategic_plan, combat_strategy, resource_plan. strategic_plan.map_id must stay a real map id such as the draft's.",
].join(" ");

export function timeoutError(seconds: number): ApiError {
  return new ApiError(408, "TIMEOUT", `Crew task exceeded timeout_seconds=${seconds}`, { timeout_seconds: seconds });
}

/** First balanced {...} in a reply (models often wrap JSON in prose or code fences). */
export function extractJson(text: string): unknown {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end <= start) return undefined;
  try {
    return JSON.parse(text.slice(start, end + 1)) as unknown;
  } catch {
    return undefined;
  }
}

export class CrewRunner {
  constructor(
    private readonly data: GameData,
    private readonly maps: MapTable,
    private readonly llm: LlmProvider | null,
    private readonly store: AiStore,
    private readonly now: () => number,
    private readonly log: Logger,
    private readonly retainTasks = Infinity,
  ) {}

  get plannerName(): "deterministic" | "llm" {
    return this.llm ? "llm" : "deterministic";
  }

  /** `context` has passed the contract's schema (the route validates it). */
  async execute(sessionId: string, taskType: TaskType, context: CrewContext, timeoutSeconds: number): Promise<CrewOutcome> {
    const started = performance.now();
    const timeoutMs = timeoutSeconds * 1000;
    const local = runCrew(this.data, taskType, context);
    let result: CrewOutcome["result"] = local;
    let planner: CrewOutcome["planner"] = "deterministic";
    if (this.llm) {
      const remaining = timeoutMs - (performance.now() - started);
      const reply = await this.askLlm(this.llm, taskType, context, local, remaining, timeoutSeconds);
      const entry = reply ? this.maps.get(reply.strategic_plan.map_id) : undefined;
      if (reply && entry) {
        // The map id decides; the name is the shared table's, so both sides agree on it.
        const strategic_plan = { ...reply.strategic_plan, farming_location: entry.name };
        result = { ...reply, strategic_plan, notes: [...local.notes, `plan by ${this.llm.name} model ${this.llm.model}`] };
        planner = "llm";
      } else {
        local.notes.push(reply ? `LLM plan names unknown map ${reply.strategic_plan.map_id}; deterministic plan returned` : "LLM reply was not a usable plan; deterministic plan returned");
      }
    }
    const processingMs = performance.now() - started;
    if (processingMs > timeoutMs) throw timeoutError(timeoutSeconds);
    const n = this.store.addCrewTask(sessionId, taskType, planner, this.now(), processingMs, result, this.retainTasks);
    return { taskId: `crew-${n}`, result, planner, processingMs };
  }

  private async askLlm(
    llm: LlmProvider,
    taskType: TaskType,
    context: CrewContext,
    draft: CrewResult,
    remainingMs: number,
    timeoutSeconds: number,
  ): Promise<CrewResultShape | null> {
    if (remainingMs <= 0) throw timeoutError(timeoutSeconds);
    const ac = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        ac.abort();
        reject(timeoutError(timeoutSeconds));
      }, remainingMs);
    });
    try {
      const completion = await Promise.race([
        llm.complete({
          messages: [
            { role: "system", content: SYSTEM_PROMPT },
            { role: "user", content: JSON.stringify({ task_type: taskType, agents: AGENTS, context, draft }) },
          ],
          temperature: 0.2,
          signal: ac.signal,
        }),
        expired,
      ]);
      const parsed = extractJson(completion.content);
      return resultValidator.check(parsed) ? parsed : null;
    } catch (e) {
      if (e instanceof ApiError && e.status === 408) throw e;
      if (ac.signal.aborted) throw timeoutError(timeoutSeconds);
      this.log.warn("crew llm call failed; deterministic plan used", { error: e instanceof Error ? e.message : String(e) });
      return null;
    } finally {
      clearTimeout(timer);
    }
  }
}
