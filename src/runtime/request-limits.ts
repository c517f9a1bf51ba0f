/**
 * Limits on the request line and headers, answered in the service's envelope.
 *
 * Bun's HTTP parser answers a request head over its limit (16 KiB by default) itself,
 * with a bare 431 and an empty body, before any handler runs. The limit is process-wide
 * and settable at run time through node:http's `maxHeaderSize`, so the kernel raises it
 * to PARSER_HEADER_CAP and enforces the real limits (`maxUrlBytes`, `maxHeaderBytes`)
 * itself: 414 for a long URL, 431 for large headers, both with a body. Only a head
 * above PARSER_HEADER_CAP still gets Bun's bare 431.
 */
import http from 'node:http';
import { kernelError, type ApiError, type ErrorProfile } from './errors.ts';

/** Largest request head Bun buffers before answering a bare 431 itself. */
export const PARSER_HEADER_CAP = 1_048_576;
export const DEFAULT_MAX_URL_BYTES = 8192;
export const DEFAULT_MAX_HEADER_BYTES = 16_384;

export interface RequestLimits {
  maxUrlBytes: number;
  maxHeaderBytes: number;
}

/** node:http's `maxHeaderSize`, writable in Bun; typed here because @types/node declares it read-only. */
interface HeaderSizeKnob {
  maxHeaderSize: number;
}

let raised = false;
/** Raises Bun's parser limit once per process (it only ever grows). */
export function raiseParserHeaderLimit(): void {
  if (raised) return;
  raised = true;
  const knob = http as unknown as HeaderSizeKnob;
  if (knob.maxHeaderSize < PARSER_HEADER_CAP) knob.maxHeaderSize = PARSER_HEADER_CAP;
}

/** Path plus query, the part of the URL a client controls. */
function targetLength(url: string): number {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  return start < 0 ? 0 : url.length - start;
}

/** A 414 or 431 in the profile's envelope, or null when the request is within limits. */
export function oversizedRequest(req: Request, limits: RequestLimits, profile: ErrorProfile): ApiError | null {
  const urlBytes = targetLength(req.url);
  if (urlBytes > limits.maxUrlBytes) {
    return kernelError(profile, 'uri_too_long', `Request URL of ${urlBytes} bytes exceeds the ${limits.maxUrlBytes}-byte limit`, { limit_bytes: limits.maxUrlBytes, url_bytes: urlBytes });
  }
  let headerBytes = 0;
  req.headers.forEach((v, k) => {
    headerBytes += k.length + v.length + 4; // ": " and CRLF, as on the wire
  });
  if (headerBytes > limits.maxHeaderBytes) {
    return kernelError(profile, 'headers_too_large', `Request headers of ${headerBytes} bytes exceed the ${limits.maxHeaderBytes}-byte limit`, { limit_bytes: limits.maxHeaderBytes, header_bytes: headerBytes });
  }
  return null;
}

/** JSON nesting beyond this is a client error when it breaks a handler (see `deepBodyError`). */
export const MAX_JSON_DEPTH = 64;

function deeperThan(v: unknown, left: number): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if (left === 0) return true;
  if (Array.isArray(v)) return v.some((x) => deeperThan(x, left - 1));
  return Object.values(v).some((x) => deeperThan(x, left - 1));
}

/**
 * A body nested thousands of levels deep parses fine but overflows the stack of whatever
 * walks it later (echoing it in an error, fingerprinting it, storing it as JSON). Checking
 * every body up front would cost a walk per request on the hot path; instead, when a
 * request fails with a stack overflow and its body is deeper than MAX_JSON_DEPTH, the
 * failure is the client's: a 400 in the envelope instead of a 500.
 */
export function deepBodyError(thrown: unknown, body: unknown, profile: ErrorProfile): ApiError | null {
  if (!(thrown instanceof RangeError) || !/call stack/i.test(thrown.message)) return null;
  if (!deeperThan(body, MAX_JSON_DEPTH)) return null;
  return kernelError(profile, 'bad_request', `Request body is nested deeper than ${MAX_JSON_DEPTH} levels`, { max_depth: MAX_JSON_DEPTH });
}
