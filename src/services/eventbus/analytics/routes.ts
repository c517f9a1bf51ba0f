/** POST /api/v1/query (QueryMetrics): one read-only SELECT/WITH over the event index and derived tables. */
import { route, type RouteDef } from '../../../runtime/service.ts';
import { componentError } from '../bus-io/errors.ts';
import { checkSql } from './engine/sql-guard.ts';
import type { QueryPool } from './query-pool.ts';

export interface QueryLimits {
  maxRows: number;
  maxBytes: number;
  defaultTimeoutMs: number;
  maxTimeoutMs: number;
  maxSqlBytes: number;
}

type Param = string | number | null;

function params(v: unknown): Param[] | Record<string, Param> {
  const ok = (x: unknown): x is Param => x === null || typeof x === 'string' || (typeof x === 'number' && Number.isFinite(x));
  if (v === undefined || v === null) return [];
  if (Array.isArray(v) && v.every(ok)) return v;
  if (typeof v === 'object' && !Array.isArray(v) && Object.values(v).every(ok)) return v as Record<string, Param>;
  throw componentError('VALIDATION_ERROR', '"params" must be a list (for ?) or an object (for :name) of strings, numbers or nulls', { field: 'params' });
}

export function analyticsRoutes(pool: QueryPool, limits: QueryLimits, before: () => Promise<{ as_of_sequence: number; head_sequence: number }>, observe: (ms: number) => void): RouteDef[] {
  return [
    route({
      method: 'POST', path: '/api/v1/query',
      summary: 'QueryMetrics: {sql, params?, max_rows?, timeout_ms?} as JSON, or the SQL itself as text/plain or application/sql; tables: events, games, rounds, decisions, metrics',
      rawBody: { contentTypes: ['application/json', 'text/plain', 'application/sql'], description: 'One SELECT or WITH statement; writes, ATTACH, PRAGMA, load_extension and several statements are refused with 400 QUERY_REJECTED' },
      maxBodyBytes: limits.maxSqlBytes + 4096,
      handler: async (ctx) => {
        const type = ctx.request.headers.get('content-type') ?? '';
        const text = await ctx.request.text();
        if (text.length > limits.maxSqlBytes + 4096) throw componentError('VALIDATION_ERROR', `the body is larger than ${limits.maxSqlBytes} bytes`);
        let sql: unknown = text;
        let body: Record<string, unknown> = {};
        if (/json/i.test(type) || (type === '' && text.trimStart().startsWith('{'))) {
          try {
            body = JSON.parse(text) as Record<string, unknown>;
          } catch (e) {
            throw componentError('VALIDATION_ERROR', `Malformed JSON: ${e instanceof Error ? e.message : String(e)}`);
          }
          if (typeof body !== 'object' || body === null || Array.isArray(body)) throw componentError('VALIDATION_ERROR', 'the body is {sql, params?, max_rows?, timeout_ms?}');
          sql = body.sql ?? body.query;
        } else if (type !== '' && !/text\/plain|application\/sql/i.test(type)) throw componentError('VALIDATION_ERROR', `Content-Type must be application/json, text/plain or application/sql, got ${type.slice(0, 80)}`);
        if (typeof sql !== 'string') throw componentError('VALIDATION_ERROR', '"sql" must be a string holding one SELECT or WITH statement', { field: 'sql' });
        if (sql.length > limits.maxSqlBytes) throw componentError('VALIDATION_ERROR', `the query is longer than ${limits.maxSqlBytes} characters`, { field: 'sql' });
        const g = checkSql(sql);
        if (!g.ok) throw componentError('QUERY_REJECTED', g.message, { reason: g.reason });
        const maxRows = body.max_rows ?? limits.maxRows;
        if (typeof maxRows !== 'number' || !Number.isInteger(maxRows) || maxRows < 1 || maxRows > limits.maxRows) throw componentError('VALIDATION_ERROR', `max_rows must be an integer from 1 to ${limits.maxRows}`, { field: 'max_rows' });
        const timeoutMs = body.timeout_ms ?? limits.defaultTimeoutMs;
        if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 1 || timeoutMs > limits.maxTimeoutMs) throw componentError('VALIDATION_ERROR', `timeout_ms must be from 1 to ${limits.maxTimeoutMs}`, { field: 'timeout_ms' });
        const p = params(body.params);
        const seqs = await before();
        const r = await pool.run({ sql: g.sql, params: p, maxRows, maxBytes: limits.maxBytes }, timeoutMs);
        observe(performance.now() - ctx.startedAt);
        return { columns: r.columns, rows: r.rows, row_count: r.rows.length, truncated: r.truncated, max_rows: maxRows, elapsed_ms: r.elapsed_ms, ...seqs };
      },
    }),
  ];
}
