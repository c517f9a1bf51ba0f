/**
 * What a service contributes to the drills (one `drill/services/<name>.ts` entry each)
 * and what every drill reports (one table row per drill and service).
 */
import type { EnvelopeKind } from './envelope.ts';
import type { Exchange } from './http.ts';
import type { Rng } from './rng.ts';
import type { DrillServer } from './server.ts';

/** One row of the drill table (and of `bench/results/drills.json`). */
export interface DrillRow {
  drill: string;
  service: string;
  /** Requests (or frames) the drill sent. */
  operations: number;
  /** Writes the server acknowledged (2xx), or replies judged correct for drills without writes. */
  acknowledged: number;
  /** Acknowledged writes found after the restart (null where nothing is restarted). */
  found_after: number | null;
  /** Acknowledged writes missing after the restart. */
  lost: number;
  /** Anything the drill counts against the service: undocumented statuses, bad envelopes, 500s, duplicates, timeouts. */
  errors: number;
  /** Server resident set size at the end, MiB. */
  rss_mb: number | null;
  /** p99 latency of the drill's requests, ms. */
  p99_ms: number | null;
  verdict: 'pass' | 'fail' | 'skip';
  /** The server process died on its own during the drill. */
  server_died: boolean;
  seed: number;
  /** Why it failed or was skipped, what was found, and how to replay. */
  notes: string[];
}

/** A running server as one service entry sees it. */
export interface Running {
  server: DrillServer;
  /** This service's base URL. */
  url: string;
}

/** Per start of the server: auth headers and ids a drill needs (tokens, sessions). */
export interface Session {
  headers: Record<string, string>;
  /** Known-good values for fuzzing (`session_id` → a real session), by field or path parameter name. */
  ids: Record<string, string[]>;
  /** A digest of the state rejected requests must not change (counts read from public endpoints). */
  digest(): Promise<string>;
}

export type WriteResult =
  | { kind: 'acked'; data: unknown }
  | { kind: 'rejected'; status: number; reply: string; exchange?: Exchange }
  | { kind: 'unknown'; reason: string };

export interface LedgerEntry {
  id: number;
  round: number;
  client: number;
  outcome: 'pending' | 'acked' | 'rejected' | 'unknown';
  /** What the acknowledgement said (sequence, id, height...). */
  data?: unknown;
  status?: number;
  /** Re-sent after a restart with its idempotency key. */
  retried?: boolean;
}

export interface VerifyResult {
  /** Acknowledged writes found, each exactly once and as acknowledged. */
  found: number;
  lost: string[];
  duplicated: string[];
  /** Writes stored in part (a count without its row, a row without its index entry...). */
  halfPresent: string[];
  /** Stored though refused, or not in the ledger at all. */
  phantom: string[];
  /** In-flight writes (no reply before the kill) that did commit, once. */
  unknownPresent: number;
  notes: string[];
}

export interface WriteTarget {
  id: number;
  round: number;
  client: number;
}

/** A durable write a service acknowledges, and how to find every one after a restart. */
export interface DurableWrites<S = unknown> {
  /** e.g. `ticks`, `programs`, `turns`. */
  name: string;
  clients: number;
  /** Writes per second per client. */
  hz: number;
  /** After every start (same data dir): sessions, tokens; `prev` is what the previous start returned. */
  prepare(r: Running, prev: S | undefined): Promise<S>;
  write(r: Running, s: S, t: WriteTarget): Promise<WriteResult>;
  verify(r: Running, s: S, ledger: readonly LedgerEntry[]): Promise<VerifyResult>;
  /** Re-sends a write whose reply was lost, with the same idempotency key (services that have one). */
  retry?(r: Running, s: S, e: LedgerEntry): Promise<WriteResult>;
}

export interface HttpRequest {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A WebSocket endpoint: how to open it and a frame that must always be answered. */
export interface WsEndpoint {
  path: string;
  /** Frame sent after open (auth), and the reply that means ready. */
  hello?(s: Session): unknown;
  isReady?(msg: unknown): boolean;
  /** URL query to add (e.g. `patterns=game.>`). */
  query?: string;
  probe(seq: number): unknown;
  /** The seq a reply answers; null for other frames. Endpoints whose replies carry no seq answer in order (`fifo`). */
  replySeq?(msg: unknown): number | null;
  isProbeReply(msg: unknown): boolean;
}

export interface SoakHttp {
  name: string;
  hz: number;
  make(s: Session, i: number, rng: Rng): HttpRequest;
  /** Statuses counted as correct (default 2xx). */
  ok?(x: Exchange): boolean;
}

/**
 * Soak traffic is shaped to a steady state: reads look at data of a fixed size (seeded by
 * `setup`), writes add data elsewhere at a low rate, so a trend in latency or memory is
 * the server's, not the data set's. Each service has one route at 20 Hz or more, enough
 * requests per window for its p99 to mean something.
 */
export interface SoakSpec {
  /** Seeds the read-only data the soak's reads use; may add ids to the session. */
  setup?(r: Running, s: Session): Promise<void>;
  http: SoakHttp[];
  ws: { endpoint: WsEndpoint; clients: number; hz: number }[];
}

/** A route whose work runs in the worker pool, for the worker-fault drill. */
export interface PoolRoute {
  task: string;
  /** Drill configuration that sends this route's work to the pool quickly. */
  sets: Record<string, string>;
  request(s: Session, i: number): HttpRequest;
  /** Prepares state the route needs (e.g. a world) on a fresh server. */
  setup?(r: Running, s: Session): Promise<void>;
}

export interface FuzzSpec {
  /** Generators for fields the schema cannot describe usefully (`session_id` → a real one sometimes). */
  hints?: Record<string, (rng: Rng, s: Session) => unknown>;
  /** Routes not fuzzed, with why (`METHOD /openapi/path`). */
  skip?: Record<string, string>;
  /** Routes that end the fuzz session (archive, revoke): fuzzed after every other route. */
  terminal?: string[];
  /** Extra statuses allowed on one route (`POST /init` → 500 for a folder that is not a world). */
  routeStatuses?: Record<string, number[]>;
  /** Turns a reply into a failure the generic checks cannot see (null when fine). */
  extraCheck?(x: Exchange, route: string): string | null;
}

export interface DependencyContext {
  seed: number;
  quick: boolean;
}

export interface ServiceDrill {
  name: string;
  envelope: EnvelopeKind;
  /** Every status the spec or the service README documents for some route. */
  statuses: number[];
  /** Drill configuration: rate limits raised so drills measure durability, not throttling. */
  sets?: Record<string, string>;
  env?: Record<string, string>;
  session(r: Running): Promise<Session>;
  durable: DurableWrites[];
  fuzz: FuzzSpec;
  ws: WsEndpoint[];
  soak: SoakSpec;
  pool: PoolRoute[];
  /** Dependency-fault drills (AI service, LLM endpoint, NATS): one row each. */
  dependencies: { name: string; run(ctx: DependencyContext): Promise<DrillRow> }[];
  /** A read that must keep answering while the disk is full or read-only. */
  reads: (s: Session) => HttpRequest[];
}
