/**
 * The bus's error envelope and code registry. The spec names no envelope; this one keeps
 * the original Rust bus's `status: "error"` beside the kernel's `{code, message, details}`.
 */
import { ApiError, type ErrorProfile } from '../../runtime/errors.ts';

export const EVENTBUS_ERRORS = {
  BAD_REQUEST: 400,
  INVALID_JSON: 400,
  INVALID_ENCODING: 400,
  INVALID_PROTOBUF: 400,
  VALIDATION_ERROR: 400,
  INVALID_QUERY: 400,
  INVALID_PATTERN: 400,
  INVALID_COMMAND: 400,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  QUEUE_FULL: 429,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  STORAGE_UNAVAILABLE: 503,
  STORAGE_FULL: 503,
  BACKLOG_FULL: 503,
  TIMEOUT: 408,
  CONFLICT: 409,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
} as const;

export type EventBusCode = keyof typeof EVENTBUS_ERRORS;

export function busError(code: EventBusCode, message: string, details: Record<string, unknown> = {}, headers: Record<string, string> = {}): ApiError {
  return new ApiError(EVENTBUS_ERRORS[code], code, message, details, headers);
}

export const eventBusProfile: ErrorProfile = {
  name: 'eventbus',
  codes: {
    bad_request: 'BAD_REQUEST',
    validation: 'VALIDATION_ERROR',
    unauthorized: 'UNAUTHORIZED',
    forbidden: 'FORBIDDEN',
    not_found: 'NOT_FOUND',
    method_not_allowed: 'METHOD_NOT_ALLOWED',
    timeout: 'TIMEOUT',
    conflict: 'CONFLICT',
    payload_too_large: 'PAYLOAD_TOO_LARGE',
    unsupported_media_type: 'UNSUPPORTED_MEDIA_TYPE',
    rate_limited: 'RATE_LIMITED',
    internal: 'INTERNAL_ERROR',
    unavailable: 'STORAGE_UNAVAILABLE',
  },
  format(err, meta) {
    return { status: 'error', error: { code: err.code, message: err.message, details: err.details }, request_id: meta.requestId };
  },
};
