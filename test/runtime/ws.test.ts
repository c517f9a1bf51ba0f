import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Packr } from 'msgpackr';
import { defaultConfig } from '../../src/config.ts';
import { ApiError, plainProfile } from '../../src/runtime/errors.ts';
import { createLogger } from '../../src/runtime/log.ts';
import { Metrics } from '../../src/runtime/metrics.ts';
import { startHttpService, type RunningHttpService } from '../../src/runtime/server.ts';
import { WsHub, type WsOptions } from '../../src/runtime/ws.ts';
import { startTestService, type TestService } from '../helpers.ts';
import { fixtureFactory } from './fixture-service.ts';
import { rawConnect } from './raw-ws.ts';

let svc: TestService;
const packr = new Packr({ useRecords: false });
beforeAll(async () => {
  svc = await startTestService('mall', fixtureFactory({ stored: [], closed: false, lastTraceId: null }));
});
afterAll(() => svc.stop());

const wsUrl = (q = ''): string => `${svc.url.replace('http', 'ws')}/ws${q}`;

function open(url: string, protocols?: string[]): Promise<{ ws: WebSocket; next: () => Promise<unknown> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    ws.binaryType = 'arraybuffer';
    const inbox: unknown[] = [];
    const waiters: ((m: unknown) => void)[] = [];
    ws.onmessage = (ev) => {
      const msg = typeof ev.data === 'string' ? JSON.parse(ev.data) : packr.unpack(new Uint8Array(ev.data as ArrayBuffer));
      const w = waiters.shift();
      if (w) w(msg);
      else inbox.push(msg);
    };
    ws.onerror = () => reject(new Error('ws error'));
    ws.onopen = () => resolve({ ws, next: () => (inbox.length ? Promise.resolve(inbox.shift()) : new Promise((r) => waiters.push(r))) });
  });
}

describe('websocket', () => {
  test('JSON is the default codec and per-connection state persists', async () => {
    const c = await open(wsUrl());
    c.ws.send(JSON.stringify({ type: 'echo', value: 1 }));
    expect(await c.next()).toEqual({ type: 'echo', value: 1, count: 1, codec: 'json' });
    c.ws.send(JSON.stringify({ type: 'echo', value: 2 }));
    expect(await c.next()).toEqual({ type: 'echo', value: 2, count: 2, codec: 'json' });
    c.ws.close();
  });

  test('MessagePack is used when asked by subprotocol', async () => {
    const c = await open(wsUrl(), ['msgpack']);
    expect(c.ws.protocol).toBe('msgpack');
    c.ws.send(packr.pack({ type: 'echo', value: 5 }));
    expect(await c.next()).toEqual({ type: 'echo', value: 5, count: 1, codec: 'msgpack' });
    c.ws.close();
  });

  test('MessagePack is used when asked by query string', async () => {
    const c = await open(wsUrl('?format=msgpack'));
    c.ws.send(packr.pack({ type: 'echo', value: 6 }));
    expect(await c.next()).toEqual({ type: 'echo', value: 6, count: 1, codec: 'msgpack' });
    c.ws.close();
  });

  test('malformed frames and schema failures get an error frame and the socket stays open', async () => {
    const c = await open(wsUrl());
    c.ws.send('{not json');
    const bad = (await c.next()) as { type: string; error: { code: string } };
    expect(bad.type).toBe('error');
    expect(bad.error.code).toBe('bad_request');
    c.ws.send(JSON.stringify({ type: 'echo', value: 'x' }));
    const invalid = (await c.next()) as { type: string; error: { details: { field: string } } };
    expect(invalid.error.details.field).toBe('value');
    c.ws.send(JSON.stringify({ type: 'echo', value: 3 }));
    expect(((await c.next()) as { value: number }).value).toBe(3);
    c.ws.close();
  });

  test('an upgrade hook can refuse the connection', async () => {
    const res = await fetch(`${svc.url}/ws?token=bad`, { headers: { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '13' } });
    expect(res.status).toBe(401);
  });

  test('published topic messages reach subscribers in each codec', async () => {
    const a = await open(wsUrl());
    const b = await open(wsUrl(), ['msgpack']);
    a.ws.send(JSON.stringify({ type: 'echo', value: 99 }));
    expect(((await a.next()) as { type: string }).type).toBe('echo');
    expect(await a.next()).toEqual({ type: 'news', text: 'hello all' });
    expect(await b.next()).toEqual({ type: 'news', text: 'hello all' });
    a.ws.close();
    b.ws.close();
  });
});

