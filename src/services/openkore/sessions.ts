// Sessions: UUID v4 ids persisted in SQLite, each bound to a typed-array slot and its
// decision memory. Bounded two ways: a session idle for longer than the TTL expires
// (removed from memory and storage), and when all `capacity` sessions exist a new one
// replaces the least recently seen session without an open WebSocket (503 when every
// session holds one). Sessions seen within the TTL come back after a restart.
import { randomUUID } from "node:crypto";
import { ApiError } from "../../runtime/errors.ts";
import type { WsConn } from "../../runtime/ws.ts";
import { Interner } from "./engine/interner.ts";
import { newMemory, type SessionMemory } from "./engine/memory.ts";
import { SlotStore } from "./engine/slots.ts";
import type { EngineConfig } from "./engine/config.ts";
import type { OpenkoreStore } from "./store.ts";

/** Rows written per housekeeping slice (about a millisecond of SQLite work here). */
export const FLUSH_SLICE = 128;

export interface WsData {
  authed: boolean;
  /** Bound at auth; a session holding an open socket is never expired or evicted. */
  session: Session | null;
}

export interface Session {
  id: string;
  slot: number;
  mem: SessionMemory;
  lastSeen: number;
  /**
   * The engine config of the last decision and the name-table generation its slot was
   * written under: a logged outcome trains on the ml features of the state in the slot,
   * computed only when an outcome arrives (the parsed state itself is not kept: holding
   * one per session past the frame made every state survive a collection).
   */
  lastCfg: EngineConfig | null;
  decidedGen: number;
  /** Rate-limit bucket key of this session (`s:<id>`), built once. */
  rateKey: string;
  /** Set when the session expired or was replaced. */
  removed: boolean;
  /** Its last_seen awaits a flush to SQLite. */
  dirty: boolean;
  sockets: Set<WsConn<WsData>>;
}

export interface SessionLimits {
  /** Sessions that may exist at once (memory and storage alike). */
  capacity: number;
  /** Idle time after which a session without an open socket expires. */
  ttlMs: number;
}

export class Sessions {
  readonly slots: SlotStore;
  readonly names = new Interner();
  /** Every session, least recently seen first (re-inserted on each use). */
  private readonly live = new Map<string, Session>();
  private readonly free: number[] = [];
  /** Sessions whose last_seen is not yet in SQLite (written in batches by flush()); `dirty` marks them. */
  private dirtyList: Session[] = [];
  /** Implicit sessions of clients that never handshake (legacy /decide): client key ↔ session id. */
  private readonly implicitIds = new Map<string, string>();
  private readonly implicitKeys = new Map<string, string>();
  expiredTotal = 0;
  evictedTotal = 0;

  constructor(readonly limits: SessionLimits, private readonly store: OpenkoreStore, now: number) {
    this.slots = new SlotStore(limits.capacity);
    for (let i = limits.capacity - 1; i >= 0; i--) this.free.push(i);
    const rows = store.liveSessions(now - limits.ttlMs);
    const over = rows.length - limits.capacity;
    if (over > 0) store.deleteSessions(rows.slice(0, over).map((r) => r.id));
    for (const r of rows.slice(Math.max(0, over))) this.attach(r.id, r.last_seen);
  }

  /** Live sessions after expiring idle ones. */
  count(now: number): number {
    this.sweep(now);
    return this.live.size;
  }

  create(info: { client: string; client_version: string; pid: number | null; capabilities: string[] }, now: number): Session {
    this.sweep(now);
    if (this.live.size >= this.limits.capacity) this.evictLeastRecent();
    const id = randomUUID();
    this.store.createSession({ id, ...info }, now);
    return this.attach(id, now);
  }

  /** A session in use now (its idle clock restarts), or null when unknown or expired. */
  get(id: string, now: number): Session | null {
    const s = this.live.get(id);
    if (!s) return null;
    if (this.isExpired(s, now)) {
      this.remove([s]);
      this.expiredTotal++;
      return null;
    }
    this.use(s, now);
    return s;
  }

