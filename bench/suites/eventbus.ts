/**
 * Event bus rows: batch ingest (p99 acknowledgement at 2,000 events/s, gated; max
 * events/s beside a bare Bun handler parsing the same bodies), WebSocket fan-out (100
 * subscribers while 10k events/s arrive: p99 publish→deliver, gated, and none lost),
 * gRPC PublishEvent calls/s and SubscribeEvents messages/s (recorded).
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Packr } from 'msgpackr';
import { fileURLToPath } from 'node:url';
import { newHistogram } from '../../src/runtime/metrics.ts';
import { Recorder } from '../lib/hist.ts';
import { fixedRate, maxThroughput } from '../lib/http.ts';
import { gatedServerSide } from '../lib/server-side.ts';
import { startServer, type BenchServer } from '../lib/server.ts';
import type { BenchRow, Suite } from '../lib/types.ts';
import { encodeStruct } from '../../src/services/eventbus/wire/struct.ts';
import { batchBodies } from './eventbus-workload.ts';

const SETS = { 'services.eventbus.options.grpcPort': '0', 'services.eventbus.options.resources': '{"grpcPort":0}' };

async function health(server: BenchServer): Promise<{ last_sequence: number; grpc: { address: string } }> {
  return (await (await fetch(`${server.url('eventbus')}/api/v1/events/health`)).json()) as { last_sequence: number; grpc: { address: string } };
}

/** A bare Bun.serve handler that parses the same body and answers a small JSON: the HTTP + JSON.parse ceiling. */
async function bareParser(): Promise<{ url: string; stop(): void }> {
  const code = `const s = Bun.serve({ hostname: '127.0.0.1', port: 0, async fetch(req) { const b = await req.json(); return Response.json({ status: 'ok', received: b.events.length }); } }); console.log('PORT ' + s.port);`;
  const proc = Bun.spawn([process.execPath, '-e', code], { stdout: 'pipe', stderr: 'inherit' });
  const reader = proc.stdout.getReader();
  let buf = '';
  while (!/PORT (\d+)/.test(buf)) {
    const { value, done } = await reader.read();
    if (done) throw new Error('reference server exited');
    buf += new TextDecoder().decode(value);
  }
  return { url: `http://127.0.0.1:${/PORT (\d+)/.exec(buf)![1]}/`, stop: () => proc.kill() };
}

const ingest: Suite = {
  name: 'eventbus: ingest',
  async run({ quick }) {
    const rows: BenchRow[] = [];
    const durationSec = quick ? 3 : 8;
    const bodies = batchBodies();
    const server = await startServer(['eventbus'], { sets: SETS });
    try {
      const url = `${server.url('eventbus')}/api/v1/events/batch`;
      await maxThroughput({ name: 'warmup', url, makeBody: () => bodies.next(), durationSec: 1, connections: 8 });
      rows.push(...(await gatedServerSide(server, 'POST /api/v1/events/batch', 'eventbus: batch ingest, 50-event BalatroMCP batches at 2,000 events/s (40 req/s), keep-alive, p99 ack', 5, () =>
        fixedRate({ name: 'ingest-2000', url, makeBody: () => bodies.next(), rate: 40, durationSec: quick ? 4 : 10 }))));
      const before = (await health(server)).last_sequence;
      const max = await maxThroughput({ name: 'eventbus: batch ingest, 50-event BalatroMCP batches, keep-alive, 16 connections, max events/s', url, makeBody: () => bodies.next(), durationSec, connections: 16 });
      const stored = (await health(server)).last_sequence - before;
      const ok = max.count;
      const ref = await bareParser();
      let refRps = 0;
      try {
        const r = await maxThroughput({ name: 'ref', url: ref.url, makeBody: () => bodies.next(), durationSec, connections: 16 });
        refRps = r.rps ?? 0;
      } finally {
        ref.stop();
      }
      rows.push({
        ...max, rps: (max.rps ?? 0) * bodies.events,
        note: `${Math.round((max.rps ?? 0) * bodies.events)} events/s (${Math.round(max.rps ?? 0)} batches/s of ${bodies.bytes} bytes); every acknowledged event stored: ${stored >= ok * bodies.events ? 'yes' : `NO (${stored} of ${ok * bodies.events})`}; bare Bun JSON.parse handler, same bodies: ${Math.round(refRps * bodies.events)} events/s`,
      });
    } finally {
      await server.stop();
    }
    if (!quick) {
      const fs = await startServer(['eventbus'], { sets: { ...SETS, 'services.eventbus.options.fsync': 'true' } });
      try {
        const url = `${fs.url('eventbus')}/api/v1/events/batch`;
        await maxThroughput({ name: 'warmup', url, makeBody: () => bodies.next(), durationSec: 1, connections: 8 });
        const r = await maxThroughput({ name: 'eventbus: batch ingest with fsync per commit (synchronous=FULL), 16 connections, max events/s', url, makeBody: () => bodies.next(), durationSec, connections: 16 });
        rows.push({ ...r, rps: (r.rps ?? 0) * bodies.events, note: `${Math.round((r.rps ?? 0) * bodies.events)} events/s with an fsync per group commit` });
      } finally {
        await fs.stop();
      }
    }
    return rows;
  },
};

