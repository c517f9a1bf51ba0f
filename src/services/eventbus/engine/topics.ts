/**
 * Topic names and subscription patterns. Topics are dot-separated segments; in a
 * pattern `*` matches exactly one segment, `>` one or more trailing segments (NATS) and
 * `#` zero or more (AMQP), each only as the last segment.
 */
import { DEFAULT_TOPICS, type EventTypeName } from './types.ts';

export const MAX_TOPIC_LENGTH = 200;
export const MAX_SEGMENTS = 16;
const SEGMENT = /^[A-Za-z0-9_-]+$/;

export type TopicCheck = { ok: true } | { ok: false; detail: string };

export function checkTopic(topic: string): TopicCheck {
  if (topic === '') return { ok: false, detail: 'topic is empty' };
  if (topic.length > MAX_TOPIC_LENGTH) return { ok: false, detail: `topic is longer than ${MAX_TOPIC_LENGTH} characters` };
  const parts = topic.split('.');
  if (parts.length > MAX_SEGMENTS) return { ok: false, detail: `topic has more than ${MAX_SEGMENTS} segments` };
  for (const p of parts) {
    if (p === '') return { ok: false, detail: `topic "${topic}" has an empty segment` };
    if (!SEGMENT.test(p)) return { ok: false, detail: `topic segment "${p}" may only hold letters, digits, "_" and "-"` };
  }
  return { ok: true };
}

export interface CompiledPattern {
  readonly source: string;
  matches(topic: string): boolean;
}

export type PatternResult = { ok: true; pattern: CompiledPattern } | { ok: false; detail: string };

/** Strips the configured prefix (`jimbot.game.>` ≡ `game.>`) so both spellings work. */
export function stripPrefix(s: string, prefix: string): string {
  return prefix !== '' && s.startsWith(`${prefix}.`) && s.length > prefix.length + 1 ? s.slice(prefix.length + 1) : s;
}

export function compilePattern(raw: string, prefix = ''): PatternResult {
  if (typeof raw !== 'string' || raw.trim() === '') return { ok: false, detail: 'pattern is empty' };
  const source = stripPrefix(raw, prefix);
  if (source.length > MAX_TOPIC_LENGTH) return { ok: false, detail: `pattern is longer than ${MAX_TOPIC_LENGTH} characters` };
  const parts = source.split('.');
  if (parts.length > MAX_SEGMENTS) return { ok: false, detail: `pattern has more than ${MAX_SEGMENTS} segments` };
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p === '') return { ok: false, detail: `pattern "${raw}" has an empty segment` };
    if (p === '>' || p === '#') {
      if (i !== parts.length - 1) return { ok: false, detail: `"${p}" may only be the last segment of a pattern` };
    } else if (p !== '*' && !SEGMENT.test(p)) {
      return { ok: false, detail: `pattern segment "${p}" must be "*", ">", "#" or letters, digits, "_" and "-"` };
    }
  }
  const tail = parts[parts.length - 1];
  const rest = tail === '>' || tail === '#' ? tail : null;
  const fixed = rest ? parts.slice(0, -1) : parts;
  const literal = !parts.some((p) => p === '*' || p === '>' || p === '#');
  const cache = new Map<string, boolean>();
  const compute = (topic: string): boolean => {
    if (literal) return topic === source;
    const t = topic.split('.');
    if (rest === null ? t.length !== fixed.length : rest === '>' ? t.length <= fixed.length : t.length < fixed.length) return false;
    for (let i = 0; i < fixed.length; i++) if (fixed[i] !== '*' && fixed[i] !== t[i]) return false;
    return true;
  };
  return {
    ok: true,
    pattern: {
      source,
      matches(topic) {
        let m = cache.get(topic);
        if (m === undefined) {
          m = compute(topic);
          // Topics are few (one per type and reason); the cache stays small.
          if (cache.size < 4096) cache.set(topic, m);
        }
        return m;
      },
    },
  };
}

/** Lower-cased subtype usable as a topic segment, or null. */
function segmentOf(subtype: unknown): string | null {
  if (typeof subtype !== 'string') return null;
  const s = subtype.toLowerCase();
  return SEGMENT.test(s) && s.length <= 64 ? s : null;
}

export type TopicTable = Readonly<Record<EventTypeName, string>>;

/** Topic of an event of `type` with an optional `subtype` (SCORING, LEARNING_DECISION, ...). */
const topicCache = new WeakMap<TopicTable, Map<string, string>>();

/** Topic of an event of `type` with an optional `subtype` (SCORING, LEARNING_DECISION, ...). Memoised per table. */
export function topicFor(table: TopicTable, type: EventTypeName, subtype: unknown): string {
  let cache = topicCache.get(table);
  if (!cache) {
    cache = new Map();
    topicCache.set(table, cache);
  }
  const key = typeof subtype === 'string' && subtype.length <= 64 ? `${type}\u0000${subtype}` : type;
  let t = cache.get(key);
  if (t === undefined) {
    const tpl = table[type] ?? DEFAULT_TOPICS[type];
    t = tpl.replace(/\{subtype:([^}]*)\}/, (_m, dflt: string) => segmentOf(subtype) ?? dflt);
    if (cache.size < 10_000) cache.set(key, t);
  }
  return t;
}

export function deadLetterTopic(reason: string): string {
  return `deadletter.${reason}`;
}
