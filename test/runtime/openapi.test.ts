import { describe, expect, test } from 'bun:test';
import { Type } from '@sinclair/typebox';
import { plainProfile } from '../../src/runtime/errors.ts';
import { openApiDocument } from '../../src/runtime/openapi.ts';
import { route, type ServiceDef } from '../../src/runtime/service.ts';

const routes = [
  route({ method: 'GET', path: '/health', public: true, responses: { 200: Type.Object({ status: Type.String() }) }, handler: () => ({ status: 'ok' }) }),
  route({ method: 'GET', path: '/secret', handler: () => ({}) }),
];

describe('openapi document', () => {
  test('a service declaring bearer security gets the scheme, a global requirement and open public routes', () => {
    const def: ServiceDef = { name: 'x', profile: plainProfile, routes, security: { bearer: { description: 'token from the data dir' } } };
    const doc = openApiDocument(def, 'http://127.0.0.1:1') as { components: unknown; security: unknown; paths: Record<string, Record<string, { security?: unknown }>> };
    expect(doc.components).toEqual({ securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'token from the data dir' } } });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/health']!.get!.security).toEqual([]);
    expect(doc.paths['/secret']!.get!.security).toBeUndefined();
  });

  test('without security nothing about credentials is written', () => {
    const doc = openApiDocument({ name: 'x', profile: plainProfile, routes }, 'http://127.0.0.1:1');
    expect(doc.components).toBeUndefined();
    expect(doc.security).toBeUndefined();
    expect((doc.paths as Record<string, Record<string, { security?: unknown }>>)['/health']!.get!.security).toBeUndefined();
  });
});
