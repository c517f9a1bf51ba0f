import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { TestService } from '../../helpers.ts';
import { bearer, body, newSession, startCcc, type Session } from './helpers.ts';

let svc: TestService;
let s: Session;
beforeAll(async () => {
  svc = await startCcc();
  s = await newSession(svc);
});
afterAll(() => svc.stop());

describe('fields named like Object.prototype members', () => {
  test('an unknown field named constructor, toString or __proto__ is a 400 naming it, not a 500', async () => {
    const cases: [string, string, string][] = [
      ['POST', `/api/v2/sessions/${s.id}/tokens`, '{"constructor":{"prototype":1}}'],
      ['PUT', `/api/v2/sessions/${s.id}/preferences`, '{"toString":1,"valueOf":"x"}'],
      ['POST', `/api/v2/sessions/${s.id}/context/search`, '{"__proto__":{"polluted":true},"query":"python"}'],
      ['PUT', `/api/v2/sessions/${s.id}/agents/codey/state`, '{"state_updates":{"constructor":{"prototype":1}}}'],
    ];
    for (const [method, path, raw] of cases) {
      const res = await svc.call(method, path, raw, { ...bearer(s.token), 'Content-Type': 'application/json' });
      expect(res.status).toBe(400);
      const err = (await body(res)).error as { code: string; details: { field: string } };
      expect(err.code).toBe('INVALID_REQUEST');
      expect(err.details.field).toMatch(/constructor|toString|valueOf|__proto__/);
    }
  });
});
