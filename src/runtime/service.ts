/** What a service hands the kernel (routes, ws, hooks) and what the kernel hands it. */
import type { Static, TSchema } from '@sinclair/typebox';
import type { ServiceConfig } from '../config.ts';
import type { ApiError, ErrorProfile } from './errors.ts';
import type { LlmConfig, LlmProvider } from './llm.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import type { WorkerPool } from './pool.ts';
import type { TraceContext } from './trace.ts';
import type { ValidationIssue } from './validation.ts';
import type { WsHub, WsRoute } from './ws.ts';
import type { Peers } from './peers.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestContext<B = unknown> {
  readonly request: Request;
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** Parsed and validated JSON body (undefined for bodiless routes). */
  body: B;
  readonly requestId: string;
  /** X-Request-Id exactly as the client sent it (null when absent), e.g. to refuse an unusable one as an idempotency key. */
  readonly clientRequestId: string | null;
  readonly trace: TraceContext;
  /** Client address, or "in-process" for peer calls. */
  readonly ip: string;
  readonly log: Logger;
  /** Headers added to whatever response this request produces (rate-limit headers, ...). */
  readonly headers: Record<string, string>;
  /** performance.now() when the request arrived. */
  readonly startedAt: number;
  /** Per-request slot for hooks (e.g. the authenticated session). */
  readonly locals: Record<string, unknown>;
}

export type Hook = (ctx: RequestContext) => void | Promise<void>;

export interface RouteSpec<B extends TSchema = TSchema> {
  method: HttpMethod;
  /** Bun route syntax: `/api/v1/action/:task_id`. */
  path: string;
  summary?: string;
  /** JSON body schema; omit for bodiless routes. */
  body?: B;
  /** An empty body is treated as `{}` (schema defaults apply) instead of a 400. */
  bodyOptional?: boolean;
  /**
   * A body the handler reads itself (non-JSON content types, its own size rules): documented
   * in OpenAPI only; the kernel does not read, parse or validate it. Use `body` otherwise.
   */
  rawBody?: { contentTypes: string[]; schema?: TSchema; description?: string };
  /** Documented query parameters (strings), for OpenAPI only; handlers read ctx.query. */
  query?: Record<string, { description: string; required?: boolean }>;
  /** Response schemas by status, for OpenAPI. */
  responses?: Record<number, TSchema>;
  /** OpenAPI only: this route needs no credentials even when the service declares `security`. */
  public?: boolean;
  maxBodyBytes?: number;
  /** Maps a schema failure to this route's error (default: the profile's validation error). */
  validationError?: (issue: ValidationIssue, ctx: RequestContext) => ApiError;
  /** Runs before the body is read (auth, rate limits). */
  onRequest?: Hook;
  /** Runs after validation, before the handler. */
  preHandler?: Hook;
  /** Result: a Response, or any JSON value sent as 200. */
  handler(ctx: RequestContext<Static<B>>): unknown;
}

/** Erased route type stored in tables; `route()` keeps inference at the definition. */
export type RouteDef = RouteSpec<TSchema>;

export function route<B extends TSchema>(spec: RouteSpec<B>): RouteDef {
  return spec as unknown as RouteDef;
}

export interface ServiceDef {
  name: string;
  /** Title and version for the OpenAPI document. */
  title?: string;
  version?: string;
  /** OpenAPI only (enforcement stays in the service's hooks): every route needs `Authorization: Bearer`. */
  security?: { bearer: { description: string } };
  profile: ErrorProfile;
  routes: RouteDef[];
  ws?: WsRoute[];
  /** Service-wide hooks, run before the route's own. */
  onRequest?: Hook;
  preHandler?: Hook;
  /** Flush and close resources (databases, timers). Called once on shutdown. */
  close?(): void | Promise<void>;
  /** Lines appended to the admin /metrics output (service-specific series). */
  renderMetrics?(): string;
}

export interface ServiceContext {
  name: string;
  config: ServiceConfig;
  /** Root data dir; services keep `<dataDir>/<name>.sqlite` and their own subfolders. */
  dataDir: string;
  debug: boolean;
  pool: WorkerPool;
  metrics: Metrics;
  log: Logger;
  llm: LlmProvider;
  llmConfig: LlmConfig;
  ws: WsHub;
  peers: Peers;
  env: Readonly<Record<string, string | undefined>>;
  /** Wall clock in ms; replaceable in tests. */
  now: () => number;
}

export type ServiceFactory = (ctx: ServiceContext) => ServiceDef | Promise<ServiceDef>;
