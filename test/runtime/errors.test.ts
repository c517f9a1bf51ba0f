import { describe, expect, test } from 'bun:test';
import { ApiError, ERROR_KINDS, KernelFailure, PROFILES, kernelError, toApiError, type ErrorKind } from '../../src/runtime/errors.ts';

const kinds = Object.keys(ERROR_KINDS) as ErrorKind[];

describe('error registry', () => {
  test('every profile names a code for every kernel error kind', () => {
    for (const profile of Object.values(PROFILES)) {
      for (const kind of kinds) expect(typeof profile.codes[kind]).toBe('string');
      for (const kind of kinds) expect(profile.codes[kind]?.length).toBeGreaterThan(0);
    }
  });

  test('kernel error kinds map to distinct conventional HTTP statuses', () => {
    expect(ERROR_KINDS.payload_too_large).toBe(413);
    expect(ERROR_KINDS.unsupported_media_type).toBe(415);
    expect(ERROR_KINDS.method_not_allowed).toBe(405);
    expect(ERROR_KINDS.rate_limited).toBe(429);
    expect(ERROR_KINDS.unavailable).toBe(503);
  });

  test('openkore codes follow spec section 6.1', () => {
    const c = PROFILES.openkore.codes;
    expect([c.unauthorized, c.rate_limited, c.internal, c.unavailable]).toEqual(['INVALID_TOKEN', 'RATE_LIMIT', 'INTERNAL_ERROR', 'SERVICE_UNAVAILABLE']);
  });

  test('ccc codes follow the ccc-stage2.md table where it names one', () => {
    const c = PROFILES.ccc.codes;
    expect([c.unauthorized, c.rate_limited, c.unavailable, c.validation, c.bad_request, c.payload_too_large]).toEqual([
      'INVALID_SESSION_TOKEN', 'RATE_LIMIT_EXCEEDED', 'MEMORY_SERVICE_ERROR', 'INVALID_REQUEST', 'INVALID_REQUEST', 'PAYLOAD_TOO_LARGE',
    ]);
  });

  test('kolibri codes are the spec lower-case names', () => {
    const c = PROFILES.kolibri.codes;
    expect([c.bad_request, c.not_found, c.conflict, c.rate_limited, c.internal]).toEqual(['bad_request', 'not_found', 'conflict', 'rate_limited', 'internal_error']);
  });
});

describe('envelopes', () => {
  const err = new ApiError(400, 'INVALID_STATE', 'bad hp', { field: 'character.hp' });
  const meta = { requestId: 'req-1', debug: false };

  test('openkore envelope carries both the flat and the nested error shapes', () => {
    const body = PROFILES.openkore.format(err, meta) as Record<string, unknown>;
    expect(body.status).toBe('error');
    expect(body.error_code).toBe('INVALID_STATE');
    expect(body.message).toBe('bad hp');
    expect(body.details).toEqual({ field: 'character.hp' });
    expect(body.error).toEqual({ code: 'INVALID_STATE', message: 'bad hp', details: { field: 'character.hp' } });
    const metadata = body.metadata as { timestamp: number; request_id: string };
    expect(metadata.request_id).toBe('req-1');
    expect(Math.abs(metadata.timestamp - Date.now())).toBeLessThan(5000);
  });

  test('mall envelope is a bare error string', () => {
    expect(PROFILES.mall.format(err, meta)).toEqual({ error: 'bad hp' });
  });

  test('mall envelope adds the traceback to 500s only in debug mode', () => {
    const boom = new ApiError(500, 'INTERNAL', 'Simulation error: x');
    expect(PROFILES.mall.format(boom, { requestId: 'r', debug: false, stack: 'at x' })).toEqual({ error: 'Simulation error: x' });
    expect(PROFILES.mall.format(boom, { requestId: 'r', debug: true, stack: 'at x' })).toEqual({ error: 'Simulation error: x', traceback: 'at x' });
  });

  test('kolibri envelope nests code, message and details', () => {
    expect(PROFILES.kolibri.format(err, meta)).toEqual({ error: { code: 'INVALID_STATE', message: 'bad hp', details: { field: 'character.hp' } } });
  });

  test('ccc envelope is exactly code, message and details without Retry-After', () => {
    const e = new ApiError(404, 'SESSION_NOT_FOUND', 'no such session', { session_id: 'sess_0' });
    expect(PROFILES.ccc.format(e, meta)).toEqual({ error: { code: 'SESSION_NOT_FOUND', message: 'no such session', details: { session_id: 'sess_0' } } });
  });

  test('ccc envelope adds retry_after when the error carries Retry-After', () => {
    const limited = kernelError(PROFILES.ccc, 'rate_limited', 'slow down', {}, { 'Retry-After': '30' });
    expect(PROFILES.ccc.format(limited, meta)).toEqual({ error: { code: 'RATE_LIMIT_EXCEEDED', message: 'slow down', details: {}, retry_after: 30 } });
  });
});

describe('toApiError', () => {
  test('passes ApiErrors through unchanged', () => {
    const e = new ApiError(404, 'not_found', 'nope');
    expect(toApiError(PROFILES.kolibri, e)).toBe(e);
  });

  test('maps kernel failures to the profile code of their kind', () => {
    const e = toApiError(PROFILES.kolibri, new KernelFailure('timeout', 'too slow', { task: 't' }));
    expect([e.status, e.code, e.message]).toEqual([408, 'timeout', 'too slow']);
    expect(e.details).toEqual({ task: 't' });
  });

  test('turns unknown exceptions into the profile internal error', () => {
    const e = toApiError(PROFILES.openkore, new TypeError('x is undefined'));
    expect([e.status, e.code, e.message]).toEqual([500, 'INTERNAL_ERROR', 'x is undefined']);
  });
});
