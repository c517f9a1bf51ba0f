import { describe, expect, test } from 'bun:test';
import { Type } from '@sinclair/typebox';
import { buildCase, routesOf } from '../../drill/drills/fuzz.ts';
import { rawBodies } from '../../drill/lib/mutate.ts';
import { rng } from '../../drill/lib/rng.ts';
import type { ServiceDrill, Session } from '../../drill/lib/types.ts';
import { mall } from '../../drill/services/mall.ts';
import { mallProfile } from '../../src/runtime/errors.ts';
import { openApiDocument } from '../../src/runtime/openapi.ts';
import { route, type ServiceDef } from '../../src/runtime/service.ts';

const def: ServiceDef = {
  name: 'shop',
  profile: mallProfile,
  routes: [
    route({ method: 'POST', path: '/items/:item_id', body: Type.Object({ qty: Type.Integer({ minimum: 1, maximum: 9 }), note: Type.Optional(Type.String({ maxLength: 20 })) }, { additionalProperties: false }), handler: () => ({}) }),
    route({ method: 'GET', path: '/items', query: { limit: { description: '1..100' } }, handler: () => ({}) }),
  ],
  ws: [{ path: '/ws', message: () => undefined }],
};
const doc = openApiDocument(def, 'http://x') as Record<string, unknown>;
const session: Session = { headers: { Authorization: 'Bearer t' }, ids: { item_id: ['sword'] }, digest: async () => '' };
const svc: ServiceDrill = { ...mall, name: 'shop' };

describe('fuzz cases', () => {
  test('routes come from the OpenAPI document with their parameters and body schema; WebSocket upgrades are left out', () => {
    const routes = routesOf(doc);
    expect(routes.map((r) => [r.key, r.pathParams, r.queryParams, r.body !== null])).toEqual([
      ['POST /items/{item_id}', ['item_id'], [], true],
      ['GET /items', [], ['limit'], false],
    ]);
  });

  test('case i is the same request every time for one seed, and another for another seed', () => {
    const routes = routesOf(doc);
    for (let i = 0; i < 40; i++) expect(buildCase(svc, session, routes, 5, i)).toEqual(buildCase(svc, session, routes, 5, i));
    const a = Array.from({ length: 40 }, (_, i) => JSON.stringify(buildCase(svc, session, routes, 5, i)));
    const b = Array.from({ length: 40 }, (_, i) => JSON.stringify(buildCase(svc, session, routes, 6, i)));
    expect(a.filter((x, i) => x !== b[i]).length).toBeGreaterThan(30);
  });

  test('cases cover every mode, fill path parameters from known ids, and keep the session\'s headers unless a case breaks them', () => {
    const routes = routesOf(doc);
    const cases = Array.from({ length: 300 }, (_, i) => buildCase(svc, session, routes, 9, i));
    expect(new Set(cases.map((c) => c.mode))).toEqual(new Set(['valid', 'edge', 'invalid', 'raw', 'around']));
    expect(cases.some((c) => c.path === '/items/sword')).toBe(true);
    const valid = cases.filter((c) => c.mode === 'valid');
    expect(valid.every((c) => c.headers.Authorization === 'Bearer t')).toBe(true);
    expect(cases.filter((c) => c.method === 'GET').every((c) => c.body === undefined)).toBe(true);
  });

  test('raw bodies include one over the size limit and nesting far past any parser\'s comfort', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 400; i++) seen.add(rawBodies('{"qty":1}', rng(i), 1024).what.replace(/\d+/g, 'N'));
    expect(seen).toContain('body of N bytes');
    expect(seen).toContain('arrays nested N deep');
    expect(seen).toContain('wrong content type');
    const big = Array.from({ length: 400 }, (_, i) => rawBodies('{"qty":1}', rng(i), 1024)).find((x) => x.what === 'body of 1025 bytes');
    expect(typeof big?.body === 'string' && big.body.length).toBe(1025);
  });
});
