// Sessions: UUID v4 ids persisted in SQLite, each live one bound to a typed-array slot
// and its decision memory. Least recently seen sessions give their slot back when the
// table is full; they revive from SQLite on their next request.
import { randomUUID } from "node:crypto";
import { ApiError } from "../../runtime/errors.ts";
import type { WsConn } from "../../runtime/ws.ts";
import { Interner } from "./engine/interner.ts";
import { newMemory, type SessionMemory } from "./engine/memory.ts";
import { SlotStore } from "./engine/slots.ts";
import type { Action, Tier } from "./engine/types.ts";
import type { OpenkoreStore } from "./store.ts";

export interface WsData { authed: boolean; session: string | null }

export interface Session {
  id: string;
  slot: number;
  mem: SessionMemory;
  lastSeen: number;
  /** Situation features at the last decision: what a logged outcome trains on. */
  lastFeatures: number[] | null;
  lastDecision: { tier: Tier; action: Action } | null;
  sockets: Set<WsConn<WsData>>;
}

export class Sessions {
  readonly slots: SlotStore;
  readonly names = new Interner();
  private readonly live = new Map<string, Session>();
  private readonly free: number[] = [];

  constructor(capacity: number, private readonly store: OpenkoreStore) {
    this.slots = new SlotStore(capacity);
    for (let i = capacity - 1; i >= 0; i--) this.free.push(i);
  }

  get active(): number { return this.live.size; }

  create(info: { client: string; client_version: string; pid: number | null; capabilities: string[] }, now: number): Session {
    const id = randomUUID();
    this.store.createSession({ id, ...info }, now);
    return this.attach(id, now);
  }

  /** A live session, or one revived from SQLite; null when the id was never issued. */
  get(id: string, now: number): Session | null {
    const s = this.live.get(id);
    if (s) { s.lastSeen = now; return s; }
    if (!this.store.session(id)) return null;
    return this.attach(id, now);
  }

  touch(s: Session, now: number): void {
    s.lastSeen = now;
    this.store.touchSession(s.id, now);
  }

  private attach(id: string, now: number): Session {
    let slot = this.free.pop();
    if (slot === undefined) slot = this.evictOldest();
    this.slots.clear(slot);
    const s: Session = { id, slot, mem: newMemory(), lastSeen: now, lastFeatures: null, lastDecision: null, sockets: new Set() };
    this.live.set(id, s);
    return s;
  }

  private evictOldest(): number {
    let oldest: Session | undefined;
    for (const s of this.live.values()) if (s.sockets.size === 0 && (!oldest || s.lastSeen < oldest.lastSeen)) oldest = s;
    if (!oldest) throw new ApiError(503, "SERVICE_UNAVAILABLE", "Every session slot is held by an open WebSocket", { max_sessions: this.slots.capacity }, { "Retry-After": "5" });
    this.live.delete(oldest.id);
    return oldest.slot;
  }

  all(): IterableIterator<Session> { return this.live.values(); }
}