describe('websocket idle timeout and slow readers', () => {
  const hub = new WsHub();
  const sends: boolean[] = [];
  const listeners: RunningHttpService[] = [];
  const listen = (ws: Partial<WsOptions>): string => {
    const cfg = defaultConfig().services.mall;
    cfg.port = 0;
    const running = startHttpService({
      name: 'wsfixture',
      profile: plainProfile,
      routes: [],
      ws: [{
        path: '/ws',
        message: (conn, msg) => {
          const m = msg as { type: string; n?: number; bytes?: number };
          if (m.type === 'flood') {
            const chunk = 'x'.repeat(m.bytes ?? 1);
            for (let i = 0; i < (m.n ?? 1); i++) sends.push(conn.send({ type: 'chunk', i, chunk }));
          } else if (m.type === 'throw') throw new ApiError(409, 'conflict', 'thrown in the handler');
          else if (m.type === 'reject') return Promise.reject(new ApiError(404, 'not_found', 'rejected later'));
          else conn.send({ type: 'echo', n: m.n ?? 0 });
        },
      }],
    }, cfg, { metrics: new Metrics(), log: createLogger('wsfixture', 'silent'), hub, debug: false, ws });
    listeners.push(running);
    return `ws://127.0.0.1:${running.server.port}/ws`;
  };
  let idleUrl: string;
  let backlogUrl: string;
  beforeAll(() => {
    idleUrl = listen({ idleTimeoutSec: 0.4 });
    backlogUrl = listen({ maxBufferedBytes: 256 * 1024 });
  });
  afterAll(() => Promise.all(listeners.map((l) => l.stop())));

  test('a handler that throws, or returns a promise that rejects, answers an error frame and the socket stays open', async () => {
    const c = await open(backlogUrl);
    c.ws.send(JSON.stringify({ type: 'throw' }));
    expect(await c.next()).toEqual({ type: 'error', error: { code: 'conflict', message: 'thrown in the handler', details: {} } });
    c.ws.send(JSON.stringify({ type: 'reject' }));
    expect(await c.next()).toEqual({ type: 'error', error: { code: 'not_found', message: 'rejected later', details: {} } });
    c.ws.send(JSON.stringify({ type: 'echo', n: 1 }));
    expect(await c.next()).toEqual({ type: 'echo', n: 1 });
    c.ws.close();
  });

  test('a client that sends nothing and answers no ping is pinged, then closed with 1001; one that answers pings stays', async () => {
    const silent = await rawConnect(idleUrl);
    const polite = await open(idleUrl);
    const started = performance.now();
    await Promise.race([silent.closed, Bun.sleep(3000)]);
    const closedAfter = performance.now() - started;
    expect(silent.isClosed()).toBe(true);
    expect(closedAfter).toBeGreaterThanOrEqual(300);
    expect(closedAfter).toBeLessThan(2000);
    const ops = silent.frames.map((f) => f.op);
    expect(ops).toContain(0x9); // the ping it did not answer
    const close = silent.frames.find((f) => f.op === 0x8);
    expect(close && (close.payload[0]! << 8) | close.payload[1]!).toBe(1001);
    // The browser-style client answered the pings: still open three timeouts later, and served.
    await Bun.sleep(Math.max(0, 1200 - (performance.now() - started)));
    expect(polite.ws.readyState).toBe(WebSocket.OPEN);
    polite.ws.send(JSON.stringify({ type: 'echo', n: 5 }));
    expect(await polite.next()).toEqual({ type: 'echo', n: 5 });
    polite.ws.close();
  });

  test('sends to a client that stops reading are dropped past the backlog bound and counted; it is served again once it reads', async () => {
    const slow = await rawConnect(backlogUrl);
    slow.pause();
    sends.length = 0;
    const droppedBefore = hub.dropped;
    // 64 MB offered to a reader that takes nothing: far past the socket buffers and the 256 KB bound.
    slow.sendText(JSON.stringify({ type: 'flood', n: 256, bytes: 256 * 1024 }));
    for (let t = 0; t < 100 && sends.length < 256; t++) await Bun.sleep(10);
    expect(sends.length).toBe(256);
    const accepted = sends.filter(Boolean).length;
    expect(accepted).toBeGreaterThan(0);
    // What went out fits the socket buffers (a few MB) plus the 256 KB bound: far below Bun's
    // own 16 MB backlog limit, so it was the kernel's bound that dropped the rest.
    expect(accepted * 256 * 1024).toBeLessThan(16 * 1024 * 1024);
    expect(sends.indexOf(false)).toBe(accepted); // once dropping starts, every later send is dropped
    expect(hub.dropped - droppedBefore).toBe(256 - accepted);
    // Another client is served meanwhile.
    const other = await open(backlogUrl);
    other.ws.send(JSON.stringify({ type: 'echo', n: 7 }));
    expect(await other.next()).toEqual({ type: 'echo', n: 7 });
    other.ws.close();
    // The reader catches up: it gets exactly the accepted chunks, then new sends go through.
    slow.resume();
    for (let t = 0; t < 300 && slow.frames.filter((f) => f.op === 0x1).length < accepted; t++) await Bun.sleep(10);
    const chunks = slow.frames.filter((f) => f.op === 0x1).map((f) => (JSON.parse(new TextDecoder().decode(f.payload)) as { i: number }).i);
    expect(chunks).toEqual(Array.from({ length: accepted }, (_, i) => i));
    sends.length = 0;
    slow.sendText(JSON.stringify({ type: 'flood', n: 1, bytes: 10 }));
    for (let t = 0; t < 100 && sends.length < 1; t++) await Bun.sleep(10);
    expect(sends).toEqual([true]);
    slow.end();
  });
});
