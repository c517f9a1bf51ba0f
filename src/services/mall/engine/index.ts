export { type Constants, DEFAULT_CONSTANTS } from "./constants.ts";
export { bleedTier, moodCode, moodName, trendName } from "./cloud.ts";
export { resolvePlayerEvent, type ResolveResult } from "./events.ts";
export {
  cloudFrame,
  type CloudFrame,
  type History,
  statusFrame,
  type StatusFrame,
  tickFrame,
  type TickFrame,
} from "./frames.ts";
export { generateWorldFiles, type GenerateOptions } from "./generate.ts";
export { scoreEntity } from "./qbit.ts";
export { cloneState, S, sharedAlloc, type World, type WorldState } from "./state.ts";
export {
  createWorld,
  finishZones,
  type GlobalResult,
  resetWorld,
  step,
  stepGlobal,
  type StepInput,
  type StepResult,
  stepZones,
  type ZonePhase,
} from "./step.ts";
export * from "./types.ts";
export { type ConfigError, loadWorld, type LoadResult } from "./validate.ts";
export { restore, snapshot, snapshotSize } from "./snapshot.ts";
export { buildIndex } from "./state.ts";
export { frameHead, frameTail, tickFrameJson, zonesJson } from "./frame-json.ts";
