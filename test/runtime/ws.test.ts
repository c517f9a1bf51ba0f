import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Packr } from 'msgpackr';
import { startTestService, type TestService } from '../helpers.ts';
import { fixtureFactory } from './fixture-service.ts';

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
