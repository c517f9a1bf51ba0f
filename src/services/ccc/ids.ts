/** Public ids (`sess_`, `conv_`, `turn_`, `export_` + 16 hex) and the wire time format. */
import { randomBytes } from 'node:crypto';

export type IdPrefix = 'sess' | 'conv' | 'turn' | 'export' | 'chatcmpl';

/** 64 random bits: collisions are not a practical concern at realistic volumes. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}${prefix === 'chatcmpl' ? '-' : '_'}${randomBytes(8).toString('hex')}`;
}

export const SESSION_ID = /^sess_([0-9a-f]{16})$/;

/** The 16 hex digits of a session id: its scope key inside the search index. */
export function sessionKey(sessionId: string): string {
  const m = SESSION_ID.exec(sessionId);
  if (!m) throw new Error(`not a session id: ${sessionId}`);
  return m[1]!;
}

/** ISO 8601 in whole seconds, as the spec writes its times (`2024-01-01T12:00:00Z`). */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Parses an ISO 8601 date or time (UTC unless it names an offset); null when it is not one. */
export function parseTime(s: string): number | null {
  const m = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(s);
  if (!m) return null;
  const t = Date.parse(m[1] && !m[4] ? `${s}Z` : s);
  return Number.isFinite(t) ? t : null;
}
