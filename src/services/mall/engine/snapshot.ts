// The dynamic columns of a world as one byte string, so every acknowledged tick can be
// persisted and a restarted process resumes exactly where it stopped. Static columns are
// rebuilt from the stored config instead.
import type { WorldState } from "./state.ts";

const DYNAMIC = [
  "s", "turb", "res", "adj", "npcZone", "npcState", "npcTimer", "npcRoutePos", "hTime", "hLevel",
] as const satisfies readonly (keyof WorldState)[];

function views(st: WorldState): Uint8Array[] {
  return DYNAMIC.map((k) => {
    const a = st[k];
    return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  });
}

export function snapshotSize(st: WorldState): number {
  return views(st).reduce((n, v) => n + v.byteLength, 0);
}

/** Writes the dynamic columns into `out` (reused across ticks) or a new buffer. */
export function snapshot(st: WorldState, out?: Uint8Array): Uint8Array {
  const parts = views(st);
  const size = parts.reduce((n, v) => n + v.byteLength, 0);
  const buf = out && out.byteLength === size ? out : new Uint8Array(size);
  let off = 0;
  for (const p of parts) {
    buf.set(p, off);
    off += p.byteLength;
  }
  return buf;
}

/** Copies a snapshot back; false (state untouched) when it was taken of a different world shape. */
export function restore(st: WorldState, bytes: Uint8Array): boolean {
  const parts = views(st);
  if (parts.reduce((n, v) => n + v.byteLength, 0) !== bytes.byteLength) return false;
  let off = 0;
  for (const p of parts) {
    p.set(bytes.subarray(off, off + p.byteLength));
    off += p.byteLength;
  }
  return true;
}
