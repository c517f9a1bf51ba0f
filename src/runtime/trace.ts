/** W3C Trace Context (`traceparent`) parsing and child-span generation. */

export interface TraceContext {
  traceId: string;
  /** The span this server handles the request in. */
  spanId: string;
  /** The caller's span, when the request carried a valid traceparent. */
  parentSpanId?: string;
  flags: string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** Random hex ids for tracing (uniqueness, not secrecy, is what matters here). */
function hex(len: number): string {
  let out = '';
  while (out.length < len) out += Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return out.slice(0, len);
}

export function newSpanId(): string {
  return hex(16);
}

/** Continues the caller's trace when the header is valid, else starts a new one. */
export function traceFrom(header: string | null): TraceContext {
  const m = header ? TRACEPARENT.exec(header.trim().toLowerCase()) : null;
  if (m && m[1] !== ZERO_TRACE && m[2] !== ZERO_SPAN) {
    return { traceId: m[1]!, parentSpanId: m[2]!, spanId: newSpanId(), flags: m[3]! };
  }
  return { traceId: hex(32), spanId: newSpanId(), flags: '01' };
}

export function formatTraceparent(t: TraceContext): string {
  return `00-${t.traceId}-${t.spanId}-${t.flags}`;
}
