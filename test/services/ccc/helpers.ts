/** Starts ccc for tests with generous rate limits (rate-limit tests set their own) and session helpers. */
import { expect } from 'bun:test';
import { startTestService, type TestService, type TestServiceOptions } from '../../helpers.ts';
import { createCccService } from '../../../src/services/ccc/index.ts';

export const OPEN_LIMITS = {
  sessionPerMinute: 100_000, conversationsPerMinute: 100_000, contextPerMinute: 100_000, chatPerMinute: 100_000, analyticsPerMinute: 100_000, overallPerMinute: 100_000,
};

export function startCcc(o: TestServiceOptions = {}): Promise<TestService> {
  return startTestService('ccc', createCccService, { ...o, options: { ...OPEN_LIMITS, ...o.options } });
}

export type Json = Record<string, unknown>;

export const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

export async function body(res: Response): Promise<Json> {
  return (await res.json()) as Json;
}

export interface Session {
  id: string;
  token: string;
  created: Json;
}

export async function newSession(svc: TestService, payload: Json = {}): Promise<Session> {
  const res = await svc.call('POST', '/api/v2/sessions', payload);
  expect(res.status).toBe(201);
  const b = await body(res);
  return { id: b.session_id as string, token: b.token as string, created: b };
}

export async function startConversation(svc: TestService, s: Session, directive: string, extra: Json = {}): Promise<Json> {
  const res = await svc.call('POST', '/api/v2/conversations', { session_id: s.id, directive, ...extra }, bearer(s.token));
  expect(res.status).toBe(201);
  return body(res);
}

export async function addTurn(svc: TestService, s: Session, conversationId: string, agent: string, content: string, metadata?: Json): Promise<Json> {
  const res = await svc.call('POST', `/api/v2/conversations/${conversationId}/turns`, { agent, content, ...(metadata ? { metadata } : {}) }, bearer(s.token));
  expect(res.status).toBe(201);
  return body(res);
}

/** Asserts the ccc error envelope: status, code, a message, details an object; returns the error object. */
export async function expectError(res: Response, status: number, code: string): Promise<Json> {
  const b = await body(res);
  expect({ status: res.status, code: (b.error as Json | undefined)?.code }).toEqual({ status, code });
  const err = b.error as Json;
  expect(typeof err.message).toBe('string');
  expect((err.message as string).length).toBeGreaterThan(0);
  expect(typeof err.details).toBe('object');
  expect(Object.keys(b)).toEqual(['error']);
  return err;
}

export const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** A controllable clock for restart, expiry and retention tests. */
export function testClock(start = Date.UTC(2024, 0, 1, 10, 0, 0)): { now: () => number; advance: (ms: number) => void; set: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms), set: (ms) => (t = ms) };
}
