/** protobufjs-backed encoders/decoders the pure engine is given (typed payloads, dead letters). */
import type { TypedEncoders } from './engine/convert.ts';
import type { TypedDecoder } from './engine/view.ts';
import { TO_OBJECT, TYPE_URLS, type ProtoTypes } from './proto.ts';
import type { JsonObject } from './wire/struct.ts';

export interface DeadLetterFields {
  reason: string;
  detail: string;
  original: Uint8Array;
  content_type: string;
  index: number;
  batch_id: string;
  original_type: string;
  original_size: number;
}

export interface Codecs {
  typed: TypedEncoders;
  decodeTyped: TypedDecoder;
  deadLetter(f: DeadLetterFields): Uint8Array;
}

export function makeCodecs(p: ProtoTypes): Codecs {
  const enc = (t: typeof p.Event) => (view: Record<string, unknown>): Uint8Array => t.encode(t.fromObject(view)).finish();
  const decodeTyped: TypedDecoder = (url, bytes) => {
    const type = p.byTypeUrl(url);
    if (!type) return null;
    try {
      const obj = type.toObject(type.decode(bytes), TO_OBJECT) as JsonObject;
      if (url === TYPE_URLS.deadLetter) {
        const dl = p.DeadLetter.decode(bytes) as unknown as { original?: Uint8Array; content_type?: string };
        const raw = dl.original ?? new Uint8Array(0);
        // JSON originals read back as text; anything else (protobuf bodies) stays base64.
        if (!/protobuf/.test(dl.content_type ?? '')) {
          obj.original = new TextDecoder().decode(raw);
          obj.original_encoding = 'utf-8';
        } else obj.original_encoding = 'base64';
      }
      return obj;
    } catch {
      return null;
    }
  };
  return {
    typed: {
      decisionRequest: enc(p.LearningDecisionRequest),
      decisionResponse: enc(p.LearningDecisionResponse),
      error: enc(p.ErrorEvent),
    },
    decodeTyped,
    deadLetter: (f) => p.DeadLetter.encode(p.DeadLetter.fromObject(f)).finish(),
  };
}
