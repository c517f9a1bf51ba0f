/**
 * Pool side of the mall bridge: steps a large world whose columns live in
 * SharedArrayBuffers and serialises its frame, so neither blocks the event loop.
 * The world definition travels once as JSON bytes in a SharedArrayBuffer and is cached.
 */
import { buildIndex, step, tickFrameJson } from '../src/services/mall/engine/index.ts';
import type { ResolvedEvent, SimEvent, World, WorldDef, WorldState } from '../src/services/mall/engine/index.ts';

export interface MallTickArg {
  /** Changes whenever the main thread builds a new world. */
  key: string;
  /** UTF-8 JSON of the WorldDef. */
  def: Uint8Array;
  columns: WorldState;
  dt: number;
  event: ResolvedEvent | null;
  timestamp: number;
}

export interface MallTickResult {
  frame: string;
  events: SimEvent[];
}

let cached: { key: string; world: World } | null = null;

function worldFor(arg: MallTickArg): World {
  if (cached?.key === arg.key) return cached.world;
  // TextDecoder refuses shared memory: decode a private copy.
  const def = JSON.parse(new TextDecoder().decode(arg.def.slice())) as WorldDef;
  const world: World = { def, index: buildIndex(def), state: arg.columns };
  cached = { key: arg.key, world };
  return world;
}

export const mallTasks = {
  'mall.tick': (arg: MallTickArg): MallTickResult => {
    const world = worldFor(arg);
    const result = step(world, { dt: arg.dt, event: arg.event });
    return { frame: tickFrameJson(world, result, arg.timestamp), events: result.events };
  },
};
