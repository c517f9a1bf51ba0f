/**
 * Ingest: request body → canonical events (or dead letters) → one log append → per-event
 * outcomes. Everything a request carries is appended in one call, so it is committed
 * together or not at all; the reply is sent only after that commit.
 */
import type { Codecs } from './codec.ts';
import { BUS, checkJsonEvent, tooLarge, writeJsonEvent, type Accepted, type CheckedJson, type Rejected } from './engine/convert.ts';
import { convertProtoEvent } from './engine/convert-proto.ts';
import { deadLetter } from './engine/deadletter.ts';
import type { TopicTable } from './engine/topics.ts';
import { DEAD_REASONS } from './engine/convert.ts';
import { EVENT_TYPES } from './engine/types.ts';
import { busError } from './errors.ts';
import type { GameTracker } from './games.ts';
import type { JsonBody, ProtoBody } from './body.ts';
import type { EventLog, AppendItem } from './log/types.ts';
import type { BusMetrics } from './metrics.ts';
import type { EventBusOptions } from './options.ts';
import { BackWriter } from './wire/back-writer.ts';
import { writeMetaEntry } from './wire/event-back.ts';
import { Reader } from './wire/pb.ts';
import { isJsonObject, roundTrips, type Json } from './wire/struct.ts';

export interface IngestRequest {
  mode: 'single' | 'batch';
  body: JsonBody | ProtoBody;
  /** The bus's span, continuing the caller's trace (only when the caller sent a traceparent). */
  traceparent: string | null;
  /** Game named by the request (X-Game-Id header or ?game_id=), '' if none. */
  gameId: string;
}

export type EventStatus = 'accepted' | 'duplicate' | 'dead_lettered';

export interface EventOutcome {
  index: number;
  event_id: string;
  sequence: number;
  topic: string;
  status: EventStatus;
  reason?: string;
  detail?: string;
}

export interface IngestOutcome {
  batchId: string | null;
  results: EventOutcome[];
}

interface Pending {
  index: number;
  /** A checked JSON event (written during store), an encoded protobuf event, or a dead letter's reason. */
  converted: CheckedJson | Accepted | Rejected;
  /** The original bytes of this event (computed only for dead letters). */
  original: () => Uint8Array;
  span: [number, number] | null;
}

const enc = new TextEncoder();
const REASON_INDEX = new Map(DEAD_REASONS.map((r, i) => [r, i]));

/**
 * Every request's records are written back to front into this one buffer, then copied
 * out once: no buffer per event. Requests are converted synchronously, so one suffices.
 */
const scratch = new BackWriter(1 << 18);
const SCRATCH_KEEP = 4 << 20;

export interface IngestDeps {
  log: EventLog;
  codecs: Codecs;
  opts: EventBusOptions;
  topics: TopicTable;
  games: GameTracker;
  metrics: BusMetrics;
  now: () => number;
  newId: () => string;
}

export class Ingest {
  constructor(private readonly d: IngestDeps) {}

  partitionOf(key: string): number {
    return Bun.hash.xxHash32(key) % this.d.opts.partitions;
  }

  /** Reads an EventBatch message: batch_id, each Event's bytes, source. */
  private protoBatch(bytes: Uint8Array): { batchId: string; source: string; events: Uint8Array[] } {
    const r = new Reader(bytes);
    const out = { batchId: '', source: '', events: [] as Uint8Array[] };
    try {
      while (!r.done) {
        const tag = r.varint();
        if (tag === 0x0a) out.batchId = r.string();
        else if (tag === 0x12) {
          const [a, b] = r.span();
          out.events.push(bytes.subarray(a, b));
        } else if (tag === 0x1a) out.source = r.string();
        else r.skip(tag & 7);
      }
    } catch (e) {
      throw busError('INVALID_PROTOBUF', `Body is not a jimbot.events.v1.EventBatch: ${e instanceof Error ? e.message : String(e)}`, {});
    }
    return out;
  }

