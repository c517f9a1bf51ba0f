/** Stored records → the producer's JSON (payload included), decoded once per record for every consumer. */
import { makeCodecs } from '../codec.ts';
import { eventJson } from '../engine/view.ts';
import type { StoredEvent } from '../log/types.ts';
import { loadProtos } from '../proto.ts';
import { decodeEvent } from '../wire/event.ts';
import { isJsonObject, type JsonObject } from '../wire/struct.ts';

const decodeTyped = makeCodecs(loadProtos()).decodeTyped;
// Live consumers share the tail's StoredEvent objects: each record is decoded once.
const cache = new WeakMap<StoredEvent, JsonObject>();

export function eventOf(e: StoredEvent): JsonObject {
  let v = cache.get(e);
  if (!v) {
    v = eventJson(decodeEvent(e.record), decodeTyped);
    cache.set(e, v);
  }
  return v;
}

/** The event's payload object (`payload`, or `data` for connection tests); {} when it has none. */
export function payloadOf(e: StoredEvent): JsonObject {
  const ev = eventOf(e);
  const p = ev.payload ?? ev.data;
  return isJsonObject(p) ? p : {};
}

// The typed views' readers (numbers sent as strings, `{}` for an empty list) serve the components too.
export { num as numOf, str as strOf, list as listOf } from '../engine/typed.ts';
