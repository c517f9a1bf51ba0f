/**
 * One Bun.serve listener per service, built from its route table with Bun's native
 * router. Pipeline: request id + traceparent → route hooks → body (size, content type,
 * JSON) → schema → handler → response; every failure leaves through the service's
 * error envelope, and every request lands in the per-route histogram.
 */
import type { Server, ServerWebSocket } from 'bun';
import { randomBytes } from 'node:crypto';
import type { ServiceConfig } from '../config.ts';
import { ApiError, codeForStatus, kernelError, logFailure, toApiError, type ErrorProfile } from './errors.ts';
import { isValidRequestId } from './idempotency.ts';
import type { Logger } from './log.ts';
import type { Metrics, OutcomeCounters } from './metrics.ts';
import { compilePattern, matchPattern, type CompiledPattern } from './router.ts';
import { DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_URL_BYTES, deepBodyError, oversizedRequest, raiseParserHeaderLimit, type RequestLimits } from './request-limits.ts';
import type { Hook, RequestContext, RouteDef, ServiceDef } from './service.ts';
import { traceFrom, type TraceContext } from './trace.ts';
import { compile, issueMessage, type Validator } from './validation.ts';
import type { TSchema } from '@sinclair/typebox';
import { DEFAULT_WS_OPTIONS, decode, IdleSweeper, makeConn, requestedCodec, validatorFor, type SocketData, type WsConn, type WsHub, type WsOptions, type WsRoute } from './ws.ts';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const JSON_TYPE = /\bjson\b/i;
/** The content type Response.json sends. */
const JSON_REPLY_HEADERS = new Headers({ 'content-type': 'application/json;charset=utf-8' });
/** Largest body Bun accepts at all; anything between a route's limit and this gets a 413 envelope. */
const HARD_BODY_CAP = 64 * 1_048_576;

interface CompiledRoute {
  def: RouteDef;
  pattern: CompiledPattern;
  validator: Validator<TSchema> | null;
  label: string;
  /** Hooks before the body is read (service's, then route's), and after validation. */
  before: Hook[];
  after: Hook[];
  /** The route's method carries a JSON body it parses. */
  readsBody: boolean;
  observe: (ms: number) => void;
  outcome: OutcomeCounters;
}

// Request ids: a per-process random prefix plus a counter; unique, and far cheaper than a UUID per request.
const ID_PREFIX = `${randomBytes(6).toString('hex')}-`;
let idSeq = 0;
export function newRequestId(): string {
  return ID_PREFIX + ++idSeq;
}

/** The client's X-Request-Id when usable (1-200 visible ASCII characters), else a new one. */
function requestIdOf(req: Request, given: string | null = req.headers.get('x-request-id')): string {
  return given !== null && isValidRequestId(given) ? given : newRequestId();
}

export interface HttpServiceDeps {
  metrics: Metrics;
  log: Logger;
  hub: WsHub;
  debug: boolean;
  ws?: Partial<WsOptions>;
}

export interface RunningHttpService {
  def: ServiceDef;
  server: Server<SocketData>;
  url: string;
  /** Runs a Request through the pipeline without a socket (peer calls, tests). */
  handle(request: Request): Promise<Response>;
  /** Requests currently being handled. */
  inFlight(): number;
  stop(): Promise<void>;
}

class Ctx implements RequestContext {
  body: unknown = undefined;
  readonly headers: Record<string, string> = {};
  readonly locals: Record<string, unknown> = {};
  private logger: Logger | null = null;
  private q: URLSearchParams | null = null;
  private t: TraceContext | null = null;
  private addr: string | null = null;
  private p: string | null = null;

  readonly requestId: string;

  constructor(
    readonly request: Request,
    readonly method: string,
    readonly params: Record<string, string>,
    readonly clientRequestId: string | null,
    private readonly server: Server<SocketData> | null,
    readonly startedAt: number,
    private readonly baseLog: Logger,
  ) {
    this.requestId = requestIdOf(request, clientRequestId);
  }

  /** Cut from the URL on first use: most handlers never read it. */
  get path(): string {
    this.p ??= pathOf(this.request.url);
    return this.p;
  }

  /** Parsed on first use: most requests never log. */
  get trace(): TraceContext {
    this.t ??= traceFrom(this.request.headers.get('traceparent'));
    return this.t;
  }

  get ip(): string {
    this.addr ??= this.server ? (this.server.requestIP(this.request)?.address ?? 'unknown') : 'in-process';
    return this.addr;
  }

