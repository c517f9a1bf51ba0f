/**
 * One error type for every service; each service supplies the wire shape (its
 * "envelope") and the code names it uses for the kernel's generic failures.
 */
import { storageFailure, storageFailureMessage } from './storage-errors.ts';

/** Failures the kernel itself raises, independent of any service's vocabulary. */
export const ERROR_KINDS = {
  bad_request: 400,
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  timeout: 408,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
  uri_too_long: 414,
  headers_too_large: 431,
  insufficient_storage: 507,
} as const;
export type ErrorKind = keyof typeof ERROR_KINDS;
/**
 * Kinds added after the first profiles: a profile may leave them out and gets its
 * bad_request code (4xx kinds) or its unavailable code (5xx kinds).
 */
export type LaterErrorKind = 'uri_too_long' | 'headers_too_large' | 'insufficient_storage';
export type ProfileCodes = Readonly<Record<Exclude<ErrorKind, LaterErrorKind>, string>> & Readonly<Partial<Record<LaterErrorKind, string>>>;

export type ErrorDetails = Record<string, unknown>;

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetails;
  /** Extra response headers (Retry-After, X-RateLimit-*). */
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, details: ErrorDetails = {}, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}

export interface EnvelopeMeta {
  requestId: string;
  /** Stack of the underlying exception, for services that expose it in debug mode. */
  stack?: string;
  debug: boolean;
}

/** How one service names kernel failures and shapes error bodies. */
export interface ErrorProfile {
  readonly name: string;
  readonly codes: ProfileCodes;
  format(err: ApiError, meta: EnvelopeMeta): unknown;
}

/** Builds an ApiError for a kernel failure in the vocabulary of `profile`. */
export function kernelError(profile: ErrorProfile, kind: ErrorKind, message: string, details: ErrorDetails = {}, headers: Record<string, string> = {}): ApiError {
  const status = ERROR_KINDS[kind];
  return new ApiError(status, profile.codes[kind] ?? (status >= 500 ? profile.codes.unavailable : profile.codes.bad_request), message, details, headers);
}

/** The profile's code for a status (a handler's own error Response carries no code the kernel can read). */
export function codeForStatus(profile: ErrorProfile, status: number): string | null {
  for (const kind of Object.keys(ERROR_KINDS) as ErrorKind[]) {
    if (ERROR_KINDS[kind] === status) return profile.codes[kind] ?? (status >= 500 ? profile.codes.unavailable : profile.codes.bad_request);
  }
  return null;
}

/**
 * A full disk (507) or a data dir that is read-only or failing (503) in the service's
 * envelope, with `details.storage` saying which; null when `thrown` is not a storage failure.
 */
export function storageError(profile: ErrorProfile, thrown: unknown): ApiError | null {
  const f = storageFailure(thrown);
  if (!f) return null;
  return kernelError(profile, f.kind === 'full' ? 'insufficient_storage' : 'unavailable', storageFailureMessage(f), { storage: f.kind === 'full' ? 'full' : 'not_writable' }, { 'Retry-After': '30' });
}

/** Wraps anything thrown by a handler: ApiErrors pass through, storage failures become 507/503, the rest 500s. */
export function toApiError(profile: ErrorProfile, thrown: unknown): ApiError {
  if (thrown instanceof ApiError) return thrown;
  if (thrown instanceof KernelFailure) return kernelError(profile, thrown.kind, thrown.message, thrown.details);
  const storage = storageError(profile, thrown);
  if (storage) return storage;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return kernelError(profile, 'internal', message);
}

function upperCodes(overrides: Partial<Record<ErrorKind, string>> = {}): Record<ErrorKind, string> {
  const out = {} as Record<ErrorKind, string>;
  for (const kind of Object.keys(ERROR_KINDS) as ErrorKind[]) out[kind] = overrides[kind] ?? kind.toUpperCase();
  return out;
}

/** openkore-ai-engine.md §4.1 + §6.1: both envelopes at once, so clients of either draft parse it. */
export const openkoreProfile: ErrorProfile = {
  name: 'openkore',
  codes: upperCodes({
    bad_request: 'INVALID_REQUEST',
    validation: 'INVALID_REQUEST',
    unauthorized: 'INVALID_TOKEN',
    rate_limited: 'RATE_LIMIT',
    internal: 'INTERNAL_ERROR',
    unavailable: 'SERVICE_UNAVAILABLE',
  }),
  format(err, meta) {
    return {
      status: 'error',
      error_code: err.code,
      message: err.message,
      details: err.details,
      error: { code: err.code, message: err.message, details: err.details },
      metadata: { timestamp: Date.now(), request_id: meta.requestId },
    };
  },
};