/** First and last `"sequence":N` of a JSON frame without parsing it (events in a frame are contiguous here: every event matches). */
function jsonRange(text: string): [number, number] {
  const a = text.indexOf('"sequence":') + 11;
  const b = text.lastIndexOf('"sequence":') + 11;
  return [parseInt(text.slice(a, a + 16), 10), parseInt(text.slice(b, b + 16), 10)];
}

const SEQ_KEY = Buffer.from([0xa8, ...Buffer.from('sequence')]);
function msgpackUint(b: Buffer, at: number): number {
  const t = b[at]!;
  if (t < 0x80) return t;
  if (t === 0xcc) return b[at + 1]!;
  if (t === 0xcd) return b.readUInt16BE(at + 1);
  if (t === 0xce) return b.readUInt32BE(at + 1);
  return Number(b.readBigUInt64BE(at + 1));
}
/** The same for a MessagePack frame: the bytes after the first and last `sequence` key. */
function msgpackRange(b: Buffer): [number, number] {
  return [msgpackUint(b, b.indexOf(SEQ_KEY) + SEQ_KEY.length), msgpackUint(b, b.lastIndexOf(SEQ_KEY) + SEQ_KEY.length)];
}

/** p50/p99 of a kernel summary on the admin port's /metrics. */
async function serverQuantiles(server: BenchServer, name: string): Promise<{ p50: number; p99: number; count: number }> {
  const text = await (await fetch(`${server.url('admin')}/metrics`)).text();
  const q = (x: string): number => Number(new RegExp(`^${name}\\{quantile="${x}"\\} ([\\d.]+)$`, 'm').exec(text)?.[1] ?? 'NaN');
  return { p50: q('0.5'), p99: q('0.99'), count: Number(new RegExp(`^${name}_count (\\d+)$`, 'm').exec(text)?.[1] ?? '0') };
}

