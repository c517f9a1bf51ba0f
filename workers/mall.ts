/**
 * Pool side of the mall bridge: the zone phase of a large world's tick, one range of zones
 * per task, over columns that live in SharedArrayBuffers (nothing of the state is copied
 * per tick). Each task updates its zones and writes their frame JSON as UTF-8 into its own
 * shared output region; the main thread only joins the regions into the reply. The world
 * definition travels once as JSON bytes in a SharedArrayBuffer and is cached per thread.
 */
import { buildIndex, stepZones, zonesJson } from '../src/services/mall/engine/index.ts';
import type { World, WorldDef, WorldState, ZonePhase } from '../src/services/mall/engine/index.ts';

export interface MallZonesArg {
  /** Changes whenever the main thread builds a new world. */
  key: string;
  /** UTF-8 JSON of the WorldDef. */
  def: Uint8Array;
  columns: WorldState;
  from: number;
  to: number;
  phase: ZonePhase;
  /** Shared region this range's JSON is written to. */
  out: Uint8Array;
}

export interface MallZonesResult {
  /** Bytes written to `out`. */
  bytes: number;
  /** The JSON itself when it did not fit in `out` (then `bytes` is 0). */
  text: string | null;
  /** Time the task spent in the worker (ms), to tell work from dispatch. */
  ms: number;
}

/** A few worlds per thread: several mall services may share one pool. */
const cache = new Map<string, World>();
const encoder = new TextEncoder();

function worldFor(arg: MallZonesArg): World {
  let world = cache.get(arg.key);
  if (world) return world;
  // TextDecoder refuses shared memory: decode a private copy.
  const def = JSON.parse(new TextDecoder().decode(arg.def.slice())) as WorldDef;
  world = { def, index: buildIndex(def), state: arg.columns };
  if (cache.size >= 4) cache.delete(cache.keys().next().value ?? '');
  cache.set(arg.key, world);
  return world;
}

export const mallTasks = {
  'mall.zones': (arg: MallZonesArg): MallZonesResult => {
    const t0 = performance.now();
    const world = worldFor(arg);
    stepZones(world, arg.phase, arg.from, arg.to);
    const text = zonesJson(world, arg.from, arg.to);
    const r = encoder.encodeInto(text, arg.out);
    const ms = performance.now() - t0;
    return r.read === text.length ? { bytes: r.written, text: null, ms } : { bytes: 0, text, ms };
  },
};
