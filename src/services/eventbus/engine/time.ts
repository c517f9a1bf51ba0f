/**
 * Event timestamps as producers send them (REFERENCE §4): Unix milliseconds, Unix
 * seconds, ISO-8601, or milliseconds on the game's own clock (BalatroMCP stamps events
 * with `love.timer.getTime() * 1000`). The canonical time is Unix ms; a game-clock
 * reading cannot be placed on the wall clock, so those events take the receive time and
 * keep the reading.
 */

export type TimeBasis = 'unix_ms' | 'unix_s' | 'iso' | 'game_clock' | 'received';

export type TimeResult =
  | { ok: true; ms: number; basis: TimeBasis; /** JSON text of the original when it is not a plain integer Unix-ms value. */ raw: string | null }
  | { ok: false; detail: string };

/** Below this a number is not Unix ms (1e11 ms is March 1973). */
export const UNIX_MS_MIN = 1e11;
/** From here up to UNIX_MS_MIN a number is Unix seconds (1e9 s is September 2001). */
export const UNIX_S_MIN = 1e9;
const MAX_MS = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z
const ISO = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function fromNumber(n: number, received: number, raw: string | null): TimeResult {
  if (!Number.isFinite(n)) return { ok: false, detail: `timestamp ${raw ?? n} is not a finite number` };
  if (n < 0) return { ok: false, detail: `timestamp ${n} is negative` };
  if (n >= UNIX_MS_MIN) {
    if (n > MAX_MS) return { ok: false, detail: `timestamp ${n} is past the year 9999` };
    return { ok: true, ms: n, basis: 'unix_ms', raw: raw ?? (Number.isInteger(n) ? null : String(n)) };
  }
  if (n >= UNIX_S_MIN) return { ok: true, ms: n * 1000, basis: 'unix_s', raw: raw ?? String(n) };
  return { ok: true, ms: received, basis: 'game_clock', raw: raw ?? String(n) };
}

export function classifyTimestamp(value: unknown, received: number): TimeResult {
  if (value === undefined) return { ok: true, ms: received, basis: 'received', raw: null };
  if (value === null) return { ok: true, ms: received, basis: 'received', raw: 'null' };
  if (typeof value === 'number') return fromNumber(value, received, null);
  if (typeof value === 'string') {
    const raw = JSON.stringify(value);
    const s = value.trim();
    if (s !== '' && /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(s)) return fromNumber(Number(s), received, raw);
    if (ISO.test(s)) {
      const ms = Date.parse(s);
      if (Number.isFinite(ms) && ms >= 0 && ms <= MAX_MS) return { ok: true, ms, basis: 'iso', raw };
    }
    return { ok: false, detail: `timestamp "${value.slice(0, 64)}" is neither a number nor an ISO-8601 time` };
  }
  return { ok: false, detail: `timestamp must be a number or a string, got ${Array.isArray(value) ? 'array' : typeof value}` };
}

/** Unix ms (possibly fractional) → google.protobuf.Timestamp. */
export function toTimestamp(ms: number): { seconds: number; nanos: number } {
  const seconds = Math.floor(ms / 1000);
  let nanos = Math.round((ms - seconds * 1000) * 1e6);
  if (nanos >= 1e9) nanos = 999_999_999;
  return { seconds, nanos };
}

export function fromTimestamp(seconds: number, nanos: number): number {
  return seconds * 1000 + nanos / 1e6;
}