  async ingest(req: IngestRequest): Promise<IngestOutcome> {
    const { opts, codecs } = this.d;
    const receivedMs = this.d.now();
    const pending: Pending[] = [];
    let batchId: string | null = null;
    let batchSource: string | null = null;
    let contentType = 'application/json';
    const jsonCtx = { receivedMs, batchSource: null as string | null, newId: this.d.newId, topics: this.d.topics, topicPrefix: opts.topicPrefix };
    const protoCtx = { receivedMs, newId: this.d.newId, topics: this.d.topics, topicPrefix: opts.topicPrefix, maxEventBytes: opts.maxMessageSize, decodeTyped: codecs.decodeTyped };

    const body = req.body;
    if (body.kind === 'json') {
      let events: Json[];
      if (req.mode === 'single') events = [body.value];
      else {
        const v = body.value;
        if (Array.isArray(v)) events = v;
        else if (isJsonObject(v) && (Array.isArray(v.events) || (isJsonObject(v.events) && Object.keys(v.events).length === 0))) {
          // BalatroMCP's encoder writes an empty array as {}.
          events = Array.isArray(v.events) ? v.events : [];
          if (typeof v.batch_id === 'string' && v.batch_id !== '') batchId = v.batch_id.slice(0, 256);
          if (typeof v.source === 'string') batchSource = v.source.slice(0, 256);
        } else throw busError('VALIDATION_ERROR', 'A batch is {batch_id, events: [...], source, timestamp} (or a JSON array of events)', { field: 'events', expected: 'array', received: isJsonObject(v) ? (v.events === undefined ? 'missing' : typeof v.events) : Array.isArray(v) ? 'array' : typeof v });
      }
      if (events.length > opts.maxBatchEvents) throw busError('PAYLOAD_TOO_LARGE', `A batch holds at most ${opts.maxBatchEvents} events, got ${events.length}`, { limit_events: opts.maxBatchEvents });
      jsonCtx.batchSource = batchSource;
      const spans = body.eventSpans;
      for (let i = 0; i < events.length; i++) {
        const raw = events[i]!;
        const span = req.mode === 'single' ? ([0, body.text.length] as [number, number]) : (spans[i] ?? null);
        pending.push({
          index: req.mode === 'single' ? -1 : i,
          converted: checkJsonEvent(raw, jsonCtx),
          original: () => (req.mode === 'single' ? body.bytes : span ? enc.encode(body.text.slice(span[0], span[1])) : enc.encode(JSON.stringify(raw))),
          span,
        });
      }
    } else {
      contentType = 'application/x-protobuf';
      if (req.mode === 'single') {
        const c = convertProtoEvent(body.bytes, protoCtx);
        if (!c.ok && c.reason === 'unparseable') throw busError('INVALID_PROTOBUF', `Body is not a jimbot.events.v1.Event: ${c.detail}`, {});
        pending.push({ index: -1, converted: c, original: () => body.bytes, span: null });
      } else {
        const b = this.protoBatch(body.bytes);
        if (b.events.length > opts.maxBatchEvents) throw busError('PAYLOAD_TOO_LARGE', `A batch holds at most ${opts.maxBatchEvents} events, got ${b.events.length}`, { limit_events: opts.maxBatchEvents });
        batchId = b.batchId !== '' ? b.batchId : null;
        batchSource = b.source !== '' ? b.source : null;
        b.events.forEach((ev, i) => pending.push({ index: i, converted: convertProtoEvent(ev, protoCtx), original: () => ev, span: null }));
      }
    }
    if (req.mode === 'batch') batchId ??= this.d.newId();
    return this.store(pending, { batchId, batchSource, contentType, receivedMs, repairs: body.kind === 'json' ? body.repairs : [], traceparent: req.traceparent, gameId: req.gameId });
  }

  /** One protobuf Event (gRPC PublishEvent): the converted result, or throws on invalid input. */
  async publishProto(bytes: Uint8Array, traceparent: string | null): Promise<{ outcome: EventOutcome; rejected: Rejected | null }> {
    const receivedMs = this.d.now();
    const c = convertProtoEvent(bytes, { receivedMs, newId: this.d.newId, topics: this.d.topics, topicPrefix: this.d.opts.topicPrefix, maxEventBytes: this.d.opts.maxMessageSize, decodeTyped: this.d.codecs.decodeTyped });
    if (!c.ok) return { outcome: { index: -1, event_id: c.eventId ?? '', sequence: 0, topic: '', status: 'dead_lettered', reason: c.reason, detail: c.detail }, rejected: c };
    const out = await this.store([{ index: -1, converted: c, original: () => bytes, span: null }], { batchId: null, batchSource: null, contentType: 'application/x-protobuf', receivedMs, repairs: [], traceparent, gameId: '' });
    return { outcome: out.results[0]!, rejected: null };
  }

