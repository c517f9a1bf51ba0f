/**
 * GET /api/v1/events: the spec's `?from=&to=&type=`, plus topic patterns, game_id,
 * partition, limit, cursors (`after` oldest first, `before` with order=desc). Every
 * parameter is checked; an unknown one is a 400 so a typo never silently widens a query.
 */
import { busError } from './errors.ts';
import { compilePattern } from './engine/topics.ts';
import { classifyTimestamp } from './engine/time.ts';
import { EVENT_TYPES, resolveTypeName } from './engine/types.ts';
import type { EventLog, ReadQuery, StoredEvent } from './log/types.ts';
import type { EventBusOptions } from './options.ts';

const KNOWN = ['from', 'to', 'type', 'topic', 'game_id', 'partition', 'limit', 'after', 'before', 'order'];

export interface HistoryPage {
  events: StoredEvent[];
  has_more: boolean;
  next_after: number | null;
  next_before: number | null;
  head_sequence: number;
}

function int(name: string, raw: string, min: number, max: number): number {
  if (!/^\d{1,16}$/.test(raw)) throw busError('INVALID_QUERY', `"${name}" must be an integer, got "${raw.slice(0, 40)}"`, { parameter: name });
  const n = Number(raw);
  if (n < min || n > max) throw busError('INVALID_QUERY', `"${name}" must be between ${min} and ${max}, got ${n}`, { parameter: name, min, max });
  return n;
}

function time(name: string, raw: string): number {
  const r = classifyTimestamp(/^\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw, 0);
  if (!r.ok || r.basis === 'game_clock') throw busError('INVALID_QUERY', `"${name}" must be Unix milliseconds, Unix seconds or an ISO-8601 time, got "${raw.slice(0, 40)}"`, { parameter: name });
  return r.ms;
}

export function parseHistoryQuery(q: URLSearchParams, opts: EventBusOptions, log: EventLog): ReadQuery & { order: 'asc' | 'desc' } {
  for (const k of q.keys()) if (!KNOWN.includes(k)) throw busError('INVALID_QUERY', `unknown query parameter "${k.slice(0, 40)}"`, { parameter: k.slice(0, 40), known: KNOWN });
  const out: ReadQuery & { order: 'asc' | 'desc' } = { limit: opts.historyDefaultLimit, order: 'asc', maxScan: opts.historyMaxScan };
  const get = (k: string): string | null => {
    const all = q.getAll(k);
    if (all.length > 1) throw busError('INVALID_QUERY', `"${k}" is given more than once`, { parameter: k });
    return all[0] ?? null;
  };
  const from = get('from');
  const to = get('to');
  if (from !== null) out.fromMs = time('from', from);
  if (to !== null) out.toMs = time('to', to);
  if (out.fromMs !== undefined && out.toMs !== undefined && out.fromMs > out.toMs) throw busError('INVALID_QUERY', '"from" is after "to"', { from: out.fromMs, to: out.toMs });
  const type = get('type');
  if (type !== null) {
    out.types = type.split(',').map((t) => {
      const name = resolveTypeName(t.trim());
      if (name === null) throw busError('INVALID_QUERY', `unknown event type "${t.slice(0, 64)}"`, { parameter: 'type', known: Object.keys(EVENT_TYPES) });
      return EVENT_TYPES[name];
    });
  }
  const topic = get('topic');
  if (topic !== null) {
    const patterns = topic.split(',').map((p, i) => {
      const r = compilePattern(p.trim(), opts.topicPrefix);
      if (!r.ok) throw busError('INVALID_PATTERN', `topic pattern ${i} "${p.slice(0, 100)}": ${r.detail}`, { parameter: 'topic', index: i });
      return r.pattern;
    });
    out.topics = log.topics().filter((t) => patterns.some((p) => p.matches(t)));
  }
  const game = get('game_id');
  if (game !== null) {
    if (game === '') throw busError('INVALID_QUERY', '"game_id" is empty', { parameter: 'game_id' });
    out.gameId = game;
  }
  const part = get('partition');
  if (part !== null) out.partition = int('partition', part, 0, opts.partitions - 1);
  const limit = get('limit');
  if (limit !== null) out.limit = int('limit', limit, 1, opts.historyMaxLimit);
  const order = get('order');
  if (order !== null) {
    if (order !== 'asc' && order !== 'desc') throw busError('INVALID_QUERY', `"order" is asc or desc, got "${order.slice(0, 20)}"`, { parameter: 'order' });
    out.order = order;
    out.descending = order === 'desc';
  }
  const after = get('after');
  const before = get('before');
  if (after !== null) out.after = int('after', after, 0, Number.MAX_SAFE_INTEGER);
  if (before !== null) out.before = int('before', before, 0, Number.MAX_SAFE_INTEGER);
  if (out.after !== undefined && out.before !== undefined && out.after >= out.before) throw busError('INVALID_QUERY', '"after" must be below "before"', {});
  return out;
}

export async function readHistory(log: EventLog, q: ReadQuery & { order: 'asc' | 'desc' }): Promise<HistoryPage> {
  const r = await log.read(q);
  const more = r.next !== null;
  return {
    events: r.events,
    has_more: more,
    next_after: more && q.order === 'asc' ? r.next : null,
    next_before: more && q.order === 'desc' ? r.next : null,
    head_sequence: log.lastSequence(),
  };
}
