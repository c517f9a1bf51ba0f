export { DEFAULT_CONSTANTS, resolvePlayerEvent, S, step, type World } from "../../../src/services/mall/engine/index.ts";
export { npcFrames as npcFramesOf } from "../../../src/services/mall/engine/frames.ts";
