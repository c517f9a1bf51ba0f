import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { connect } from 'node:net';
import { startBus, type Bus } from './bus.ts';
import { balatroJson, modBatch, modEvent } from './fixtures.ts';

let bus: Bus;
beforeAll(async () => {
  bus = await startBus();
});
afterAll(() => bus.stop());

interface Exchange {
  /** ms from sending the headers to the `100 Continue` line (-1 if it never came). */
  continueMs: number;
  status: number;
  body: string;
}

/** One POST the way the game's HTTP stack does it: a new connection, headers with Expect: 100-continue, body only after 100. */
function postExpectingContinue(path: string, body: string): Promise<Exchange> {
  const { port } = new URL(bus.url);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), '127.0.0.1');
    let buf = '';
    let sentAt = 0;
    let continueMs = -1;
    const giveUp = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer; got ${JSON.stringify(buf)}`));
    }, 3000);
    sock.on('connect', () => {
      sentAt = performance.now();
      sock.write(`POST ${path} HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: BalatroMCP/1.0\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`);
    });
    sock.on('data', (d: Buffer) => {
      buf += d.toString();
      if (continueMs < 0 && buf.startsWith('HTTP/1.1 100 Continue\r\n\r\n')) {
        continueMs = performance.now() - sentAt;
        buf = buf.slice('HTTP/1.1 100 Continue\r\n\r\n'.length);
        sock.write(body);
      }
      const end = buf.indexOf('\r\n\r\n');
      if (continueMs >= 0 && end > 0) {
        const len = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? '0');
        if (buf.length >= end + 4 + len) {
          clearTimeout(giveUp);
          sock.destroy();
          resolve({ continueMs, status: Number(buf.slice(9, 12)), body: buf.slice(end + 4, end + 4 + len) });
        }
      }
    });
    sock.on('error', reject);
  });
}

describe("the game's HTTP stack", () => {
  test('Expect: 100-continue is answered at once on every new connection, and the body is then accepted', async () => {
    for (let i = 0; i < 5; i++) {
      const x = await postExpectingContinue('/api/v1/events/batch', balatroJson(modBatch([modEvent('HEARTBEAT', { i })])));
      expect(x.status).toBe(200);
      expect((JSON.parse(x.body) as { accepted: number }).accepted).toBe(1);
      // The body is only sent after `100 Continue`, so this exchange completing proves the bus sent it unprompted.
      expect(x.continueMs).toBeGreaterThanOrEqual(0);
    }
    const single = await postExpectingContinue('/api/v1/events', balatroJson(modEvent('HEARTBEAT', {})));
    expect(single.status).toBe(200);
  });

  test("the health check the client POSTs with a body of {} answers 200 with status, backlog, last sequence and storage", async () => {
    const x = await postExpectingContinue('/api/v1/events/health', '{}');
    expect(x.status).toBe(200);
    const h = JSON.parse(x.body) as Record<string, unknown>;
    expect(h.status).toBe('ok');
    expect(h.service).toBe('eventbus');
    expect(typeof h.last_sequence).toBe('number');
    expect(h.backlog).toMatchObject({ pending_events: 0, pending_bytes: 0 });
    expect((h.storage as { engine: string; bytes: number; partitions: number; retention_ms: number }).partitions).toBe(8);
    expect((h.storage as { retention_ms: number }).retention_ms).toBe(7 * 86_400_000);
    expect((h.storage as { bytes: number }).bytes).toBeGreaterThan(0);
    const get = await fetch(`${bus.url}/api/v1/events/health`);
    expect(((await get.json()) as { last_sequence: number }).last_sequence).toBe(h.last_sequence as number);
  });
});
