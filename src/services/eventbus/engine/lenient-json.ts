/**
 * A JSON parser for what BalatroMCP's hand-written encoder emits when strict JSON.parse
 * fails: strings inside arrays (and object keys) are not escaped, so they can carry raw
 * control characters, stray backslashes and bare double quotes; numbers print as Lua
 * does (`nan`, `-nan`, `inf`, `-inf`). Repairs:
 * - raw control characters and unknown escapes (`\x`) inside strings are kept as text;
 * - a `"` inside a string closes it only if the next non-blank character could follow a
 *   string (`,` `:` `}` `]` or the end); when that guess later fails to parse, the most
 *   recent such quote is re-read as a literal and parsing restarts (bounded retries);
 * - the bare tokens nan/-nan/inf/-inf/NaN/Infinity/-Infinity become strings holding the
 *   token, so nothing the game printed is lost.
 * Anything else (truncated bodies, missing braces) is not recoverable.
 */
import { setOwn, type Json } from '../wire/struct.ts';

export interface LenientResult {
  value: Json;
  /** Offsets in the text where a repair was made. */
  repairs: number[];
  /** [start, end) of each element of the root object's `events` array, when there is one. */
  eventSpans: [number, number][];
}

class ParseFailure extends Error {
  constructor(
    readonly at: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_RETRIES = 64;
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const BARE = ['-Infinity', 'Infinity', '-nan', '-inf', 'NaN', 'nan', 'inf'];

class Parser {
  pos = 0;
  repairs: number[] = [];
  /** Quote offsets read as closing by the heuristic (candidates to flip on failure). */
  closings: number[] = [];
  eventSpans: [number, number][] = [];

  constructor(
    readonly s: string,
    readonly literalQuotes: ReadonlySet<number>,
  ) {}

  fail(msg: string): never {
    throw new ParseFailure(this.pos, msg);
  }

  ws(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.pos++;
      else break;
    }
  }

  value(depth: number, path: 'root' | 'events' | 'other'): Json {
    if (depth > 512) this.fail('nesting too deep');
    this.ws();
    const c = this.s[this.pos];
    if (c === '{') return this.object(depth, path === 'root');
    if (c === '[') return this.array(depth, path === 'events');
    if (c === '"') return this.string();
    if (c === 't' && this.s.startsWith('true', this.pos)) {
      this.pos += 4;
      return true;
    }
    if (c === 'f' && this.s.startsWith('false', this.pos)) {
      this.pos += 5;
      return false;
    }
    if (c === 'n' && this.s.startsWith('null', this.pos)) {
      this.pos += 4;
      return null;
    }
    for (const b of BARE) {
      if (this.s.startsWith(b, this.pos)) {
        this.repairs.push(this.pos);
        this.pos += b.length;
        return b;
      }
    }
    return this.number();
  }

  number(): number {
    const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = this.pos;
    const r = m.exec(this.s);
    if (!r || r[0] === '' || r[0] === '-') this.fail(`unexpected character ${JSON.stringify(this.s[this.pos] ?? 'end of input')}`);
    this.pos += r[0].length;
    return Number(r[0]);
  }

  object(depth: number, isRoot: boolean): Json {
    this.pos++;
    const out: { [k: string]: Json } = {};
    this.ws();
    if (this.s[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s[this.pos] !== '"') this.fail('expected a key');
      const key = this.string();
      this.ws();
      if (this.s[this.pos] !== ':') this.fail('expected ":"');
      this.pos++;
      setOwn(out, key, this.value(depth + 1, isRoot && key === 'events' ? 'events' : 'other'));
      this.ws();
      const c = this.s[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === '}') {
        this.pos++;
        return out;
      }
      this.fail('expected "," or "}"');
    }
  }

  array(depth: number, isEvents: boolean): Json {
    this.pos++;
    const out: Json[] = [];
    this.ws();
    if (this.s[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.ws();
      const start = this.pos;
      out.push(this.value(depth + 1, 'other'));
      if (isEvents) this.eventSpans.push([start, this.pos]);
      this.ws();
      const c = this.s[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === ']') {
        this.pos++;
        return out;
      }
      this.fail('expected "," or "]"');
    }
  }

  closesHere(q: number): boolean {
    let i = q + 1;
    const s = this.s;
    while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
    return i >= s.length || s[i] === ',' || s[i] === ':' || s[i] === '}' || s[i] === ']';
  }

  string(): string {
    const s = this.s;
    this.pos++;
    let out = '';
    let chunk = this.pos;
    for (;;) {
      if (this.pos >= s.length) this.fail('unterminated string');
      const c = s.charCodeAt(this.pos);
      if (c === 34) {
        if (!this.literalQuotes.has(this.pos) && this.closesHere(this.pos)) {
          out += s.slice(chunk, this.pos);
          this.closings.push(this.pos);
          this.pos++;
          return out;
        }
        this.repairs.push(this.pos);
        this.pos++;
        continue;
      }
      if (c === 92) {
        out += s.slice(chunk, this.pos);
        const e = s[this.pos + 1];
        const simple = e === undefined ? undefined : ESCAPES[e];
        if (simple !== undefined) {
          out += simple;
          this.pos += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(this.pos + 2, this.pos + 6))) {
          out += String.fromCharCode(parseInt(s.slice(this.pos + 2, this.pos + 6), 16));
          this.pos += 6;
        } else {
          // A backslash the encoder never escaped (e.g. a Windows path): keep it as text.
          this.repairs.push(this.pos);
          out += '\\';
          this.pos++;
        }
        chunk = this.pos;
        continue;
      }
      if (c < 0x20) this.repairs.push(this.pos);
      this.pos++;
    }
  }
}

/** Parses `text` leniently; throws an Error naming the offset when it cannot. */
export function parseLenient(text: string): LenientResult {
  const literal = new Set<number>();
  let last: ParseFailure | null = null;
  for (let attempt = 0; attempt <= MAX_RETRIES; attempt++) {
    const p = new Parser(text, literal);
    try {
      const value = p.value(0, 'root');
      p.ws();
      if (p.pos < text.length) p.fail('unexpected data after the JSON value');
      return { value, repairs: p.repairs, eventSpans: p.eventSpans };
    } catch (e) {
      if (!(e instanceof ParseFailure)) throw e;
      last = e;
      // Re-read the latest guessed closing quote before the failure as a literal quote.
      const candidate = p.closings.filter((q) => q < e.at && !literal.has(q)).pop();
      if (candidate === undefined) break;
      literal.add(candidate);
    }
  }
  throw new Error(`${last?.message ?? 'unparseable'} at offset ${last?.at ?? 0}`);
}
