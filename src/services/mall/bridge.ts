// The running world of the service: builds it from a folder, ticks it inline or in the
// pool, journals every acknowledged tick, checkpoints off the event loop, and restores
// the world after a restart (snapshot, then the journaled ticks replayed).
import type { Logger } from "../../runtime/log.ts";
import type { WorkerPool } from "../../runtime/pool.ts";
import {
  createWorld,
  finishZones,
  frameHead,
  frameTail,
  loadWorld,
  type ResolvedEvent,
  resetWorld,
  restore,
  S,
  sharedAlloc,
  type SimEvent,
  snapshot,
  step,
  stepGlobal,
  tickFrameJson,
  type World,
  type WorldFiles,
} from "./engine/index.ts";
import { dropSegments, TickJournal } from "./journal.ts";
import type { MallOptions } from "./options.ts";
import { addTick, emptyPending, type MallStore, mergePending, type PendingHistory } from "./store.ts";
import { readWorldFolder } from "./world-files.ts";

export type InitOutcome =
  | { ok: true; world: World }
  | { ok: false; status: 400 | 500; error: string };

/** A large world's pool side: its definition for the workers, and one zone range per thread. */
interface Pooled {
  key: string;
  def: Uint8Array;
  slices: { from: number; to: number; out: Uint8Array }[];
}

interface Running {
  world: World;
  sessionId: number;
  configPath: string;
  /** Set when the world's columns are shared with the pool. */
  pooled: Pooled | null;
  /** A tick is in progress (a pooled one may be writing the columns). */
  busy: boolean;
}

export interface TickOutcome {
  /** Reply body: the frame's JSON (text, or bytes joined from the workers' regions). */
  body: string | Blob;
  events: SimEvent[];
}

let generation = 0;

