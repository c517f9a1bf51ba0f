/** OpenAPI 3.1 document generated from a service's route table and TypeBox schemas. */
import type { TSchema } from '@sinclair/typebox';
import type { ServiceDef } from './service.ts';

type Doc = Record<string, unknown>;

/** TypeBox schemas are JSON Schema; drop the symbol-keyed metadata and `$id` noise. */
function plain(schema: TSchema): unknown {
  return JSON.parse(JSON.stringify(schema));
}

export function openApiDocument(def: ServiceDef, serverUrl: string): Doc {
  const paths: Record<string, Record<string, Doc>> = {};
  for (const r of def.routes) {
    const oaPath = r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const params: Doc[] = [...r.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    for (const [name, q] of Object.entries(r.query ?? {})) params.push({ name, in: 'query', required: q.required ?? false, description: q.description, schema: { type: 'string' } });
    const responses: Record<string, Doc> = {};
    for (const [status, schema] of Object.entries(r.responses ?? {})) responses[status] = { description: `HTTP ${status}`, content: { 'application/json': { schema: plain(schema) } } };
    if (Object.keys(responses).length === 0) responses['200'] = { description: 'OK' };
    responses.default = { description: `Error (${def.profile.name} envelope)` };
    const op: Doc = { summary: r.summary ?? `${r.method} ${r.path}`, operationId: `${r.method.toLowerCase()}${oaPath.replace(/[^A-Za-z0-9]+/g, '_')}`, responses };
    if (params.length) op.parameters = params;
    if (r.body) op.requestBody = { required: !r.bodyOptional, content: { 'application/json': { schema: plain(r.body) } } };
    if (def.security && r.public) op.security = [];
    if (!r.body && r.rawBody) {
      const raw = r.rawBody;
      const content: Record<string, Doc> = {};
      for (const t of raw.contentTypes) content[t] = /json/.test(t) && raw.schema ? { schema: plain(raw.schema) } : { schema: { type: 'string', format: 'binary' } };
      op.requestBody = { required: true, ...(raw.description ? { description: raw.description } : {}), content };
    }
    (paths[oaPath] ??= {})[r.method.toLowerCase()] = op;
  }
  for (const w of def.ws ?? []) {
    (paths[w.path] ??= {}).get = { summary: w.summary ?? 'WebSocket', description: 'WebSocket upgrade. JSON frames by default; MessagePack with `Sec-WebSocket-Protocol: msgpack` or `?format=msgpack`.', responses: { '101': { description: 'Switching Protocols' } } };
  }
  const doc: Doc = { openapi: '3.1.0', info: { title: def.title ?? `hotloop ${def.name}`, version: def.version ?? '1.0.0' }, servers: [{ url: serverUrl }], paths };
  if (def.security) {
    doc.components = { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: def.security.bearer.description } } };
    doc.security = [{ bearerAuth: [] }];
  }
  return doc;
}
