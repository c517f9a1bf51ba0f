/**
 * The service's failures, with the codes of ccc-stage2.md's table where it has one; the
 * rest are named here and listed in the README.
 */
import { ApiError, type ErrorDetails } from '../../runtime/errors.ts';

export const CCC_ERRORS = {
  INVALID_REQUEST: 400,
  INVALID_SESSION_TOKEN: 401,
  SESSION_EXPIRED: 401,
  INSUFFICIENT_PERMISSIONS: 403,
  SESSION_NOT_FOUND: 404,
  CONVERSATION_NOT_FOUND: 404,
  AGENT_NOT_FOUND: 404,
  TURN_NOT_FOUND: 404,
  EXPORT_NOT_FOUND: 404,
  SESSION_ARCHIVED: 409,
  EXPORT_NOT_READY: 409,
  PAYLOAD_TOO_LARGE: 413,
  STORAGE_QUOTA_EXCEEDED: 413,
  RATE_LIMIT_EXCEEDED: 429,
  CONTEXT_RETRIEVAL_FAILED: 500,
  EXPORT_FAILED: 500,
  LLM_PROVIDER_ERROR: 502,
  MEMORY_SERVICE_ERROR: 503,
} as const;
export type CccCode = keyof typeof CCC_ERRORS;

export function cccError(code: CccCode, message: string, details: ErrorDetails = {}, headers: Record<string, string> = {}): ApiError {
  return new ApiError(CCC_ERRORS[code], code, message, details, headers);
}

export const invalid = (message: string, details: ErrorDetails = {}): ApiError => cccError('INVALID_REQUEST', message, details);

export const sessionNotFound = (sessionId: string): ApiError =>
  cccError('SESSION_NOT_FOUND', `Session ${sessionId} does not exist`, { session_id: sessionId });

export const conversationNotFound = (conversationId: string): ApiError =>
  cccError('CONVERSATION_NOT_FOUND', `Conversation ${conversationId} does not exist in this session`, { conversation_id: conversationId });

export const archived = (sessionId: string, operation: string): ApiError =>
  cccError('SESSION_ARCHIVED', `Session ${sessionId} is archived and read-only; ${operation} is a write`, { session_id: sessionId, operation });
