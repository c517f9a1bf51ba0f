/**
 * A swarm of WebSocket clients, each sending at `hz`, measuring each message's round trip
 * to its reply. Unanswered messages count as errors.
 */
import { Recorder } from './hist.ts';
import type { BenchRow } from './types.ts';

export interface SwarmOptions {
  name: string;
  url: string;
  clients: number;
  hz: number;
  durationSec: number;
  protocols?: string[];
  /** Sent once after open (e.g. an auth frame). */
  hello?: (client: number) => unknown;
  /** Wait for this reply to `hello` before starting. */
  isHelloReply?: (msg: unknown) => boolean;
  makeMessage: (client: number, seq: number) => unknown;
  /** Returns the seq this reply answers, or null for other frames. */
  replySeq: (msg: unknown) => number | null;
  budget_p99_ms?: number;
}

export async function wsSwarm(o: SwarmOptions): Promise<BenchRow> {
  const rec = new Recorder();
  const sockets: WebSocket[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const sentAt: Map<number, number>[] = [];
  let sent = 0;
  await Promise.all(
    Array.from({ length: o.clients }, (_, c) => new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(o.url, o.protocols);
      sockets.push(ws);
      sentAt[c] = new Map();
      const ready = (): void => resolve();
      ws.onerror = () => reject(new Error(`client ${c} failed to connect`));
      ws.onopen = () => {
        if (o.hello) ws.send(JSON.stringify(o.hello(c)));
        if (!o.isHelloReply) ready();
      };
      ws.onmessage = (ev: MessageEvent) => {
        const msg: unknown = JSON.parse(typeof ev.data === 'string' ? ev.data : new TextDecoder().decode(ev.data as ArrayBuffer));
        if (o.isHelloReply?.(msg)) return ready();
        const seq = o.replySeq(msg);
        if (seq === null) return;
        const t = sentAt[c]!.get(seq);
        if (t === undefined) return;
        sentAt[c]!.delete(seq);
        rec.record(performance.now() - t);
      };
    })),
  );
  const periodMs = 1000 / o.hz;
  const started = performance.now();
  // One scheduler for all clients: every millisecond, send whatever is due. Round trips are
  // measured from the actual send; how late the sender itself ran is reported separately,
  // so a busy load generator is visible instead of being charged to the server.
  const nextDue = sockets.map((_, c) => started + (c / o.clients) * periodMs);
  const seqs = sockets.map(() => 0);
  let maxLateMs = 0;
  const endAt = started + o.durationSec * 1000;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      if (now >= endAt) return resolve();
      for (let c = 0; c < sockets.length; c++) {
        if (now < nextDue[c]!) continue;
        maxLateMs = Math.max(maxLateMs, now - nextDue[c]!);
        const seq = seqs[c]!++;
        sentAt[c]!.set(seq, performance.now());
        sockets[c]!.send(JSON.stringify(o.makeMessage(c, seq)));
        sent++;
        nextDue[c]! += periodMs;
        // A sender that fell more than a period behind skips ahead rather than bursting.
        if (now - nextDue[c]! > periodMs) nextDue[c] = now + periodMs;
      }
      timer = setTimeout(tick, 1);
    };
    tick();
  });
  clearTimeout(timer);
  await Bun.sleep(200);
  const lost = sentAt.reduce((n, m) => n + m.size, 0);
  rec.errors += lost;
  sockets.forEach((ws) => ws.close());
  const elapsed = (performance.now() - started) / 1000;
  return rec.row(o.name, { rps: sent / elapsed, budget_p99_ms: o.budget_p99_ms, note: `${o.clients} clients at ${o.hz} Hz, ${lost} unanswered, sender ran up to ${maxLateMs.toFixed(1)} ms late` });
}