  private async store(
    pending: Pending[],
    r: { batchId: string | null; batchSource: string | null; contentType: string; receivedMs: number; repairs: number[]; traceparent: string | null; gameId: string },
  ): Promise<IngestOutcome> {
    const { opts, games, metrics, codecs } = this.d;
    // Games named in this request apply to its other events (see games.ts).
    let batchGame = '';
    for (const p of pending) {
      if (p.converted.ok && p.converted.gameId !== '') {
        games.seen(p.converted.source, p.converted.gameId);
        if (batchGame === '') batchGame = p.converted.gameId;
      }
    }
    const n = pending.length;
    const items: AppendItem[] = new Array(n);
    /** Each record's place in the scratch writer: `len` marks at its start and end. */
    const marks = new Float64Array(2 * n);
    const dlCtx = { receivedMs: r.receivedMs, newId: this.d.newId, maxOriginalBytes: opts.deadLetterMaxOriginalBytes, maxEventBytes: opts.maxMessageSize, encodeDeadLetter: codecs.deadLetter };
    const w = scratch;
    w.reset(SCRATCH_KEEP);
    // The request's keys close every record: bus.batch_id, then the request's traceparent
    // unless the event has its own, then the event's own bus keys (game, repair).
    const requestKeys = (withTrace: boolean): void => {
      if (withTrace && r.traceparent !== null) writeMetaEntry(w, 'traceparent', r.traceparent);
      if (r.batchId !== null) writeMetaEntry(w, BUS.batchId, r.batchId);
    };
    // Back to front, so the records land in request order in one buffer.
    for (let i = n - 1; i >= 0; i--) {
      const p = pending[i]!;
      let c = p.converted;
      const end = w.len;
      if (c.ok) {
        let game = c.gameId;
        if (p.span && r.repairs.some((x) => x >= p.span![0] && x < p.span![1])) writeMetaEntry(w, BUS.repaired, 'true');
        if (game === '') {
          const [g, from] = r.gameId !== '' ? [r.gameId, 'request'] : batchGame !== '' ? [batchGame, 'batch'] : [games.onlyActive(c.source), 'source'];
          if (g !== '') {
            game = g;
            writeMetaEntry(w, BUS.gameIdFrom, from);
            writeMetaEntry(w, BUS.gameId, g);
          }
        }
        requestKeys(c.traceparent === null);
        let fingerprint: number;
        let payloadJson: unknown;
        if ('raw' in c) {
          const out = writeJsonEvent(w, c, codecs.typed);
          payloadJson = c.payloadKey === null ? undefined : roundTrips(c.raw[c.payloadKey]);
          fingerprint = out.fingerprint;
          if (out.size > opts.maxMessageSize) {
            w.truncate(end);
            c = p.converted = tooLarge(c, out.size, opts.maxMessageSize);
          }
        } else {
          w.raw(c.content);
          fingerprint = c.fingerprint;
        }
        if (c.ok) {
          items[i] = { eventId: c.eventId, fingerprint, topic: c.topic, gameId: game, partition: this.partitionOf(game || c.source), type: EVENT_TYPES[c.type], timeMs: c.timeMs, record: EMPTY, payloadJson };
          marks[2 * i] = w.len;
          marks[2 * i + 1] = end;
          continue;
        }
      }
      const original = p.original();
      const dl = deadLetter({ rejected: c, original, contentType: r.contentType, index: p.index, batchId: r.batchId ?? '', batchSource: r.batchSource }, dlCtx);
      const fp = (Bun.hash.xxHash32(original) ^ (REASON_INDEX.get(c.reason) ?? 0)) >>> 0;
      requestKeys(true);
      w.raw(dl.content);
      items[i] = { eventId: dl.eventId, fingerprint: fp, topic: dl.topic, gameId: r.gameId, partition: this.partitionOf(r.gameId || dl.source), type: EVENT_TYPES.DEAD_LETTER, timeMs: dl.timeMs, record: EMPTY };
      marks[2 * i] = w.len;
      marks[2 * i + 1] = end;
    }
    const bytes = w.result();
    const total = bytes.length;
    for (let i = 0; i < n; i++) items[i]!.record = bytes.subarray(total - marks[2 * i]!, total - marks[2 * i + 1]!);
    w.reset(SCRATCH_KEEP);

    const appended = await this.d.log.append(items);
    const results: EventOutcome[] = [];
    // Counted per request, not per event: label lookups are the costly part. A batch holds
    // few (source, topic, type) triples, so a short list beats building a key per event.
    const counts: [string, string, string, number][] = [];
    const count = (source: string, topic: string, type: string): void => {
      for (const c of counts) {
        if (c[1] === topic && c[0] === source && c[2] === type) {
          c[3]++;
          return;
        }
      }
      counts.push([source, topic, type, 1]);
    };
    for (let i = 0; i < n; i++) {
      const p = pending[i]!;
      const a = appended[i]!;
      const it = items[i]!;
      const c = p.converted;
      if (c.ok) {
        results.push({ index: p.index, event_id: it.eventId, sequence: a.seq, topic: it.topic, status: a.duplicate ? 'duplicate' : 'accepted' });
        if (!a.duplicate) count(c.source, it.topic, c.type);
      } else {
        results.push({ index: p.index, event_id: it.eventId, sequence: a.seq, topic: it.topic, status: 'dead_lettered', reason: c.reason, detail: c.detail });
        if (!a.duplicate) {
          count(c.source ?? r.batchSource ?? '', it.topic, 'DEAD_LETTER');
          metrics.error('eventbus.ingest', 'WARNING', c.reason);
        }
      }
    }
    for (const [source, topic, type, n] of counts) metrics.message(source, topic, type, n);
    return { batchId: r.batchId, results };
  }
}

const EMPTY = new Uint8Array(0);