/** mall-sim-bridge.md "Error Handling": `{error}`, plus `traceback` for 500s in debug mode only. */
export const mallProfile: ErrorProfile = {
  name: 'mall',
  codes: upperCodes(),
  format(err, meta) {
    if (err.status >= 500 && meta.debug) return { error: err.message, traceback: meta.stack ?? err.stack ?? '' };
    return { error: err.message };
  },
};

/** kolibri-omega.md "Common Objects": `{error:{code,message,details}}` with lower-case codes. */
export const kolibriProfile: ErrorProfile = {
  name: 'kolibri',
  codes: {
    bad_request: 'bad_request',
    validation: 'bad_request',
    unauthorized: 'unauthorized',
    forbidden: 'forbidden',
    not_found: 'not_found',
    method_not_allowed: 'method_not_allowed',
    timeout: 'timeout',
    conflict: 'conflict',
    payload_too_large: 'payload_too_large',
    unsupported_media_type: 'unsupported_media_type',
    rate_limited: 'rate_limited',
    internal: 'internal_error',
    unavailable: 'service_unavailable',
    uri_too_long: 'uri_too_long',
    headers_too_large: 'headers_too_large',
    insufficient_storage: 'insufficient_storage',
  },
  format(err) {
    return { error: { code: err.code, message: err.message, details: err.details } };
  },
};

/**
 * ccc-stage2.md "Error Responses": `{error:{code,message,details,retry_after?}}`, codes from its
 * table where it has one (401, 429, 503); an oversized request is PAYLOAD_TOO_LARGE, kept apart
 * from the table's STORAGE_QUOTA_EXCEEDED (a session's stored data, raised by the service).
 */
export const cccProfile: ErrorProfile = {
  name: 'ccc',
  codes: upperCodes({
    bad_request: 'INVALID_REQUEST',
    validation: 'INVALID_REQUEST',
    unauthorized: 'INVALID_SESSION_TOKEN',
    forbidden: 'INSUFFICIENT_PERMISSIONS',
    rate_limited: 'RATE_LIMIT_EXCEEDED',
    internal: 'INTERNAL_ERROR',
    unavailable: 'MEMORY_SERVICE_ERROR',
  }),
  format(err) {
    const retry = err.headers['Retry-After'];
    const body: Record<string, unknown> = { code: err.code, message: err.message, details: err.details };
    if (retry !== undefined) body.retry_after = Number(retry);
    return { error: body };
  },
};

/** Plain envelope for the admin port and services whose spec names none. */
export const plainProfile: ErrorProfile = {
  name: 'plain',
  codes: upperCodes(),
  format(err) {
    return { error: { code: err.code, message: err.message, details: err.details } };
  },
};

export const PROFILES = { openkore: openkoreProfile, mall: mallProfile, kolibri: kolibriProfile, ccc: cccProfile, plain: plainProfile } as const;

/**
 * A failure raised by kernel infrastructure (pool, queue, upstream) that does not know
 * which service it serves; the server maps `kind` to that service's code.
 */
export class KernelFailure extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = 'KernelFailure';
  }
}

/** The logging surface `logFailure` needs (a Logger fits). */
interface FailureLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * One line per failed request, at a level that matches whose problem it is: a client
 * error (4xx) is info without a stack; a full or unwritable disk is error without a
 * stack (the operator must act); a deliberate refusal with a 5xx status (503 not
 * initialised, queue full, upstream down: an ApiError or KernelFailure other than 500) is
 * warn without a stack; a 500 or an unexpected exception is error with its stack.
 */
export function logFailure(log: FailureLog, route: string, err: ApiError, thrown: unknown): void {
  const fields = { route, status: err.status, code: err.code, error: err.message };
  if (err.status < 500) log.info('request rejected', fields);
  else if (storageFailure(thrown)) log.error('request refused: storage', fields);
  else if (err.status !== 500 && (thrown instanceof ApiError || thrown instanceof KernelFailure)) log.warn('request refused', fields);
  else log.error('request failed', { ...fields, stack: thrown instanceof Error ? thrown.stack : undefined });
}