  get query(): URLSearchParams {
    if (!this.q) {
      const i = this.request.url.indexOf('?');
      this.q = new URLSearchParams(i >= 0 ? this.request.url.slice(i + 1) : '');
    }
    return this.q;
  }

  /** Trace ids ride on every line this request logs. */
  get log(): Logger {
    if (!this.logger) {
      const base = this.baseLog;
      const f = { trace_id: this.trace.traceId, span_id: this.trace.spanId, request_id: this.requestId };
      this.logger = {
        level: base.level,
        debug: (m, x) => base.debug(m, { ...f, ...x }),
        info: (m, x) => base.info(m, { ...f, ...x }),
        warn: (m, x) => base.warn(m, { ...f, ...x }),
        error: (m, x) => base.error(m, { ...f, ...x }),
        child: (c) => base.child(c),
        enabled: (l) => base.enabled(l),
      };
    }
    return this.logger;
  }
}

function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start < 0) return '/';
  const q = url.indexOf('?', start);
  return q < 0 ? url.slice(start) : url.slice(start, q);
}

/** Only whitespace, as `text.trim() === ''` decides, without copying the body. */
function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (!WHITESPACE.has(text.charCodeAt(i))) return false;
  }
  return true;
}
/** The code points String.prototype.trim removes. */
const WHITESPACE = new Set([9, 10, 11, 12, 13, 32, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff]);