export class MallBridge {
  private running: Running | null = null;
  /** Sequence number of the last acknowledged tick. */
  private seq = 0;
  /** History of acknowledged ticks not yet in a committed checkpoint (it is in the journal). */
  private pending: PendingHistory = emptyPending(0);
  private readonly journal: TickJournal;
  private checkpointTimer: ReturnType<typeof setTimeout> | undefined;
  private ageTimer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly store: MallStore,
    private readonly pool: WorkerPool,
    private readonly opts: MallOptions,
    journalDir: string,
    private readonly log: Logger,
  ) {
    this.journal = new TickJournal(journalDir);
  }

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
    return { ok: true, world, pooled: { key: `w${++generation}`, def, slices: this.slices(world) } };
  }

  /**
   * Zone ranges, one per pool thread but one (the event loop keeps a core: with as many
   * ranges as threads on two cores, waking both workers preempted the loop thread and the
   * tick was slower, measured), balanced by zones + edges (the frame text and the
   * adjacency work grow with edges), each with a shared output region sized generously
   * for its JSON (a range that still outgrows it returns its text instead).
   */
  private slices(world: World): Pooled["slices"] {
    const n = world.index.zoneIds.length;
    const k = Math.max(1, Math.min(this.opts.zoneSlices || this.pool.options.maxThreads - 1, n));
    const st = world.state;
    const edges = st.nbr.length;
    const out: Pooled["slices"] = [];
    let from = 0;
    for (let i = 1; i <= k; i++) {
      let to = i === k ? n : from;
      const target = (edges * i) / k + (n * i) / k;
      while (to < n && (st.nbrStart[to] ?? 0) + to < target) to++;
      const idBytes = world.index.zoneIds.slice(from, to).reduce((a, id) => a + id.length, 0);
      const cap = 1024 * (to - from) + 2 * idBytes + 96 * ((st.nbrStart[to] ?? 0) - (st.nbrStart[from] ?? 0)) + 4096;
      out.push({ from, to, out: new Uint8Array(new SharedArrayBuffer(cap)) });
      from = to;
    }
    return out;
  }

  /** Loads a world folder; on any failure the current world is left as it was. */
  async init(configPath: string, at: number): Promise<InitOutcome> {
    const read = await readWorldFolder(configPath);
    if (!read.ok) return { ok: false, status: read.notFound ? 400 : 500, error: read.notFound ? read.error : `Initialization failed: ${read.error}` };
    const built = this.build(read.files);
    if (!built.ok) return { ok: false, status: 500, error: `Initialization failed: ${built.error}` };
    await this.idle();
    // The previous world's pending history commits with the new session, atomically.
    const sessionId = await this.store.openSession(configPath, JSON.stringify(read.files), snapshot(built.world.state), this.seq, at, this.running ? this.pending : null);
    this.pending = emptyPending(sessionId);
    void dropSegments(this.journal.rotate());
    this.running = { world: built.world, sessionId, configPath, pooled: built.pooled, busy: false };
    return { ok: true, world: built.world };
  }

  /**
   * Rebuilds the world of the last acknowledged request: the stored snapshot, then every
   * journaled tick after it; what the replay recovered is committed before returning.
   */
  resume(): boolean {
    this.cancelTimers();
    const stored = this.store.loadWorld();
    if (!stored) return false;
    const built = this.build(JSON.parse(stored.files) as WorldFiles);
    if (!built.ok || !restore(built.world.state, stored.snapshot)) return false;
    const world = built.world;
    // Ticks an older version journaled in SQLite: their history was committed with them.
    for (const t of stored.legacyJournal) step(world, { dt: t.dt, event: t.event === null ? null : (JSON.parse(t.event) as ResolvedEvent) });
    const recovered = emptyPending(stored.sessionId);
    let seq = stored.seq;
    for (const r of this.journal.readAll()) {
      if (r.q <= seq) continue;
      const result = step(world, { dt: r.dt, event: r.e });
      addTick(recovered, r.dt, world.state.s[S.TIME] ?? 0, r.at, result.events);
      seq = r.q;
    }
    if (recovered.ticks > 0 || stored.legacyJournal.length > 0) {
      this.store.recover(recovered, snapshot(world.state), seq);
      void dropSegments(this.journal.rotate());
    }
    this.seq = seq;
    this.pending = emptyPending(stored.sessionId);
    this.running = { world, sessionId: stored.sessionId, configPath: stored.configPath, pooled: built.pooled, busy: false };
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
        out = await this.pooledTick(world, r.pooled, dt, event, timestamp);
      } else {
        const result = step(world, { dt, event });
        out = { body: tickFrameJson(world, result, timestamp), events: result.events };
      }
      // Acknowledged = journaled: one synchronous append (no SQLite commit, no fsync) before the reply.
      this.journal.append({ q: this.seq + 1, dt, at: timestamp, e: event });
      this.seq++;
    } catch (e) {
      // Nothing half-done survives a failed tick: rebuild from the last acknowledged
      // state, in fresh buffers, since an aborted worker may still be writing.
      r.busy = false;
      await this.idle();
      this.resume();
      throw e;
    }
    r.busy = false;
    const p = this.pending;
    const [d, c] = [p.discoveries, p.contradictions];
    addTick(p, dt, world.state.s[S.TIME] ?? 0, timestamp, out.events);
    this.store.countTick(dt, p.discoveries - d, p.contradictions - c);
    this.checkpointWhenDue();
    return out;
  }

  /**
   * The global phase here (microseconds), the zone phase in the pool, one range per
   * thread, writing straight into the shared columns and output regions; the event loop
   * only dispatches and joins.
   */
  private async pooledTick(world: World, p: Pooled, dt: number, event: ResolvedEvent | null, timestamp: number): Promise<TickOutcome> {
    const g = stepGlobal(world, { dt, event });
    const parts = await Promise.all(
      p.slices.map((s) =>
        this.pool.run("mall.zones", { key: p.key, def: p.def, columns: world.state, from: s.from, to: s.to, phase: g.zones, out: s.out }, { timeoutMs: this.opts.tickTimeoutMs }),
      ),
    );
    finishZones(world, g.zones);
    const body: (string | Uint8Array)[] = [frameHead(world, timestamp)];
    parts.forEach((res, i) => {
      const s = p.slices[i]!;
      if (s.to === s.from) return;
      if (body.length > 1) body.push(",");
      body.push(res.text ?? s.out.subarray(0, res.bytes));
    });
    body.push(frameTail(world, g, timestamp));
    // The Blob copies the regions once, so the next tick may overwrite them while this reply is sent.
    return { body: new Blob(body), events: g.events };
  }

  /**
   * A checkpoint (snapshot + pending history, committed on the writer thread) every
   * `snapshotEvery` ticks, and at most `snapshotSeconds` after the first tick it covers.
   */
  private checkpointWhenDue(): void {
    if (this.pending.ticks >= this.opts.snapshotEvery) this.scheduleCheckpoint();
    else if (this.ageTimer === undefined) {
      this.ageTimer = setTimeout(() => {
        this.ageTimer = undefined;
        this.scheduleCheckpoint();
      }, this.opts.snapshotSeconds * 1000);
      this.ageTimer.unref?.();
    }
  }

  /** On a later turn of the event loop, never while a tick runs; one checkpoint in flight at a time. */
  private scheduleCheckpoint(): void {
    if (this.checkpointTimer !== undefined || this.inFlight) return;
    this.checkpointTimer = setTimeout(() => {
      this.checkpointTimer = undefined;
      const r = this.running;
      if (!r || this.pending.ticks === 0) return;
      if (r.busy) return this.scheduleCheckpoint();
      this.inFlight = this.checkpoint(r).finally(() => {
        this.inFlight = null;
        if (this.pending.ticks >= this.opts.snapshotEvery) this.scheduleCheckpoint();
      });
    }, 0);
  }

  private async checkpoint(r: Running): Promise<void> {
    if (this.ageTimer !== undefined) clearTimeout(this.ageTimer);
    this.ageTimer = undefined;
    const batch = this.pending;
    this.pending = emptyPending(r.sessionId);
    const segments = this.journal.rotate();
    try {
      await this.store.checkpoint(batch, snapshot(r.world.state), this.seq);
      await dropSegments(segments);
    } catch (e) {
      // Its ticks are still journaled; their history goes with the next checkpoint.
      this.log.error("mall checkpoint failed; will retry with the next one", { error: e instanceof Error ? e.message : String(e) });
      this.pending = mergePending(batch, this.pending);
      this.checkpointWhenDue();
    }
  }

  /** Resolves once no checkpoint is in flight. */
  private async idle(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  private cancelTimers(): void {
    if (this.checkpointTimer !== undefined) clearTimeout(this.checkpointTimer);
    if (this.ageTimer !== undefined) clearTimeout(this.ageTimer);
    this.checkpointTimer = undefined;
    this.ageTimer = undefined;
  }

  /** Commits what is pending (a last checkpoint), then closes the journal. */
  async close(): Promise<void> {
    this.cancelTimers();
    await this.idle();
    const r = this.running;
    if (r && this.pending.ticks > 0) await this.checkpoint(r);
    this.cancelTimers();
    this.journal.close();
  }

  async reset(keepMemory: boolean): Promise<World> {
    const r = this.running;
    if (!r) throw new Error("reset without a world");
    await this.idle();
    resetWorld(r.world, keepMemory);
    try {
      await this.store.reset(keepMemory, snapshot(r.world.state), this.seq, this.pending);
    } catch (e) {
      this.resume();
      throw e;
    }
    this.pending = emptyPending(r.sessionId);
    void dropSegments(this.journal.rotate());
    return r.world;
  }
}
