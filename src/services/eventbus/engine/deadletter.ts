/** Rejected events → DEAD_LETTER events on `deadletter.<reason>`, holding the reason and the original. */
import { encodeEvent } from '../wire/event.ts';
import { TYPE_URLS } from '../proto-urls.ts';
import { BUS, type Rejected } from './convert.ts';
import { toTimestamp } from './time.ts';
import { deadLetterTopic } from './topics.ts';
import { EVENT_TYPES } from './types.ts';

export interface DeadLetterInput {
  rejected: Rejected;
  original: Uint8Array;
  contentType: string;
  /** Position in the batch, -1 for a single event. */
  index: number;
  batchId: string;
  batchSource: string | null;
}

export interface DeadLetterContext {
  receivedMs: number;
  newId(): string;
  maxOriginalBytes: number;
  /** Originals up to this size are kept whole; larger ones (over max_message_size) are cut to maxOriginalBytes. */
  maxEventBytes: number;
  encodeDeadLetter(f: { reason: string; detail: string; original: Uint8Array; content_type: string; index: number; batch_id: string; original_type: string; original_size: number }): Uint8Array;
}

export interface DeadLetterRecord {
  eventId: string;
  topic: string;
  source: string;
  content: Uint8Array;
  timeMs: number;
}

export function deadLetter(d: DeadLetterInput, ctx: DeadLetterContext): DeadLetterRecord {
  const r = d.rejected;
  const keep = d.original.length > ctx.maxEventBytes ? d.original.subarray(0, ctx.maxOriginalBytes) : d.original;
  const payload = ctx.encodeDeadLetter({
    reason: r.reason, detail: r.detail, original: keep, content_type: d.contentType, index: d.index, batch_id: d.batchId,
    original_type: r.originalType ?? '', original_size: d.original.length,
  });
  const eventId = r.eventId ?? ctx.newId();
  const source = r.source ?? d.batchSource ?? '';
  const ts = toTimestamp(ctx.receivedMs);
  const content = encodeEvent({
    eventId, correlationId: '', type: EVENT_TYPES.DEAD_LETTER, source, seconds: ts.seconds, nanos: ts.nanos, version: 1,
    metadata: { [BUS.reason]: r.reason }, payload: { typeUrl: TYPE_URLS.deadLetter, value: payload }, extra: null,
  });
  return { eventId, topic: deadLetterTopic(r.reason), source, content, timeMs: ctx.receivedMs };
}