async function fanoutRun(codec: 'json' | 'msgpack', quick: boolean): Promise<BenchRow[]> {
  const subscribers = 100;
  const ratePerSec = 200; // batches of 50: 10,000 events/s
  const durationMs = (quick ? 4 : 10) * 1000;
  const bodies = batchBodies(true);
  const server = await startServer(['eventbus'], { sets: SETS });
  const sockets: WebSocket[] = [];
  try {
    const base = server.url('eventbus');
    // Frames per subscriber: [first, last, received at].
    const frames: [number, number, number][][] = Array.from({ length: subscribers }, () => []);
    let verified = 0;
    let broken = 0;
    let nextFull = 0;
    const packr = new Packr({ useRecords: false });
    await Promise.all(Array.from({ length: subscribers }, (_, i) => new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`${base.replace('http', 'ws')}/ws/events${codec === 'msgpack' ? '?format=msgpack' : ''}`);
      ws.binaryType = 'arraybuffer';
      sockets.push(ws);
      ws.onerror = () => reject(new Error('subscriber failed'));
      ws.onopen = () => ws.send(codec === 'json' ? JSON.stringify({ type: 'subscribe', patterns: ['game.>'] }) : packr.pack({ type: 'subscribe', patterns: ['game.>'] }));
      ws.onmessage = (m) => {
        const at = performance.now();
        let range: [number, number];
        if (codec === 'json') {
          const text = m.data as string;
          if (text.startsWith('{"type":"subscribed"')) return resolve();
          if (!text.startsWith('{"type":"events"')) return;
          range = jsonRange(text);
        } else {
          const b = Buffer.from(m.data as ArrayBuffer);
          if (b.indexOf('subscribed') >= 0 && b.indexOf(SEQ_KEY) < 0) return resolve();
          if (b.indexOf(SEQ_KEY) < 0) return;
          range = msgpackRange(b);
        }
        frames[i]!.push([range[0], range[1], at]);
        if (i === 0) {
          // One subscriber decodes every frame in full and checks each sequence.
          const msg = (codec === 'json' ? JSON.parse(m.data as string) : packr.unpack(Buffer.from(m.data as ArrayBuffer))) as { events: { sequence: number }[] };
          for (const v of msg.events) {
            if (nextFull !== 0 && v.sequence !== nextFull) broken++;
            nextFull = v.sequence + 1;
            verified++;
          }
        }
      };
    })));
    await fetch(`${server.url('admin')}/api/stats/reset`, { method: 'POST' });
    const published: [number, number, number][] = [];
    let errors = 0;
    let inFlight = 0;
    const started = performance.now();
    let sent = 0;
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const due = Math.floor(((performance.now() - started) / 1000) * ratePerSec);
        while (sent < due) {
          sent++;
          const t0 = performance.now();
          inFlight++;
          fetch(`${base}/api/v1/events/batch`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: bodies.next() })
            .then(async (r) => {
              if (r.status !== 200) throw new Error(String(r.status));
              const b = (await r.json()) as { first_sequence: number; last_sequence: number };
              published.push([b.first_sequence, b.last_sequence, t0]);
            })
            .catch(() => void errors++)
            .finally(() => void inFlight--);
        }
        if (performance.now() - started >= durationMs) {
          clearInterval(tick);
          resolve();
        }
      }, 2);
    });
    while (inFlight > 0) await Bun.sleep(5);
    const lastSeq = Math.max(...published.map((p) => p[1]));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && frames.some((f) => (f.at(-1)?.[1] ?? 0) < lastSeq)) await Bun.sleep(20);
    published.sort((a, b) => a[0] - b[0]);
    const firstSeq = published[0]![0];
    const t0Of = (seq: number): number => {
      let lo = 0;
      let hi = published.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (published[mid]![0] <= seq) lo = mid;
        else hi = mid - 1;
      }
      return published[lo]![2];
    };
    const h = newHistogram();
    let maxUs = 0;
    let lost = 0;
    const expected = published.reduce((n, p) => n + p[1] - p[0] + 1, 0);
    for (const f of frames) {
      let got = 0;
      for (const [a, b, at] of f) {
        if (b < firstSeq) continue;
        for (let s = Math.max(a, firstSeq); s <= b; s++) {
          const us = Math.max(1, Math.round((at - t0Of(s)) * 1000));
          h.recordValue(us);
          if (us > maxUs) maxUs = us;
          got++;
        }
      }
      if (got < expected) lost += expected - got;
    }
    const fan = await serverQuantiles(server, 'eventbus_fanout_ms');
    const commit = await serverQuantiles(server, 'eventbus_commit_ms');
    const at = (p: number): number => h.getValueAtPercentile(p) / 1000;
    return [{
      name: `eventbus: fan-out, 100 WebSocket subscribers (${codec === 'json' ? 'JSON' : 'MessagePack'}) on game.> while 10,000 events/s arrive, p99 publish to deliver`,
      p50_ms: at(50), p90_ms: at(90), p99_ms: at(99), p999_ms: at(99.9), max_ms: maxUs / 1000, count: h.totalCount, rps: expected / (durationMs / 1000),
      budget_p99_ms: codec === 'json' ? 10 : undefined, errors: errors + lost + broken,
      note: `${expected} events at ${Math.round(expected / (durationMs / 1000))}/s; deliveries ${h.totalCount} of ${expected * subscribers} (lost ${lost}); subscriber 0 decoded and checked ${verified} in full (out of order ${broken}); POST errors ${errors}. Server side: commit p50/p99 ${commit.p50}/${commit.p99} ms, building + publishing a commit's frames p50/p99 ${fan.p50}/${fan.p99} ms (${fan.count} commits). Measured from the POST being sent to the frame event in the bench process, which also runs the 100 clients`,
    }];
  } finally {
    for (const ws of sockets) ws.close();
    await server.stop();
  }
}

