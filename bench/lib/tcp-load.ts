/**
 * A lean closed-loop HTTP/1.1 load generator on Bun's native sockets, for capacity rows
 * that compare a service with a bare handler. autocannon spends ~15-25 µs of JS per
 * request; on two shared cores that is as much as the servers under test, so the generator
 * becomes the limit and every server looks alike (measured: /vm/run before this branch's
 * changes scored 0.60-0.77 of bare through autocannon, 0.47 through wrk). This one sends
 * pre-encoded request bytes and reads only the status line and Content-Length of each
 * reply (a few µs per request, like wrk), so the server is the limit again.
 * Each connection keeps one request in flight (keep-alive, no pipelining).
 */
import { Recorder } from './hist.ts';

export interface TcpLoad {
  url: string;
  method?: 'GET' | 'POST';
  /** JSON-encoded when not a string. */
  body?: unknown;
  headers?: Record<string, string>;
  connections: number;
  durationSec: number;
  /** Latencies (successful replies) are recorded here. */
  recorder: Recorder;
}

export interface TcpLoadResult {
  /** Replies with a 2xx status. */
  ok: number;
  errors: number;
  rps: number;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i;

export async function tcpMaxRate(load: TcpLoad): Promise<TcpLoadResult> {
  const u = new URL(load.url);
  const body = load.body === undefined ? '' : typeof load.body === 'string' ? load.body : JSON.stringify(load.body);
  const method = load.method ?? (load.body === undefined ? 'GET' : 'POST');
  const head = [`${method} ${u.pathname}${u.search} HTTP/1.1`, `Host: ${u.host}`, 'Connection: keep-alive'];
  if (body !== '') head.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
  for (const [k, v] of Object.entries(load.headers ?? {})) head.push(`${k}: ${v}`);
  const request = Buffer.from(`${head.join('\r\n')}\r\n\r\n${body}`);
  const rec = load.recorder;
  let ok = 0;
  let errors = 0;
  const started = performance.now();
  const endAt = started + load.durationSec * 1000;
  const sockets: { end(): void }[] = [];

  await Promise.all(Array.from({ length: load.connections }, () => new Promise<void>((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    let sentAt = 0;
    const send = (s: { write(b: Uint8Array): number }): void => {
      sentAt = performance.now();
      s.write(request);
    };
    Bun.connect({
      hostname: u.hostname,
      port: Number(u.port),
      socket: {
        open(s) {
          sockets.push(s);
          send(s);
        },
        data(s, chunk) {
          buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
          for (;;) {
            const end = buf.indexOf(CRLFCRLF);
            if (end < 0) return;
            const headText = buf.toString('latin1', 0, end);
            const len = Number(CONTENT_LENGTH.exec(headText)?.[1] ?? '0');
            const total = end + 4 + len;
            if (buf.length < total) return;
            const status = Number(headText.slice(9, 12));
            const now = performance.now();
            if (status >= 200 && status < 300) {
              ok++;
              rec.record(now - sentAt);
            } else errors++;
            buf = buf.subarray(total);
            if (now >= endAt) {
              s.end();
              resolve();
              return;
            }
            send(s);
          }
        },
        close() {
          resolve();
        },
        error(_s, e) {
          errors++;
          reject(e);
        },
        connectError(_s, e) {
          reject(e);
        },
      },
    }).catch(reject);
  })));
  for (const s of sockets) s.end();
  return { ok, errors, rps: ok / ((performance.now() - started) / 1000) };
}
