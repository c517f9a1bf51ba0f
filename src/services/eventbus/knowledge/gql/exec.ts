/**
 * Runs GraphQL operations: parsed and validated documents are cached (an LRU keyed by
 * the query text), depth and complexity are bounded, queries stop at 50 ms and mutations
 * answer within 200 ms (the spec's limits), and at most 100 operations run at once.
 * Every outcome is in GraphQL's format `{data, errors}`: request errors (no query, syntax,
 * validation, limits) are 400, a mutation over GET 405, too many at once 503, execution
 * errors 200 — never a 500.
 */
import { execute, getOperationAST, GraphQLError, parse, validate, type DocumentNode, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import type { CircuitBreaker } from '../../breakers/breaker.ts';
import { measure } from './limits.ts';
import { rootValue, type GqlContext } from './resolvers.ts';
import { knowledgeSchema } from './schema.ts';

export interface GqlLimits {
  queryTimeoutMs: number;
  mutationTimeoutMs: number;
  maxConcurrent: number;
  maxDepth: number;
  maxComplexity: number;
  defaultListSize: number;
  maxQueryBytes: number;
  cacheSize: number;
}

export interface GqlRequest {
  query: unknown;
  variables?: unknown;
  operationName?: unknown;
}

export interface GqlReply {
  status: number;
  body: { data?: unknown; errors?: GraphQLFormattedError[] };
  headers?: Record<string, string>;
  kind: 'query' | 'mutation' | 'rejected';
}

interface Cached {
  doc: DocumentNode | null;
  errors: GraphQLFormattedError[] | null;
}

const err = (message: string, code: string, extra: Record<string, unknown> = {}): GraphQLFormattedError => ({ message, extensions: { code, ...extra } });

export class GqlExecutor {
  private readonly cache = new Map<string, Cached>();
  private readonly root = rootValue();
  private inFlight = 0;
  hits = 0;
  misses = 0;
  timeouts = 0;

  constructor(
    private readonly limits: GqlLimits,
    private readonly context: () => Omit<GqlContext, 'deadline' | 'timeoutMs'>,
    private readonly breaker: CircuitBreaker,
    private readonly onFailure: (kind: string, message: string) => void,
  ) {}

  running(): number {
    return this.inFlight;
  }

  private document(query: string): Cached {
    const hit = this.cache.get(query);
    if (hit) {
      this.hits++;
      // LRU: a hit moves to the back.
      this.cache.delete(query);
      this.cache.set(query, hit);
      return hit;
    }
    this.misses++;
    let entry: Cached;
    try {
      const doc = parse(query, { maxTokens: 10_000 });
      const errors = validate(knowledgeSchema(), doc);
      entry = errors.length ? { doc: null, errors: errors.map((e) => ({ ...e.toJSON(), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })) } : { doc, errors: null };
    } catch (e) {
      const ge = e instanceof GraphQLError ? e : new GraphQLError(String(e));
      entry = { doc: null, errors: [{ ...ge.toJSON(), extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] };
    }
    this.cache.set(query, entry);
    if (this.cache.size > this.limits.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    return entry;
  }

  async run(req: GqlRequest, method: 'GET' | 'POST'): Promise<GqlReply> {
    const bad = (status: number, e: GraphQLFormattedError[], headers?: Record<string, string>): GqlReply => ({ status, body: { errors: e }, kind: 'rejected', ...(headers ? { headers } : {}) });
    if (typeof req.query !== 'string' || req.query.trim() === '') return bad(400, [err('a GraphQL request needs a "query" string', 'BAD_REQUEST')]);
    if (req.query.length > this.limits.maxQueryBytes) return bad(413, [err(`the query is longer than ${this.limits.maxQueryBytes} characters`, 'QUERY_TOO_LARGE')]);
    if (req.variables !== undefined && req.variables !== null && (typeof req.variables !== 'object' || Array.isArray(req.variables))) return bad(400, [err('"variables" must be an object', 'BAD_REQUEST')]);
    if (req.operationName !== undefined && req.operationName !== null && typeof req.operationName !== 'string') return bad(400, [err('"operationName" must be a string', 'BAD_REQUEST')]);
    const { doc, errors } = this.document(req.query);
    if (!doc) return bad(400, errors!);
    const opName = (req.operationName as string | undefined) ?? undefined;
    const op = getOperationAST(doc, opName);
    if (!op) return bad(400, [err(opName ? `no operation named "${opName}"` : 'the document has several operations: give "operationName"', 'BAD_REQUEST')]);
    if (op.operation === 'subscription') return bad(400, [err('subscriptions are served on WS /ws/knowledge', 'BAD_REQUEST')]);
    if (method === 'GET' && op.operation === 'mutation') return bad(405, [err('mutations are not run over GET: use POST', 'METHOD_NOT_ALLOWED')], { Allow: 'POST' });
    const vars = (req.variables ?? {}) as Record<string, unknown>;
    const m = measure(knowledgeSchema(), doc, op, vars, this.limits.defaultListSize);
    if (m.depth > this.limits.maxDepth) return bad(400, [err(`the query is ${m.depth} levels deep; at most ${this.limits.maxDepth} are allowed`, 'QUERY_TOO_DEEP', { depth: m.depth, max_depth: this.limits.maxDepth })]);
    if (m.cost > this.limits.maxComplexity) return bad(400, [err(`the query's complexity is ${m.cost}; at most ${this.limits.maxComplexity} is allowed (list fields multiply their children by their limit)`, 'QUERY_TOO_COMPLEX', { complexity: m.cost, max_complexity: this.limits.maxComplexity })]);
    if (this.inFlight >= this.limits.maxConcurrent) return bad(503, [err(`at most ${this.limits.maxConcurrent} GraphQL operations run at once`, 'TOO_MANY_OPERATIONS', { max_concurrent: this.limits.maxConcurrent })], { 'Retry-After': '1' });
    if (!this.breaker.allow()) return bad(503, [err('the knowledge graph circuit breaker is open after repeated failures', 'CIRCUIT_OPEN', { retry_after_ms: this.breaker.retryAfterMs() })], { 'Retry-After': String(Math.max(1, Math.ceil(this.breaker.retryAfterMs() / 1000))) });
    const mutation = op.operation === 'mutation';
    const timeoutMs = mutation ? this.limits.mutationTimeoutMs : this.limits.queryTimeoutMs;
    const ctx: GqlContext = { ...this.context(), deadline: performance.now() + timeoutMs, timeoutMs };
    this.inFlight++;
    try {
      let result: ExecutionResult;
      try {
        const r = execute({ schema: knowledgeSchema(), document: doc, rootValue: this.root, contextValue: ctx, variableValues: vars, operationName: opName });
        result = r instanceof Promise ? await r : r;
      } catch (e) {
        result = { errors: [e instanceof GraphQLError ? e : new GraphQLError(e instanceof Error ? e.message : String(e))] };
      }
      const errs = result.errors?.map((e) => e.toJSON());
      const timedOut = errs?.some((e) => e.extensions?.code === 'TIMEOUT') ?? false;
      const internal = result.errors?.some((e) => e.originalError && !(e.originalError instanceof GraphQLError)) ?? false;
      if (timedOut || internal) {
        if (timedOut) this.timeouts++;
        this.breaker.failure(timedOut ? 'query timeout' : 'resolver error');
        this.onFailure(timedOut ? 'timeout' : 'resolver_error', errs!.map((e) => e.message).join('; '));
      } else this.breaker.success();
      // No data at all means the request itself was wrong (e.g. variables of the wrong type).
      if (!('data' in result) || result.data === undefined) return { status: 400, body: { errors: errs ?? [] }, kind: 'rejected' };
      return { status: 200, body: errs ? { data: result.data, errors: errs } : { data: result.data }, kind: mutation ? 'mutation' : 'query' };
    } finally {
      this.inFlight--;
    }
  }
}
