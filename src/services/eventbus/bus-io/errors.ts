/**
 * Error codes of the components mounted beside the bus (knowledge graph, decisions,
 * advisor, analytics, resources), in the bus's envelope `{status:"error", error:{code,
 * message, details}, request_id}`. GraphQL answers in GraphQL's own format instead.
 */
import { ApiError } from '../../../runtime/errors.ts';

export const COMPONENT_ERRORS = {
  VALIDATION_ERROR: 400,
  INVALID_QUERY: 400,
  NO_ACTIONS: 400,
  UNKNOWN_ACTION: 400,
  QUERY_REJECTED: 400,
  QUERY_FAILED: 400,
  OVER_CAPACITY: 400,
  NOT_FOUND: 404,
  QUERY_TIMEOUT: 408,
  ALREADY_RELEASED: 409,
  GRANT_EXPIRED: 409,
  RESOURCE_UNAVAILABLE: 409,
  TOO_MANY_JOBS: 429,
  CONCURRENCY_LIMIT: 503,
  COMPONENT_UNAVAILABLE: 503,
} as const;

export type ComponentCode = keyof typeof COMPONENT_ERRORS;

export function componentError(code: ComponentCode, message: string, details: Record<string, unknown> = {}, headers: Record<string, string> = {}): ApiError {
  return new ApiError(COMPONENT_ERRORS[code], code, message, details, headers);
}
