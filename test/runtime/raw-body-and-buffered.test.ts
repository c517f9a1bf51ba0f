import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Type } from '@sinclair/typebox';
import { connect, type Socket } from 'node:net';
import { plainProfile } from '../../src/runtime/errors.ts';
import { openApiDocument } from '../../src/runtime/openapi.ts';
import { route, type ServiceDef, type ServiceFactory } from '../../src/runtime/service.ts';
import type { WsConn } from '../../src/runtime/ws.ts';
import { startTestService, type TestService } from '../helpers.ts';

const conns: WsConn<unknown>[] = [];
const factory: ServiceFactory = () => {
  const def: ServiceDef = {
    name: 'raw',
    profile: plainProfile,
    routes: [
      route({
        method: 'POST', path: '/raw', rawBody: { contentTypes: ['application/json', 'application/x-protobuf'], schema: Type.Object({ a: Type.Integer() }), description: 'JSON or protobuf' },
        handler: async (c) => ({ bytes: (await c.request.arrayBuffer()).byteLength }),
      }),
    ],
    ws: [{ path: '/ws', open: (c) => void conns.push(c), message: () => {} }],
  };
  return def;
};

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService('mall', factory);
});
afterAll(() => svc.stop());

describe('kernel: raw bodies and socket buffers', () => {
  test('a rawBody route gets its body untouched (whatever its content type) and is documented per content type', async () => {
    const res = await fetch(`${svc.url}/raw`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: new Uint8Array([0x0a, 0x01, 0x41, 0xff]) });
    expect(await res.json()).toEqual({ bytes: 4 });
    const doc = openApiDocument(svc.app.services.get('mall')!.def, svc.url) as { paths: Record<string, { post: { requestBody: { description: string; content: Record<string, { schema: { type: string; format?: string } }> } } }> };
    const body = doc.paths['/raw']!.post.requestBody;
    expect(body.description).toBe('JSON or protobuf');
    expect(body.content['application/json']!.schema.type).toBe('object');
    expect(body.content['application/x-protobuf']!.schema).toEqual({ type: 'string', format: 'binary' });
  });

  test('bufferedAmount grows for a client that never reads and is 0 for one that does', async () => {
    conns.length = 0;
    // A raw TCP client completes the handshake and then never reads.
    const sock: Socket = connect(Number(new URL(svc.url).port), '127.0.0.1');
    await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
    sock.write(`GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    await new Promise<void>((resolve) => sock.once('data', () => resolve()));
    sock.pause();
    while (conns.length === 0) await Bun.sleep(5);
    const slow = conns[0]!;
    const chunk = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 200 && slow.bufferedAmount() === 0; i++) {
      slow.send(chunk);
      await Bun.sleep(1);
    }
    expect(slow.bufferedAmount()).toBeGreaterThan(0);
    sock.destroy();

    const ws = new WebSocket(`${svc.url.replace('http', 'ws')}/ws`);
    await new Promise<void>((resolve) => (ws.onopen = () => resolve()));
    while (conns.length < 2) await Bun.sleep(5);
    const got = new Promise<void>((resolve) => (ws.onmessage = () => resolve()));
    conns[1]!.send({ hello: 1 });
    await got;
    expect(conns[1]!.bufferedAmount()).toBe(0);
    ws.close();
  });
});