const fanout: Suite = {
  name: 'eventbus: fan-out',
  async run({ quick }) {
    const rows = await fanoutRun('json', quick);
    if (!quick) rows.push(...(await fanoutRun('msgpack', quick)));
    return rows;
  },
};

interface GrpcClient extends grpc.Client {
  PublishEvent(req: unknown, cb: (e: grpc.ServiceError | null, r?: { sequence: number }) => void): void;
  SubscribeEvents(req: { patterns: string[]; from_sequence: number }): grpc.ClientReadableStream<unknown>;
}

function grpcClient(address: string): GrpcClient {
  const dir = fileURLToPath(new URL('../../src/services/eventbus/proto/', import.meta.url));
  const def = protoLoader.loadSync('jimbot/events/v1/event_bus.proto', { includeDirs: [dir], keepCase: true, longs: Number, enums: String });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { jimbot: { events: { v1: { EventBus: new (a: string, c: grpc.ChannelCredentials) => GrpcClient } } } };
  return new pkg.jimbot.events.v1.EventBus(address, grpc.credentials.createInsecure());
}

const grpcRows: Suite = {
  name: 'eventbus: gRPC',
  async run({ quick }) {
    const server = await startServer(['eventbus'], { sets: SETS });
    const rows: BenchRow[] = [];
    try {
      const client = grpcClient((await health(server)).grpc.address);
      const durationMs = (quick ? 3 : 8) * 1000;
      const payload = { type_url: 'type.googleapis.com/google.protobuf.Struct', value: Buffer.from(encodeStruct({ old_value: 12, new_value: 17, difference: 5 })) };
      let n = 0;
      const rec = new Recorder();
      const call = (): Promise<void> => new Promise((resolve) => {
        const t = performance.now();
        client.PublishEvent({ event_id: `g-${n++}`, type: 'MONEY_CHANGED', source: 'bench', payload }, (e) => {
          if (e) rec.errors++;
          else rec.record(performance.now() - t);
          resolve();
        });
      });
      for (let i = 0; i < 200; i++) await call();
      const rec0 = rec.count;
      const started = performance.now();
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (performance.now() - started < durationMs) await call();
      }));
      const calls = rec.count - rec0;
      rows.push(rec.row('eventbus: gRPC PublishEvent, one grpc-js client, 8 calls in flight, calls/s', { rps: calls / (durationMs / 1000), note: `${Math.round(calls / (durationMs / 1000))} calls/s (each committed before its reply)` }));

      // SubscribeEvents: replay a stored backlog to one subscriber as fast as the stream takes it.
      const bodies = batchBodies();
      const preload = quick ? 400 : 1200;
      for (let i = 0; i < preload; i += 8) {
        await Promise.all(Array.from({ length: 8 }, () => fetch(`${server.url('eventbus')}/api/v1/events/batch`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: bodies.next() })));
      }
      const total = (await health(server)).last_sequence;
      const t0 = performance.now();
      let got = 0;
      await new Promise<void>((resolve, reject) => {
        const stream = client.SubscribeEvents({ patterns: ['>'], from_sequence: 1 });
        stream.on('data', () => {
          if (++got === total) {
            stream.cancel();
            resolve();
          }
        });
        stream.on('error', (e: grpc.ServiceError) => (e.code === grpc.status.CANCELLED ? resolve() : reject(e)));
      });
      const secs = (performance.now() - t0) / 1000;
      rows.push({ name: 'eventbus: gRPC SubscribeEvents, replay of the stored log to one grpc-js client, msgs/s', p50_ms: 0, p90_ms: 0, p99_ms: 0, p999_ms: 0, max_ms: secs * 1000, count: got, rps: got / secs, note: `${Math.round(got / secs)} Events/s over ${got} events (mixed BalatroMCP batches, ${Math.round(bodies.bytes / 50)} bytes per event as JSON)` });
      client.close();
    } finally {
      await server.stop();
    }
    return rows;
  },
};

export const suites: Suite[] = [ingest, fanout, grpcRows];
