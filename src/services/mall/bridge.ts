// The running world of the service: builds it from a folder, ticks it inline or in the
// pool, persists every acknowledged change, and restores it after a restart.
import type { WorkerPool } from "../../runtime/pool.ts";
import type { MallTickArg } from "../../../workers/mall.ts";
import {
  createWorld,
  loadWorld,
  type ResolvedEvent,
  resetWorld,
  restore,
  S,
  sharedAlloc,
  type SimEvent,
  snapshot,
  step,
  tickFrameJson,
  type World,
  type WorldFiles,
} from "./engine/index.ts";
import type { MallOptions } from "./options.ts";
import type { MallStore } from "./store.ts";
import { readWorldFolder } from "./world-files.ts";

export type InitOutcome =
  | { ok: true; world: World }
  | { ok: false; status: 400 | 500; error: string };

interface Running {
  world: World;
  sessionId: number;
  configPath: string;
  /** Set when the world's columns are shared with the pool. */
  pooled: { key: string; def: Uint8Array } | null;
  /** Reused buffer for snapshots. */
  snap: Uint8Array;
  /** Ticks journaled since the last snapshot. */
  sinceSnapshot: number;
  /** A tick is in progress (a pooled one may be writing the columns). */
  busy: boolean;
  /** Pending deferred snapshot. */
  checkpointTimer: ReturnType<typeof setTimeout> | undefined;
}

export interface TickOutcome {
  /** Reply body: the frame as JSON text. */
  body: string;
  events: SimEvent[];
}

let generation = 0;

export class MallBridge {
  private running: Running | null = null;
  private walTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly store: MallStore,
    private readonly pool: WorkerPool,
    private readonly opts: MallOptions,
  ) {}

  get world(): World | null {
    return this.running?.world ?? null;
  }

  private build(files: WorldFiles): { ok: true; world: World; pooled: Running["pooled"] } | { ok: false; error: string } {
    const loaded = loadWorld(files);
    if (!loaded.ok) {
      const e = loaded.error;
      return { ok: false, error: `${e.file}: ${e.field}: ${e.message}` };
    }
    const pooledSize = loaded.def.zones.length >= this.opts.poolMinZones;
    const world = createWorld(loaded.def, pooledSize ? sharedAlloc : undefined);
    if (!pooledSize) return { ok: true, world, pooled: null };
    const bytes = new TextEncoder().encode(JSON.stringify(loaded.def));
    const def = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
    def.set(bytes);
    return { ok: true, world, pooled: { key: `w${++generation}`, def } };
  }

  /** Loads a world folder; on any failure the current world is left as it was. */
  async init(configPath: string, at: number): Promise<InitOutcome> {
    const read = await readWorldFolder(configPath);
    if (!read.ok) return { ok: false, status: read.notFound ? 400 : 500, error: read.notFound ? read.error : `Initialization failed: ${read.error}` };
    const built = this.build(read.files);
    if (!built.ok) return { ok: false, status: 500, error: `Initialization failed: ${built.error}` };
    const snap = snapshot(built.world.state);
    const sessionId = this.store.openSession(configPath, JSON.stringify(read.files), snap, at);
    this.cancelCheckpoint();
    this.running = { world: built.world, sessionId, configPath, pooled: built.pooled, snap, sinceSnapshot: 0, busy: false, checkpointTimer: undefined };
    this.scheduleWalFlush();
    return { ok: true, world: built.world };
  }

  /** Resumes the world of the last acknowledged request: snapshot, then journaled ticks. */
  resume(): boolean {
    const stored = this.store.loadWorld();
    if (!stored) return false;
    const built = this.build(JSON.parse(stored.files) as WorldFiles);
    if (!built.ok || !restore(built.world.state, stored.snapshot)) return false;
    this.cancelCheckpoint();
    for (const t of stored.journal) {
      step(built.world, { dt: t.dt, event: t.event === null ? null : (JSON.parse(t.event) as ResolvedEvent) });
    }
    this.running = {
      world: built.world,
      sessionId: stored.sessionId,
      configPath: stored.configPath,
      pooled: built.pooled,
      snap: snapshot(built.world.state),
      sinceSnapshot: stored.journal.length,
      busy: false,
      checkpointTimer: undefined,
    };
    return true;
  }

  async tick(dt: number, event: ResolvedEvent | null, timestamp: number): Promise<TickOutcome> {
    const r = this.running;
    if (!r) throw new Error("tick without a world");
    const { world } = r;
    let out: TickOutcome;
    r.busy = true;
    try {
      if (r.pooled) {
        const arg: MallTickArg = { key: r.pooled.key, def: r.pooled.def, columns: world.state, dt, event, timestamp };
        const res = await this.pool.run("mall.tick", arg, { timeoutMs: this.opts.tickTimeoutMs });
        out = { body: res.frame, events: res.events };
      } else {
        const result = step(world, { dt, event });
        out = { body: tickFrameJson(world, result, timestamp), events: result.events };
      }
      // Journal the input every tick (small, synchronous: an acknowledged tick survives a
      // restart). The full snapshot that lets the journal be dropped is taken after the
      // reply: on a 1,000-zone world it costs ~10 ms, which would otherwise land on every
      // hundredth tick's latency.
      this.store.recordTick({
        sessionId: r.sessionId,
        dt,
        simTime: world.state.s[S.TIME] ?? 0,
        at: timestamp,
        input: event === null ? null : JSON.stringify(event),
        events: out.events,
        snapshot: null,
      });
      r.sinceSnapshot++;
      if (r.sinceSnapshot >= this.opts.snapshotEvery) this.scheduleCheckpoint(r);
    } catch (e) {
      // Nothing half-done survives a failed tick: rebuild from the last acknowledged
      // state, in fresh buffers, since an aborted worker may still be writing.
      r.busy = false;
      this.resume();
      throw e;
    }
    r.busy = false;
    return out;
  }

  /** Snapshots the world once no tick is running; the journal it covers is dropped with it. */
  private scheduleCheckpoint(r: Running): void {
    if (r.checkpointTimer !== undefined) return;
    r.checkpointTimer = setTimeout(() => {
      r.checkpointTimer = undefined;
      if (this.running !== r) return;
      if (r.busy) return this.scheduleCheckpoint(r);
      this.store.checkpoint(snapshot(r.world.state, r.snap));
      r.sinceSnapshot = 0;
      this.store.flushWal();
    }, 0);
  }

  /** After /init or /reset wrote a large snapshot: move the WAL into the file off the request path. */
  private scheduleWalFlush(): void {
    if (this.walTimer !== undefined) return;
    this.walTimer = setTimeout(() => {
      this.walTimer = undefined;
      if (this.running?.busy) return this.scheduleWalFlush();
      this.store.flushWal();
    }, 0);
  }

  private cancelCheckpoint(): void {
    const r = this.running;
    if (r?.checkpointTimer !== undefined) clearTimeout(r.checkpointTimer);
    if (r) r.checkpointTimer = undefined;
  }

  /** Drops a pending snapshot (the journal already holds every acknowledged tick). */
  close(): void {
    this.cancelCheckpoint();
    if (this.walTimer !== undefined) clearTimeout(this.walTimer);
  }

  reset(keepMemory: boolean): World {
    const r = this.running;
    if (!r) throw new Error("reset without a world");
    resetWorld(r.world, keepMemory);
    const snap = snapshot(r.world.state, r.snap);
    try {
      this.store.reset(keepMemory, snap);
      r.sinceSnapshot = 0;
      this.scheduleWalFlush();
    } catch (e) {
      this.resume();
      throw e;
    }
    return r.world;
  }
}
