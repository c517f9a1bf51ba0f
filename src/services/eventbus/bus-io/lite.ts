/**
 * What the components read of an event, decoded without the bulk: the source, and the
 * payload's fields they use (a GAME_STATE's 52-card deck, shop and score history are
 * skipped unread — decoding a full BalatroMCP state costs hundreds of microseconds, this
 * a few). Cached per record, so the consumers following the tail decode each once.
 */
import type { StoredEvent } from '../log/types.ts';
import { TYPE_URLS } from '../proto-urls.ts';
import { Reader, WIRE_LEN } from '../wire/pb.ts';
import { decodeValue, setOwn, type JsonObject } from '../wire/struct.ts';
import { payloadOf } from './event-json.ts';

/** Payload keys any component reads (events' own and a nested `game_state`'s). */
const WANTED: ReadonlySet<string> = new Set([
  'game_id', 'ante', 'round', 'hand_number', 'chips', 'mult', 'money', 'hand_size', 'hands_remaining', 'discards_remaining', 'jokers', 'hand', 'blind',
  'game_state', 'phase', 'new_phase', 'won', 'game_won', 'game_over', 'score', 'request_id', 'available_actions', 'selected_action', 'confidence',
  'strategy_name', 'used_llm', 'time_limit_ms', 'context', 'strategy', 'fallback', 'hand_type', 'poker_hand', 'hand_name',
]);
const SOURCE_PAYLOAD = 100;
const TYPED: ReadonlySet<string> = new Set([TYPE_URLS.gameState, TYPE_URLS.decisionRequest, TYPE_URLS.decisionResponse, TYPE_URLS.error]);

const payloads = new WeakMap<StoredEvent, JsonObject>();

const utf8 = new TextDecoder();
// Producers are few: the last source read is usually the next one too.
let lastBytes = new Uint8Array(0);
let lastText = '';

function sourceText(b: Uint8Array, at: number, len: number): string {
  if (len === lastBytes.length) {
    let same = true;
    for (let k = 0; k < len; k++) {
      if (b[at + k] !== lastBytes[k]) {
        same = false;
        break;
      }
    }
    if (same) return lastText;
  }
  lastBytes = b.slice(at, at + len);
  lastText = utf8.decode(lastBytes);
  return lastText;
}

/** Event field 4 without decoding the rest (and without a Reader: this runs for every event). */
export function sourceOfRecord(e: StoredEvent): string {
  let s = '';
  const b = e.record;
  let i = 0;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const byte = b[i++];
      if (byte === undefined) return -1;
      v += (byte & 0x7f) * mul;
      if (byte < 0x80) return v;
      mul *= 128;
    }
  };
  while (i < b.length) {
    const tag = varint();
    if (tag < 0) break;
    const wire = tag & 7;
    if (wire === 0) varint();
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) {
      const len = varint();
      if (len < 0) break;
      if (tag === 0x22) {
        s = sourceText(b, i, len);
        break;
      }
      i += len;
    } else break;
  }
  return s;
}

/** Selected entries of a google.protobuf.Struct; `game_state` objects are selected the same way. One Reader walks it all (entries entered and left in place). */
function select(buf: Uint8Array, start: number, end: number, depth: number): JsonObject {
  const out: JsonObject = {};
  const r = new Reader(buf, start, end);
  while (!r.done) {
    const tag = r.varint();
    if (tag !== 0x0a) {
      r.skip(tag & 7);
      continue;
    }
    const entry = r.enter();
    let key = '';
    let vs = -1;
    let ve = -1;
    while (!r.done) {
      const t = r.varint();
      if (t === 0x0a) key = r.string();
      else if (t === 0x12) [vs, ve] = r.span();
      else r.skip(t & 7);
    }
    r.leave(entry);
    if (vs < 0 || !WANTED.has(key)) continue;
    if (key === 'game_state' && depth === 0 && buf[vs] === 0x2a) {
      // A Value holding a struct: tag 0x2a, then the struct's length.
      let k = vs + 1;
      let len = 0;
      let mul = 1;
      for (;;) {
        const b = buf[k++]!;
        len += (b & 0x7f) * mul;
        if (b < 0x80) break;
        mul *= 128;
      }
      setOwn(out, key, select(buf, k, k + len, 1));
    } else setOwn(out, key, decodeValue(buf, vs, ve));
  }
  return out;
}

/** The payload fields the components use; falls back to the full payload for other payload types. */
export function litePayload(e: StoredEvent): JsonObject {
  let p = payloads.get(e);
  if (p) return p;
  const buf = e.record;
  const r = new Reader(buf);
  let payloadSpan: [number, number] | null = null;
  while (!r.done) {
    const tag = r.varint();
    if (tag === 0x42) payloadSpan = r.span();
    else r.skip(tag & 7);
  }
  p = {};
  if (payloadSpan) {
    const ar = new Reader(buf, payloadSpan[0], payloadSpan[1]);
    let url = '';
    let value: [number, number] | null = null;
    while (!ar.done) {
      const t = ar.varint();
      if (t === 0x0a) url = ar.string();
      else if (t === 0x12) value = ar.span();
      else ar.skip(t & 7);
    }
    if (value && url === TYPE_URLS.struct) p = select(buf, value[0], value[1], 0);
    else if (value && TYPED.has(url)) {
      const vr = new Reader(buf, value[0], value[1]);
      let sp: [number, number] | null = null;
      while (!vr.done) {
        const t = vr.varint();
        if (t === SOURCE_PAYLOAD * 8 + WIRE_LEN) sp = vr.span();
        else vr.skip(t & 7);
      }
      p = sp ? select(buf, sp[0], sp[1], 0) : payloadOf(e);
    } else if (value) p = payloadOf(e);
  }
  payloads.set(e, p);
  return p;
}
