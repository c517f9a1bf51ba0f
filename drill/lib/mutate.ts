/**
 * Requests no schema describes: malformed JSON text, wrong content types, empty, huge and
 * deeply nested bodies, invalid UTF-8, prototype keys, bad headers, overlong URLs.
 * Each takes a valid body's JSON text (or none) and the seeded RNG.
 */
import type { Rng } from './rng.ts';

export interface RawRequest {
  what: string;
  body?: string | Uint8Array;
  headers: Record<string, string>;
}

const JSON_TYPE = { 'Content-Type': 'application/json' };

/** Bodies broken below the schema: the parser, the size limit, the nesting limit, the content type. */
export function rawBodies(valid: string, r: Rng, maxBodyBytes: number): RawRequest {
  const cut = r.int(0, Math.max(0, valid.length - 1));
  const options: (() => RawRequest)[] = [
    () => ({ what: `truncated JSON at ${cut}`, body: valid.slice(0, cut), headers: JSON_TYPE }),
    () => ({ what: 'junk inside JSON', body: `${valid.slice(0, cut)}${r.pick(['}', ']', ',', '"', '\\', 'NaN', '\u0000', "'"])}${valid.slice(cut)}`, headers: JSON_TYPE }),
    () => ({ what: 'trailing garbage', body: `${valid} trailing`, headers: JSON_TYPE }),
    () => ({ what: 'NaN and Infinity literals', body: '{"a": NaN, "b": Infinity, "c": -Infinity}', headers: JSON_TYPE }),
    () => ({ what: 'single quotes and comments', body: "{'a': 1 /* comment */}", headers: JSON_TYPE }),
    () => ({ what: 'byte order mark', body: `\ufeff${valid}`, headers: JSON_TYPE }),
    () => ({ what: 'duplicate keys', body: valid.startsWith('{') && valid.length > 2 ? `{"dup":1,"dup":2,${valid.slice(1)}` : '{"dup":1,"dup":2}', headers: JSON_TYPE }),
    () => ({ what: '__proto__ key', body: valid.startsWith('{') && valid.length > 2 ? `{"__proto__":{"polluted":true},${valid.slice(1)}` : '{"__proto__":{"polluted":true}}', headers: JSON_TYPE }),
    () => ({ what: 'numbers beyond float64', body: valid.replace(/:\s*-?\d+(\.\d+)?/, ':1e400') || '1e400', headers: JSON_TYPE }),
    () => ({ what: 'integer beyond 2^53', body: valid.replace(/:\s*\d+/, ':9007199254740993123'), headers: JSON_TYPE }),
    () => ({ what: 'JSON of the wrong shape', body: r.pick(['[]', '[1,2,3]', '"text"', '42', 'true', 'null', '{}']), headers: JSON_TYPE }),
    () => ({ what: 'empty body', body: '', headers: JSON_TYPE }),
    () => ({ what: 'whitespace body', body: ' \n\t ', headers: JSON_TYPE }),
    () => ({ what: 'wrong content type', body: valid, headers: { 'Content-Type': r.pick(['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'image/png', 'application/jsonx']) } }),
    () => ({ what: 'no content type', body: valid, headers: {} }),
    () => ({ what: 'invalid UTF-8', body: utf8Broken(valid), headers: JSON_TYPE }),
    () => ({ what: `body of ${maxBodyBytes + 1} bytes`, body: `{"pad":"${'x'.repeat(Math.max(0, maxBodyBytes + 1 - 10))}"}`, headers: JSON_TYPE }),
    () => {
      const depth = r.pick([100, 1_000, 10_000, 100_000]);
      return { what: `arrays nested ${depth} deep`, body: `${'['.repeat(depth)}${']'.repeat(depth)}`, headers: JSON_TYPE };
    },
    () => {
      const depth = r.pick([100, 1_000, 10_000, 50_000]);
      return { what: `objects nested ${depth} deep`, body: `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`, headers: JSON_TYPE };
    },
    () => {
      const keys = r.pick([1_000, 30_000]);
      return { what: `object with ${keys} keys`, body: `{${Array.from({ length: keys }, (_, i) => `"k${i}":${i}`).join(',')}}`, headers: JSON_TYPE };
    },
    () => ({ what: 'long string values', body: valid.replace(/"([^"\\]*)"(?=\s*[,}\]])/, `"${'z'.repeat(r.pick([70_000, 300_000, 900_000]))}"`), headers: JSON_TYPE }),
  ];
  return r.pick(options)();
}

function utf8Broken(valid: string): Uint8Array {
  const bytes = new TextEncoder().encode(valid.length > 2 ? valid : '{"a":"b"}');
  const i = Math.max(1, bytes.indexOf(0x22) + 1);
  const out = new Uint8Array(bytes.length + 3);
  out.set(bytes.subarray(0, i));
  out.set([0xff, 0xfe, 0xc3], i);
  out.set(bytes.subarray(i), i + 3);
  return out;
}

/** Header trouble: a wrong or malformed token, a bad request id, a header over the limit. */
export function badHeaders(base: Record<string, string>, r: Rng): { what: string; headers: Record<string, string> } {
  const options: (() => { what: string; headers: Record<string, string> })[] = [
    () => ({ what: 'no Authorization', headers: Object.fromEntries(Object.entries(base).filter(([k]) => k.toLowerCase() !== 'authorization')) }),
    () => ({ what: 'wrong bearer token', headers: { ...base, Authorization: 'Bearer wrong-token-0123456789' } }),
    () => ({ what: 'malformed Authorization', headers: { ...base, Authorization: r.pick(['Bearer', 'Basic Zm9vOmJhcg==', 'bearer  ', 'Bearer a.b.c', `Bearer ${'t'.repeat(5000)}`]) } }),
    () => ({ what: 'unusable X-Request-Id', headers: { ...base, 'X-Request-Id': r.pick(['has spaces in it', 'x'.repeat(300), 'tab\there']) } }),
    () => ({ what: 'header over 16 KiB', headers: { ...base, 'X-Padding': 'p'.repeat(17_000) } }),
    () => ({ what: 'junk traceparent', headers: { ...base, traceparent: r.pick(['00-zz-yy-01', '', 'ff-'.repeat(40)]) } }),
  ];
  return r.pick(options)();
}

/** Path parameter values a router or handler might choke on. */
export function badSegment(r: Rng): string {
  return r.pick([
    '', '..', '%2e%2e%2f', '%00', '%ff', 'x'.repeat(600), '-1', '0', '1.5', '9'.repeat(40), '9007199254740993', 'null', 'undefined',
    '%F0%9F%98%80', '%E4%B8%AD', 'a%20b', '__proto__', 'constructor', "'; DROP TABLE x; --", '%22%3E%3Cscript%3E',
  ]);
}
