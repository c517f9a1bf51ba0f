/** POST /graphql and GET /graphql?query= (answers in GraphQL's format, never the bus envelope), and WS /ws/knowledge. */
import { route, type RequestContext, type RouteDef } from '../../../runtime/service.ts';
import type { WsRoute } from '../../../runtime/ws.ts';
import { broadcastSocket } from '../bus-io/broadcast.ts';
import type { GqlExecutor, GqlReply, GqlRequest } from './gql/exec.ts';

export const KNOWLEDGE_TOPIC = 'eventbus:knowledge';

const reply = (r: GqlReply): Response => Response.json(r.body, { status: r.status, headers: { ...(r.headers ?? {}), 'Cache-Control': 'no-store' } });
const requestError = (status: number, message: string, code: string): Response => Response.json({ errors: [{ message, extensions: { code } }] }, { status });

export function knowledgeRoutes(exec: GqlExecutor, maxBodyBytes: number, observe: (kind: string, ms: number) => void): RouteDef[] {
  const run = async (ctx: RequestContext, req: GqlRequest, method: 'GET' | 'POST'): Promise<Response> => {
    const r = await exec.run(req, method);
    observe(r.kind, performance.now() - ctx.startedAt);
    return reply(r);
  };
  return [
    route({
      method: 'POST', path: '/graphql', summary: 'GraphQL: {query, variables, operationName} as application/json, or the query as application/graphql',
      rawBody: { contentTypes: ['application/json', 'application/graphql'], description: 'Answers {data, errors}: 400 for request errors (syntax, validation, depth, complexity), 200 otherwise' },
      maxBodyBytes,
      handler: async (ctx) => {
        const type = ctx.request.headers.get('content-type') ?? 'application/json';
        const declared = Number(ctx.request.headers.get('content-length') ?? '0');
        if (declared > maxBodyBytes) return requestError(413, `the body is larger than ${maxBodyBytes} bytes`, 'PAYLOAD_TOO_LARGE');
        const text = await ctx.request.text();
        if (text.length > maxBodyBytes) return requestError(413, `the body is larger than ${maxBodyBytes} bytes`, 'PAYLOAD_TOO_LARGE');
        if (/application\/graphql/i.test(type)) return run(ctx, { query: text }, 'POST');
        if (!/json/i.test(type)) return requestError(415, `Content-Type must be application/json or application/graphql, got ${type.slice(0, 80)}`, 'UNSUPPORTED_MEDIA_TYPE');
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch (e) {
          return requestError(400, `the body is not JSON: ${e instanceof Error ? e.message : String(e)}`, 'BAD_REQUEST');
        }
        if (typeof body !== 'object' || body === null || Array.isArray(body)) return requestError(400, 'the body must be an object {query, variables, operationName}', 'BAD_REQUEST');
        const b = body as Record<string, unknown>;
        return run(ctx, { query: b.query, variables: b.variables, operationName: b.operationName }, 'POST');
      },
    }),
    route({
      method: 'GET', path: '/graphql', summary: 'GraphQL query over GET (?query=&variables=&operationName=); mutations need POST',
      query: { query: { description: 'the GraphQL document', required: true }, variables: { description: 'JSON object' }, operationName: { description: 'which operation to run' } },
      handler: (ctx) => {
        let variables: unknown;
        const raw = ctx.query.get('variables');
        if (raw !== null && raw !== '') {
          try {
            variables = JSON.parse(raw);
          } catch {
            return requestError(400, '"variables" is not JSON', 'BAD_REQUEST');
          }
        }
        return run(ctx, { query: ctx.query.get('query') ?? undefined, variables, operationName: ctx.query.get('operationName') ?? undefined }, 'GET');
      },
    }),
  ];
}

export function knowledgeSocket(welcome: () => Record<string, unknown>): WsRoute<null> {
  return broadcastSocket({ path: '/ws/knowledge', summary: 'Every change to the knowledge graph: {type:"change", version, sequence, change:{kind, ...}}', topic: KNOWLEDGE_TOPIC, welcome });
}