  /**
   * A session in use through its open socket (a state frame): the idle clock restarts,
   * without moving it in the least-recently-seen order, which only matters once the socket
   * is gone (`released`); this runs 20 times a second per client.
   */
  touch(s: Session, now: number): void {
    s.lastSeen = now;
    if (!s.dirty) this.markDirty(s);
  }

  /** A socket of the session closed: it takes its place as the most recently seen. */
  released(s: Session, now: number): void {
    if (!s.removed) this.use(s, now);
  }

  /** A session without touching its idle clock (pushes, socket bookkeeping). */
  peek(id: string): Session | undefined {
    return this.live.get(id);
  }

  /** The implicit session of a client that never handshakes, made on first use. */
  implicit(key: string, now: number, make: () => Session): Session {
    const id = this.implicitIds.get(key);
    const existing = id === undefined ? null : this.get(id, now);
    if (existing) return existing;
    const s = make();
    this.implicitIds.set(key, s.id);
    this.implicitKeys.set(s.id, key);
    return s;
  }

  /**
   * Expire every session idle past the TTL, oldest first, up to the first one in use.
   * Sessions with open sockets count as in use (and keep no order while they hold one):
   * the ones met on the way move to the back.
   */
  sweep(now: number): void {
    const gone: Session[] = [];
    const kept: Session[] = [];
    for (const s of this.live.values()) {
      if (s.sockets.size > 0) {
        kept.push(s);
        continue;
      }
      if (now - s.lastSeen <= this.limits.ttlMs) break;
      gone.push(s);
    }
    for (const s of kept) this.use(s, now);
    this.expiredTotal += gone.length;
    this.remove(gone);
  }

  /**
   * Write pending last_seen times to SQLite (so a restart keeps the right sessions), at most
   * `max` rows; returns whether rows are still pending. Housekeeping writes in slices of
   * FLUSH_SLICE across event-loop turns: 2,000 rows in one transaction held the loop
   * 8–25 ms here, in the middle of 20 Hz state streams.
   */
  flush(max = Infinity): boolean {
    const batch = this.dirtyList.splice(0, Math.min(max, this.dirtyList.length));
    const rows: { id: string; now: number }[] = [];
    for (const s of batch) {
      s.dirty = false;
      if (!s.removed) rows.push({ id: s.id, now: s.lastSeen });
    }
    this.store.touchSessions(rows);
    return this.dirtyList.length > 0;
  }

  all(): IterableIterator<Session> { return this.live.values(); }

  private isExpired(s: Session, now: number): boolean {
    return s.sockets.size === 0 && now - s.lastSeen > this.limits.ttlMs;
  }

  private use(s: Session, now: number): void {
    s.lastSeen = now;
    this.live.delete(s.id);
    this.live.set(s.id, s);
    if (!s.dirty) this.markDirty(s);
  }

  private markDirty(s: Session): void {
    s.dirty = true;
    this.dirtyList.push(s);
  }

  private attach(id: string, now: number): Session {
    const slot = this.free.pop();
    if (slot === undefined) throw new Error("no free session slot");
    this.slots.clear(slot);
    const s: Session = { id, slot, mem: newMemory(), lastSeen: now, lastCfg: null, decidedGen: -1, rateKey: `s:${id}`, removed: false, dirty: false, sockets: new Set() };
    this.live.set(id, s);
    return s;
  }

  private evictLeastRecent(): void {
    for (const s of this.live.values()) {
      if (s.sockets.size > 0) continue;
      this.remove([s]);
      this.evictedTotal++;
      return;
    }
    throw new ApiError(503, "SERVICE_UNAVAILABLE", `All ${this.limits.capacity} sessions hold an open WebSocket (max_sessions); close one or retry later`, { max_sessions: this.limits.capacity }, { "Retry-After": "5" });
  }

  private remove(list: readonly Session[]): void {
    if (list.length === 0) return;
    for (const s of list) {
      s.removed = true;
      this.live.delete(s.id);
      this.slots.clear(s.slot);
      this.free.push(s.slot);
      const key = this.implicitKeys.get(s.id);
      if (key !== undefined) {
        this.implicitKeys.delete(s.id);
        this.implicitIds.delete(key);
      }
    }
    this.store.deleteSessions(list.map((s) => s.id));
  }
}
