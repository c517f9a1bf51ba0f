// Episodic memory: one typed-array vector index per session, rebuilt from SQLite at
// start, appended on store, searched inline when small and in the pool when large.

import { ApiError } from "../../runtime/errors.ts";
import type { LlmProvider } from "../../runtime/llm.ts";
import type { WorkerPool } from "../../runtime/pool.ts";
import {
  DEFAULT_EMBEDDING_OPTIONS,
  embed,
  mergeHits,
  normalize,
  search,
  searchCost,
  VectorIndex,
  type Embedding,
  type RankingWeights,
  type SearchHits,
} from "./engine/index.ts";
import type { AiServiceOptions } from "./options.ts";
import type { AiStore } from "./store.ts";
import type { AiSearchArg } from "../../../workers/aiservice.ts";

export interface Embedder {
  readonly name: string;
  readonly dim: number;
  embed(value: unknown): Embedding | Promise<Embedding>;
}

export function localEmbedder(dim: number): Embedder {
  const opts = { ...DEFAULT_EMBEDDING_OPTIONS, dim };
  return { name: "local", dim, embed: (value) => embed(value, opts) };
}

/** "key: value" lines in key order: a stable text form for a remote embeddings model. */
export function describeForEmbedding(value: unknown, prefix = ""): string {
  if (value === null || typeof value !== "object") return `${prefix}${String(value)}`;
  if (Array.isArray(value)) return value.map((v) => describeForEmbedding(v, prefix)).join("\n");
  return Object.keys(value)
    .sort()
    .map((k) => describeForEmbedding((value as Record<string, unknown>)[k], `${prefix}${k}: `))
    .join("\n");
}

export function llmEmbedder(llm: LlmProvider, dim: number): Embedder {
  return {
    name: `${llm.name}-embeddings`,
    dim,
    async embed(value) {
      if (!llm.embed) throw new ApiError(503, "SERVICE_UNAVAILABLE", `LLM provider ${llm.name} has no embeddings endpoint`);
      const [vec] = await llm.embed([describeForEmbedding(value)]);
      if (!vec || vec.length !== dim) {
        throw new ApiError(503, "SERVICE_UNAVAILABLE", `embedding has length ${vec?.length ?? 0}, expected ${dim}`, { expected_dim: dim });
      }
      const norm = normalize(vec);
      return { vector: vec, generated: norm > 0 };
    },
  };
}

export interface StoredMemory {
  memoryId: string;
  generated: boolean;
  storedAt: number;
}

export interface RetrievedMemory {
  memory_id: string;
  similarity: number;
  score: number;
  importance: number;
  event: unknown;
  timestamp: number;
}

const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

export class MemoryBank {
  private readonly sessions = new Map<string, VectorIndex>();
  private total = 0;
  private readonly weights: RankingWeights;

  constructor(
    private readonly store: AiStore,
    private readonly embedder: Embedder,
    private readonly pool: WorkerPool | null,
    private readonly opts: AiServiceOptions,
    private readonly now: () => number,
  ) {
    this.weights = {
      importanceWeight: opts.importance_weight,
      recencyWeight: opts.recency_weight,
      recencyHalfLifeMs: opts.recency_half_life_hours * 3_600_000,
    };
  }

  get memoriesStored(): number {
    return this.total;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Rebuilds every session's index from the database; rows of another dimension are skipped. */
  load(): { loaded: number; skipped: number } {
    let skipped = 0;
    this.store.loadAll((m, dim) => {
      if (dim !== this.embedder.dim) {
        skipped++;
        return;
      }
      this.index(m.sessionId).add(m.vector, m.importance, m.eventTime, m.id);
      this.total++;
    });
    return { loaded: this.total, skipped };
  }

  async remember(sessionId: string, event: Record<string, unknown>, importance: number): Promise<StoredMemory> {
    this.checkRoom(sessionId);
    const { vector, generated } = await this.embedder.embed(event);
    this.checkRoom(sessionId); // an async embedder may have let others in meanwhile
    const storedAt = this.now();
    const ts = event["timestamp"];
    const eventTime = typeof ts === "number" && Number.isFinite(ts) ? ts : storedAt;
    // Database first: the index never holds a memory the database lacks.
    const id = this.store.addMemory({ sessionId, eventJson: JSON.stringify(event), importance, eventTime, storedAt, vector, generated });
    this.index(sessionId).add(vector, importance, eventTime, id);
    this.total++;
    return { memoryId: `mem-${id}`, generated, storedAt };
  }

  async recall(sessionId: string, state: Record<string, unknown>, k: number): Promise<RetrievedMemory[]> {
    const index = this.sessions.get(sessionId);
    if (!index || index.count === 0) return [];
    const { vector } = await this.embedder.embed(state);
    const hits = await this.search(index, vector, k);
    const out: RetrievedMemory[] = [];
    for (let i = 0; i < hits.rows.length; i++) {
      const id = index.idAt(hits.rows[i] ?? 0);
      const rec = this.store.getMemory(id);
      if (!rec) continue;
      out.push({
        memory_id: `mem-${id}`,
        similarity: round4(hits.similarities[i] ?? 0),
        score: round4(hits.scores[i] ?? 0),
        importance: rec.importance,
        event: rec.event,
        timestamp: rec.eventTime,
      });
    }
    return out;
  }

  private async search(index: VectorIndex, query: Float32Array, k: number): Promise<SearchHits> {
    const snapshot = index.snapshot();
    const now = this.now();
    const slices = this.opts.search_slices;
    if (!this.pool || searchCost(snapshot, query) <= this.opts.pool_search_threshold || !index.isShared) {
      return search(snapshot, { query, k, weights: this.weights, now });
    }
    // Slices of more than a block end on block boundaries, so no task reads part of one.
    let per = Math.ceil(snapshot.count / slices);
    if (per > index.blockRows) per = Math.ceil(per / index.blockRows) * index.blockRows;
    const tasks: Promise<SearchHits>[] = [];
    for (let from = 0; from < snapshot.count; from += per) {
      const arg: AiSearchArg = { snapshot, query, k, weights: this.weights, now, from, to: Math.min(snapshot.count, from + per) };
      tasks.push(this.pool.run("aiservice.search", arg));
    }
    return mergeHits(await Promise.all(tasks), k);
  }

  /** Refuse (503, nothing stored) when the bank is at max_memories or a new session would pass max_memory_sessions. */
  private checkRoom(sessionId: string): void {
    const full = (what: string, limit: number, option: string): ApiError =>
      new ApiError(503, "SERVICE_UNAVAILABLE", `Memory store is full: ${limit} ${what} (${option}); nothing stored`, { [option]: limit });
    if (this.total >= this.opts.max_memories) throw full("memories", this.opts.max_memories, "max_memories");
    if (!this.sessions.has(sessionId) && this.sessions.size >= this.opts.max_memory_sessions) {
      throw full("sessions", this.opts.max_memory_sessions, "max_memory_sessions");
    }
  }

  private index(sessionId: string): VectorIndex {
    let idx = this.sessions.get(sessionId);
    if (!idx) {
      // Small at first (8 rows × dim floats): most sessions hold few memories; the index doubles as needed.
      idx = new VectorIndex(this.embedder.dim, { shared: true, initialCapacity: 8 });
      this.sessions.set(sessionId, idx);
    }
    return idx;
  }
}
