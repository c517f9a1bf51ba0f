/**
 * One HTTP exchange with a deadline, recorded whole: a drill judges the status, the
 * headers and the body, and prints them when it fails.
 */

export interface Exchange {
  method: string;
  url: string;
  /** 0 when no reply came (connection refused or reset, or the deadline passed). */
  status: number;
  headers: Headers;
  text: string;
  /** Parsed body, or undefined when it was not JSON. */
  json: unknown;
  ms: number;
  /** Why no reply came. */
  error?: string;
  timedOut: boolean;
}

export interface SendOptions {
  headers?: Record<string, string>;
  /** An object is sent as JSON with `Content-Type: application/json`; a string or bytes as given. */
  body?: unknown;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export async function send(method: string, url: string, o: SendOptions = {}): Promise<Exchange> {
  const headers: Record<string, string> = { ...o.headers };
  let body: Uint8Array | string | undefined;
  if (o.body instanceof Uint8Array) body = o.body;
  else if (typeof o.body === 'string') body = o.body;
  else if (o.body !== undefined) {
    body = JSON.stringify(o.body);
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  }
  const started = performance.now();
  const signal = AbortSignal.timeout(o.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  try {
    const res = await fetch(url, { method, headers, body, signal });
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { method, url, status: res.status, headers: res.headers, text, json, ms: performance.now() - started, timedOut: false };
  } catch (e) {
    const timedOut = signal.aborted;
    return { method, url, status: 0, headers: new Headers(), text: '', json: undefined, ms: performance.now() - started, error: e instanceof Error ? e.message : String(e), timedOut };
  }
}

/** A JSON call that must succeed (setup steps): throws with the reply when it does not. */
export async function must(method: string, url: string, o: SendOptions = {}): Promise<Record<string, unknown>> {
  const x = await send(method, url, o);
  if (x.status < 200 || x.status >= 300) throw new Error(`${method} ${url} → ${x.status || x.error} ${x.text.slice(0, 400)}`);
  return (x.json ?? {}) as Record<string, unknown>;
}

/** Object field access on unknown JSON. */
export function field(v: unknown, ...path: (string | number)[]): unknown {
  let cur = v;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}

/** A short printable form of a request or reply body for failure reports. */
export function excerpt(v: unknown, max = 300): string {
  const s = typeof v === 'string' ? v : v instanceof Uint8Array ? `<${v.byteLength} bytes>` : JSON.stringify(v) ?? String(v);
  return s.length > max ? `${s.slice(0, max)}... (${s.length} chars)` : s;
}