export function startHttpService(def: ServiceDef, cfg: ServiceConfig, deps: HttpServiceDeps): RunningHttpService {
  const profile = def.profile;
  const wsOpts: WsOptions = { ...DEFAULT_WS_OPTIONS, ...deps.ws };
  const histName = 'hotloop_http_request_duration_ms';
  const hooks = (...h: (Hook | undefined)[]): Hook[] => h.filter((x): x is Hook => x !== undefined);
  const routes: CompiledRoute[] = def.routes.map((r) => {
    const label = `${r.method} ${r.path}`;
    const validator = r.body ? compile(r.body) : null;
    return {
      def: r,
      pattern: compilePattern(r.path),
      validator,
      label,
      before: hooks(def.onRequest, r.onRequest),
      after: hooks(def.preHandler, r.preHandler),
      readsBody: BODY_METHODS.has(r.method) && (validator !== null || r.bodyOptional !== undefined),
      observe: deps.metrics.histogram(histName, { service: def.name, route: label }, 'HTTP request latency (ms)'),
      outcome: deps.metrics.httpOutcomes(def.name, label),
    };
  });
  const limits: RequestLimits = { maxUrlBytes: cfg.maxUrlBytes ?? DEFAULT_MAX_URL_BYTES, maxHeaderBytes: cfg.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES };
  raiseParserHeaderLimit();
  const wsRoutes = (def.ws ?? []).map((w) => ({ route: w as WsRoute<unknown>, pattern: compilePattern(w.path), validator: validatorFor(w as WsRoute<unknown>) }));
  let inFlight = 0;
  const idle = new IdleSweeper(wsOpts.idleTimeoutSec * 1000);
  const wsFailed = (route: WsRoute<unknown>, conn: WsConn<unknown>, thrown: unknown): void => {
    const err = toApiError(profile, thrown);
    if (err.status >= 500) deps.log.error('ws handler failed', { path: route.path, error: err.message });
    conn.send({ type: 'error', error: { code: err.code, message: err.message, details: err.details } });
  };

  const cors = (req: Request, headers: Headers): void => {
    if (cfg.corsOrigins.length === 0) return;
    const origin = req.headers.get('origin');
    if (origin && (cfg.corsOrigins.includes('*') || cfg.corsOrigins.includes(origin))) {
      headers.set('Access-Control-Allow-Origin', cfg.corsOrigins.includes('*') ? '*' : origin);
      headers.set('Vary', 'Origin');
    }
  };

  const errorResponse = (err: ApiError, requestId: string, stack: string | undefined, extra: Record<string, string>): Response => {
    const body = profile.format(err, { requestId, stack, debug: deps.debug });
    return Response.json(body, { status: err.status, headers: { ...extra, ...err.headers, 'X-Request-Id': requestId } });
  };

  const finish = (r: CompiledRoute, startedAt: number, status: number, code: string | null): void => {
    r.observe(performance.now() - startedAt);
    r.outcome.count(status, code);
  };

  const finishUnmatched = (label: string, startedAt: number, status: number, code: string): void => {
    deps.metrics.observe(histName, { service: def.name, route: label }, performance.now() - startedAt, 'HTTP request latency (ms)');
    deps.metrics.httpOutcomes(def.name, label).count(status, code);
  };

  /** Size, content type and JSON of a body already read; then defaults and the schema. */
  function acceptBody(ctx: Ctx, r: CompiledRoute, text: string, limit: number): void {
    if (text.length > limit && Buffer.byteLength(text) > limit) throw kernelError(profile, 'payload_too_large', `Request body exceeds the ${limit}-byte limit`, { limit_bytes: limit });
    if (isBlank(text)) {
      if (!r.def.bodyOptional) throw kernelError(profile, 'bad_request', 'Request body is required (JSON)', {});
      ctx.body = r.validator ? r.validator.withDefaults({}) : {};
    } else {
      const type = ctx.request.headers.get('content-type');
      if (type !== null && !JSON_TYPE.test(type)) throw kernelError(profile, 'unsupported_media_type', `Content-Type must be application/json, got ${type}`, { content_type: type });
      try {
        ctx.body = JSON.parse(text);
      } catch (e) {
        throw kernelError(profile, 'bad_request', `Malformed JSON: ${e instanceof Error ? e.message : String(e)}`, {});
      }
      if (r.validator) ctx.body = r.validator.withDefaults(ctx.body);
    }
    if (r.validator) {
      const issue = r.validator.firstIssue(ctx.body);
      if (issue) {
        throw r.def.validationError?.(issue, ctx) ??
          kernelError(profile, 'validation', issueMessage(issue), { field: issue.field, expected: issue.expected, received: issue.received });
      }
    }
  }

  /**
   * Hooks, body and handler, synchronously for as long as each step is: the first step that
   * returns a promise continues from its resolution, so a synchronous hook costs no
   * microtask turn, and a body route with synchronous steps answers from inside the one
   * callback that receives its body. Returns the response (or a promise of it that never
   * rejects: every failure becomes the envelope).
   */
  function proceed(ctx: Ctx, r: CompiledRoute, from: number): Response | Promise<Response> {
    try {
      for (let i = from; i < r.before.length; i++) {
        const p = r.before[i]!(ctx);
        if (p instanceof Promise) return p.then(() => proceed(ctx, r, i + 1), (e: unknown) => fail(ctx, r, e));
      }
      if (!r.readsBody) return respond(ctx, r, afterBody(ctx, r, 0));
      const limit = r.def.maxBodyBytes ?? cfg.maxBodyBytes;
      const declared = Number(ctx.request.headers.get('content-length') ?? '0');
      if (declared > limit) throw kernelError(profile, 'payload_too_large', `Request body of ${declared} bytes exceeds the ${limit}-byte limit`, { limit_bytes: limit });
      return ctx.request.text().then((text) => {
        try {
          acceptBody(ctx, r, text, limit);
          return respond(ctx, r, afterBody(ctx, r, 0));
        } catch (e) {
          return fail(ctx, r, e);
        }
      }, (e: unknown) => fail(ctx, r, e));
    } catch (e) {
      return fail(ctx, r, e);
    }
  }

  /** The handler's value (or promise of one) as the response. */
  function respond(ctx: Ctx, r: CompiledRoute, out: unknown): Response | Promise<Response> {
    return out instanceof Promise ? out.then((v: unknown) => reply(ctx, r, v), (e: unknown) => fail(ctx, r, e)) : reply(ctx, r, out);
  }

  function afterBody(ctx: Ctx, r: CompiledRoute, from: number): unknown {
    for (let i = from; i < r.after.length; i++) {
      const p = r.after[i]!(ctx);
      if (p instanceof Promise) return p.then(() => afterBody(ctx, r, i + 1));
    }
    return r.def.handler(ctx);
  }

  function reply(ctx: Ctx, r: CompiledRoute, out: unknown): Response {
    let res: Response;
    try {
      if (out instanceof Response) {
        res = out;
        for (const k in ctx.headers) res.headers.set(k, ctx.headers[k]!);
        if (!res.headers.has('X-Request-Id')) res.headers.set('X-Request-Id', ctx.requestId);
      } else {
        // Serialised here and sent with a shared Headers object, which is copied faster than
        // a record is parsed (what Response.json(out, {headers}) does).
        const text = JSON.stringify(out);
        if (text === undefined) {
          ctx.headers['X-Request-Id'] = ctx.requestId;
          res = Response.json(out, { status: 200, headers: ctx.headers });
        } else {
          res = new Response(text, { headers: JSON_REPLY_HEADERS });
          for (const k in ctx.headers) res.headers.set(k, ctx.headers[k]!);
          res.headers.set('X-Request-Id', ctx.requestId);
        }
      }
    } catch (thrown) {
      return fail(ctx, r, thrown); // a reply that cannot be serialised (e.g. an echoed body too deep)
    }
    inFlight--;
    if (cfg.corsOrigins.length > 0) cors(ctx.request, res.headers);
    finish(r, ctx.startedAt, res.status, res.status >= 400 ? codeForStatus(profile, res.status) : null);
    return res;
  }

  function fail(ctx: Ctx, r: CompiledRoute, thrown: unknown): Response {
    const tooDeep = deepBodyError(thrown, ctx.body, profile);
    const err = tooDeep ?? toApiError(profile, thrown);
    logFailure(ctx.log, r.label, err, tooDeep ?? thrown);
    inFlight--;
    const res = errorResponse(err, ctx.requestId, thrown instanceof Error ? thrown.stack : undefined, ctx.headers);
    if (cfg.corsOrigins.length > 0) cors(ctx.request, res.headers);
    finish(r, ctx.startedAt, res.status, err.code);
    return res;
  }

  function run(req: Request, r: CompiledRoute, params: Record<string, string>, server: Server<SocketData> | null): Response | Promise<Response> {
    const startedAt = performance.now();
    inFlight++;
    const ctx = new Ctx(req, r.def.method, params, req.headers.get('x-request-id'), server, startedAt, deps.log);
    const oversized = oversizedRequest(req, limits, profile);
    if (oversized) return fail(ctx, r, oversized);
    return proceed(ctx, r, 0);
  }

  /** Requests Bun's router did not match: preflight, WS upgrades, 405 vs 404. */
  async function fallback(req: Request, server: Server<SocketData> | null): Promise<Response | undefined> {
    const path = pathOf(req.url);
    const oversized = oversizedRequest(req, limits, profile);
    if (oversized) {
      const startedAt = performance.now();
      const res = errorResponse(oversized, requestIdOf(req), undefined, {});
      finishUnmatched(oversized.status === 414 ? 'uri_too_long' : 'headers_too_large', startedAt, res.status, oversized.code);
      return res;
    }
    if (server) {
      for (const w of wsRoutes) {
        const params = matchPattern(w.pattern, path);
        if (!params) continue;
        return upgrade(req, server, w.route, w.validator, params);
      }
    }
    const matched = routes.filter((r) => matchPattern(r.pattern, path) !== null);
    if (req.method === 'OPTIONS' && cfg.corsOrigins.length > 0 && matched.length > 0) {
      const h = new Headers({ 'Access-Control-Allow-Methods': matched.map((m) => m.def.method).join(', '), 'Access-Control-Allow-Headers': 'Content-Type, Authorization, X-Request-Id, traceparent' });
      cors(req, h);
      return new Response(null, { status: 204, headers: h });
    }
    const requestId = requestIdOf(req);
    const startedAt = performance.now();
    const allowed = [...new Set(matched.map((m) => m.def.method))].join(', ');
    const err = matched.length > 0
      ? kernelError(profile, 'method_not_allowed', `Method ${req.method} is not allowed on ${path}; allowed: ${allowed}`, { allowed })
      : kernelError(profile, 'not_found', `No route for ${req.method} ${path}`, { path });
    const res = errorResponse(err, requestId, undefined, matched.length > 0 ? { Allow: allowed } : {});
    finishUnmatched(matched.length > 0 ? 'method_not_allowed' : 'not_found', startedAt, res.status, err.code);
    return res;
  }

  async function upgrade(req: Request, server: Server<SocketData>, route: WsRoute<unknown>, validator: Validator<TSchema> | null, params: Record<string, string>): Promise<Response | undefined> {
    const ctx = new Ctx(req, req.method, params, req.headers.get('x-request-id'), server, performance.now(), deps.log);
    const requestId = ctx.requestId;
    let user: unknown;
    try {
      if (def.onRequest && !route.upgrade) await def.onRequest(ctx);
      user = route.upgrade ? await route.upgrade(ctx) : undefined;
    } catch (thrown) {
      return errorResponse(toApiError(profile, thrown), requestId, undefined, {});
    }
    const codec = requestedCodec(req);
    const headers = codec === 'msgpack' && req.headers.get('sec-websocket-protocol') ? { 'Sec-WebSocket-Protocol': 'msgpack' } : undefined;
    if (server.upgrade(req, { data: { route, validator, codec, user, conn: null, active: true, idleSince: -1, pinged: false, congested: false }, headers })) return undefined;
    return errorResponse(kernelError(profile, 'bad_request', 'Expected a WebSocket upgrade request', {}), requestId, undefined, {});
  }

  const bunRoutes: Record<string, Record<string, (req: Request & { params: Record<string, string> }, server: Server<SocketData>) => Response | Promise<Response>>> = {};
  for (const r of routes) {
    const slot = (bunRoutes[r.def.path] ??= {});
    slot[r.def.method] = (req, server) => run(req, r, req.params, server);
  }

  const tls = cfg.tls ? { cert: Bun.file(cfg.tls.certFile), key: Bun.file(cfg.tls.keyFile) } : undefined;
  const server: Server<SocketData> = Bun.serve<SocketData>({
    hostname: cfg.host,
    port: cfg.port,
    tls,
    // Bun answers bodies above this with a bare 413 before our pipeline sees them, so it is
    // set well above every route's limit: declared lengths up to it get the service's
    // envelope from the Content-Length check, which runs before the body is read.
    maxRequestBodySize: Math.max(HARD_BODY_CAP, ...def.routes.map((r) => (r.maxBodyBytes ?? 0) * 2), cfg.maxBodyBytes * 2),
    routes: bunRoutes,
    fetch: (req, srv) => fallback(req, srv),
    error(e) {
      const err = toApiError(profile, e);
      deps.log.error('unhandled server error', { error: err.message });
      return errorResponse(err, newRequestId(), e.stack, {});
    },
    websocket: {
      // Idle sockets are closed by the kernel's sweeper (sub-second resolution, pings included).
      idleTimeout: 0,
      sendPings: false,
      maxPayloadLength: wsOpts.maxPayloadBytes,
      open(ws: ServerWebSocket<SocketData>) {
        ws.data.conn = makeConn(ws, deps.hub, wsOpts);
        deps.hub.connections++;
        idle.track(ws);
        ws.data.route.open?.(ws.data.conn);
      },
      // Synchronous unless the route's handler returns a promise: no async hop per frame.
      message(ws: ServerWebSocket<SocketData>, raw: string | Buffer) {
        const d = ws.data;
        d.active = true;
        const { route, validator, codec } = d;
        const conn = d.conn!;
        let msg: unknown;
        try {
          msg = decode(codec, raw);
        } catch (e) {
          const issue = { field: '(root)', expected: `a ${codec === 'json' ? 'JSON' : 'MessagePack'} message`, received: e instanceof Error ? e.message : 'undecodable frame' };
          if (route.invalid) route.invalid(conn, issue);
          else conn.send({ type: 'error', error: { code: profile.codes.bad_request, message: `Malformed frame: ${issue.received}`, details: issue } });
          return;
        }
        if (validator) {
          const issue = validator.firstIssue(msg);
          if (issue) {
            if (route.invalid) route.invalid(conn, issue);
            else conn.send({ type: 'error', error: { code: profile.codes.validation, message: issueMessage(issue), details: issue } });
            return;
          }
        }
        try {
          const out = route.message(conn, msg);
          if (out instanceof Promise) out.catch((thrown: unknown) => wsFailed(route, conn, thrown));
        } catch (thrown) {
          wsFailed(route, conn, thrown);
        }
      },
      pong(ws: ServerWebSocket<SocketData>) {
        ws.data.active = true;
      },
      drain(ws: ServerWebSocket<SocketData>) {
        ws.data.congested = false;
      },
      close(ws: ServerWebSocket<SocketData>, code: number, reason: string) {
        deps.hub.connections--;
        idle.untrack(ws);
        if (ws.data.conn) ws.data.route.close?.(ws.data.conn, code, reason);
      },
    },
  });
  deps.hub.bind(server);

  const handle = async (request: Request): Promise<Response> => {
    const path = pathOf(request.url);
    for (const r of routes) {
      if (r.def.method !== request.method) continue;
      const params = matchPattern(r.pattern, path);
      if (params) return run(request, r, params, null);
    }
    return (await fallback(request, null)) ?? new Response(null, { status: 500 });
  };

  return {
    def,
    server,
    url: `${tls ? 'https' : 'http'}://${cfg.host}:${server.port}`,
    handle,
    inFlight: () => inFlight,
    async stop() {
      deps.hub.bind(null);
      idle.stop();
      // Stop accepting, then let in-flight requests finish (bounded by the caller's deadline).
      void server.stop(false);
      const deadline = Date.now() + 4000;
      while (inFlight > 0 && Date.now() < deadline) await Bun.sleep(10);
      await server.stop(true);
    },
  };
}
