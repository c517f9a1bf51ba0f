/**
 * One process of the WebSocket swarm (spawned by ws-swarm.ts): connects its share of the
 * clients, prints READY, waits for `GO <epoch ms>` on stdin, then sends every client's
 * frames on a fixed schedule and prints `RESULT <json>` with its histograms.
 *
 * Cheap on purpose, so the swarm is not the limit: each socket's frame is encoded and
 * masked once and a send only patches the seq digits (ws-raw-client.ts), replies are
 * matched by scanning their bytes for the seq key instead of parsing JSON, and one 1 ms
 * timer per process sends whatever is due. Each round trip is measured from the
 * frame's scheduled send time (so a late sender is charged, not hidden) and, separately,
 * from the actual send.
 */
import { encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import { newHistogram } from '../../src/runtime/metrics.ts';
import { indexOfBytes, RawWs } from './ws-raw-client.ts';

const enc = new TextEncoder();

export interface SwarmChildConfig {
  url: string;
  protocols?: string[];
  /** Global indices of this process's clients (their schedule offsets depend on it). */
  clients: number[];
  totalClients: number;
  hz: number;
  durationSec: number;
  /** Sent once after open; the client is ready when a frame containing helloMarker arrives. */
  hello?: string;
  helloMarker?: string;
  /** Each frame is prefix + seq + suffix. */
  prefix: string;
  suffix: string;
  /** A reply carrying a seq counts as an answer when it contains this, else as an error. */
  okMarker: string;
  /** The key before a reply's seq number, e.g. `"seq":`. */
  seqKey: string;
  /** How long to wait for the last replies after the final send. */
  drainMs: number;
  /** Frames are sent but not recorded for this long first (JIT warm-up of a fresh process). */
  warmupSec: number;
}

export interface SwarmChildResult {
  sent: number;
  answered: number;
  /** CPU time this process spent while sending (µs). */
  cpuUs: number;
  errorReplies: number;
  closed: number;
  fromSchedule: string;
  fromSend: string;
  lateness: string;
}

const RING = 256;

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as SwarmChildConfig;
  const n = cfg.clients.length;
  const fromSchedule = newHistogram();
  const fromSend = newHistogram();
  const lateness = newHistogram();
  const sockets: RawWs[] = new Array(n);
  const ringSeq = new Int32Array(n * RING).fill(-1);
  const ringDue = new Float64Array(n * RING);
  const ringSent = new Float64Array(n * RING);
  let answered = 0;
  let recordFrom = Infinity;
  let errorReplies = 0;
  let closed = 0;
  const us = (ms: number): number => Math.max(1, Math.round(ms * 1000));
  const seqKey = enc.encode(cfg.seqKey);
  const okMarker = enc.encode(cfg.okMarker);
  const helloMarker = cfg.helloMarker === undefined ? null : enc.encode(cfg.helloMarker);

  const onReply = (i: number, b: Uint8Array, start: number, end: number): void => {
    const k = indexOfBytes(b, seqKey, start, end);
    if (k < 0) return;
    let seq = 0;
    for (let p = k + seqKey.length; p < end; p++) {
      const c = b[p]!;
      if (c < 48 || c > 57) break;
      seq = seq * 10 + c - 48;
    }
    const slot = i * RING + (seq & (RING - 1));
    if (ringSeq[slot] !== seq) return;
    ringSeq[slot] = -1;
    const due = ringDue[slot]!;
    if (due < recordFrom) return;
    if (indexOfBytes(b, okMarker, start, end) < 0) {
      errorReplies++;
      return;
    }
    const now = performance.now();
    fromSchedule.recordValue(us(now - due));
    fromSend.recordValue(us(now - ringSent[slot]!));
    answered++;
  };

  await Promise.all(cfg.clients.map(async (_, i) => {
    let ready: () => void = () => {};
    const helloSeen = new Promise<void>((resolve) => { ready = resolve; });
    let isReady = helloMarker === null;
    const ws = await RawWs.connect(cfg.url, cfg.protocols, {
      onText(b, start, end) {
        if (isReady) return onReply(i, b, start, end);
        if (helloMarker && indexOfBytes(b, helloMarker, start, end) >= 0) {
          isReady = true;
          ready();
        }
      },
      onClose() {
        closed++;
      },
    });
    sockets[i] = ws;
    ws.setTemplate(cfg.prefix, cfg.suffix);
    if (cfg.hello !== undefined) ws.sendText(cfg.hello);
    if (helloMarker !== null) await helloSeen;
  }));
  closed = 0;
  process.stdout.write('READY\n');

  const startEpoch = await new Promise<number>((resolve) => {
    let buf = '';
    process.stdin.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      const m = /GO (\d+(?:\.\d+)?)/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
  });

  const cpu0 = process.cpuUsage();
  const period = 1000 / cfg.hz;
  const start = performance.now() + (startEpoch - Date.now());
  // Clients in schedule order; client c's k-th frame is due at start + offset(c) + k·period.
  const order = cfg.clients.map((c, i) => ({ i, off: (c / cfg.totalClients) * period })).sort((a, b) => a.off - b.off);
  const offs = order.map((o) => o.off);
  const idx = order.map((o) => o.i);
  recordFrom = start + cfg.warmupSec * 1000;
  const rounds = Math.max(1, Math.floor((cfg.warmupSec + cfg.durationSec) * cfg.hz));
  const seqs = new Int32Array(n);
  let p = 0;
  let round = 0;
  let sent = 0;

  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (round < rounds) {
        const due = start + offs[p]! + round * period;
        if (due > now) break;
        const i = idx[p]!;
        const seq = seqs[i]!++;
        const ws = sockets[i]!;
        if (ws.open) {
          const slot = i * RING + (seq & (RING - 1));
          const at = performance.now();
          ringSeq[slot] = seq;
          ringDue[slot] = due;
          ringSent[slot] = at;
          ws.sendSeq(seq);
          if (due >= recordFrom) {
            lateness.recordValue(us(at - due));
            sent++;
          }
        }
        if (++p === n) {
          p = 0;
          round++;
        }
      }
      if (round >= rounds) resolve();
      else setTimeout(tick, 1);
    };
    const wait = start - performance.now();
    setTimeout(tick, Math.max(0, wait));
  });
  const cpu = process.cpuUsage(cpu0);
  await Bun.sleep(cfg.drainMs);
  const result: SwarmChildResult = {
    sent, answered, errorReplies, closed, cpuUs: cpu.user + cpu.system,
    fromSchedule: encodeIntoCompressedBase64(fromSchedule),
    fromSend: encodeIntoCompressedBase64(fromSend),
    lateness: encodeIntoCompressedBase64(lateness),
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  for (const ws of sockets) ws.close();
  await Bun.sleep(50);
  process.exit(0);
}

await main();
