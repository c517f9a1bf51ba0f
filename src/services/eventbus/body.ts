/**
 * Request bodies of the ingest routes, read here rather than by the kernel because they
 * may be protobuf and have their own limits: size (413), content type (415), UTF-8
 * (400), then strict JSON with a lenient fallback for BalatroMCP's encoder (400 only
 * when even that fails).
 */
import { busError } from './errors.ts';
import { parseLenient } from './engine/lenient-json.ts';
import type { Json } from './wire/struct.ts';

export type BodyKind = 'json' | 'protobuf';

export interface JsonBody {
  kind: 'json';
  bytes: Uint8Array;
  value: Json;
  /** Offsets of lenient repairs (empty when strict JSON.parse succeeded). */
  repairs: number[];
  /** Element spans of the root `events` array (lenient parses only). */
  eventSpans: [number, number][];
  text: string;
}

export interface ProtoBody {
  kind: 'protobuf';
  bytes: Uint8Array;
}

const PROTOBUF_TYPES = /^application\/(x-protobuf|protobuf|vnd\.google\.protobuf|x-google-protobuf|octet-stream)\b/i;
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

export function bodyKind(contentType: string | null): BodyKind {
  if (contentType === null || contentType.trim() === '' || /\bjson\b/i.test(contentType)) return 'json';
  if (PROTOBUF_TYPES.test(contentType)) return 'protobuf';
  throw busError('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be application/json or application/x-protobuf, got ${contentType.slice(0, 100)}`, { content_type: contentType.slice(0, 100), accepted: ['application/json', 'application/x-protobuf'] });
}

export async function readBody(req: Request, limit: number): Promise<JsonBody | ProtoBody> {
  const kind = bodyKind(req.headers.get('content-type'));
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > limit) throw busError('PAYLOAD_TOO_LARGE', `Request body of ${declared} bytes exceeds the ${limit}-byte limit`, { limit_bytes: limit });
  const bytes = new Uint8Array(await req.arrayBuffer());
  if (bytes.length > limit) throw busError('PAYLOAD_TOO_LARGE', `Request body exceeds the ${limit}-byte limit`, { limit_bytes: limit });
  if (bytes.length === 0) throw busError('BAD_REQUEST', 'Request body is empty', {});
  if (kind === 'protobuf') return { kind, bytes };
  let text: string;
  try {
    text = utf8Strict.decode(bytes);
  } catch {
    throw busError('INVALID_ENCODING', 'Request body is not valid UTF-8', { offset: firstInvalidUtf8(bytes) });
  }
  try {
    return { kind, bytes, value: JSON.parse(text) as Json, repairs: [], eventSpans: [], text };
  } catch (strict) {
    try {
      const r = parseLenient(text);
      return { kind, bytes, value: r.value, repairs: r.repairs, eventSpans: r.eventSpans, text };
    } catch (e) {
      throw busError('INVALID_JSON', `Malformed JSON: ${e instanceof Error ? e.message : String(e)}`, { parser: strict instanceof Error ? strict.message : String(strict) });
    }
  }
}

/** Byte offset of the first invalid UTF-8 sequence, for the error details. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    const n = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 0;
    if (n === 0 || i + n > b.length) return i;
    for (let k = 1; k < n; k++) if ((b[i + k]! & 0xc0) !== 0x80) return i;
    i += n;
  }
  return -1;
}
