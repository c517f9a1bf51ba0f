/**
 * A swarm of WebSocket clients, each sending at `hz`, measuring the round trip from a
 * message's scheduled send time to its reply (so a slow server cannot hide queueing).
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
  const timers: ReturnType<typeof setInterval>[] = [];
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
  // Stagger clients over one period so load is spread as real game clients' is.
  sockets.forEach((ws, c) => {
    let seq = 0;
    const fire = (): void => {
      const scheduled = started + (c / o.clients) * periodMs + seq * periodMs;
      sentAt[c]!.set(seq, scheduled);
      ws.send(JSON.stringify(o.makeMessage(c, seq)));
      seq++;
      sent++;
    };
    setTimeout(() => {
      fire();
      timers.push(setInterval(fire, periodMs));
    }, (c / o.clients) * periodMs);
  });
  await Bun.sleep(o.durationSec * 1000);
  timers.forEach(clearInterval);
  await Bun.sleep(200);
  const lost = sentAt.reduce((n, m) => n + m.size, 0);
  rec.errors += lost;
  sockets.forEach((ws) => ws.close());
  const elapsed = (performance.now() - started) / 1000;
  return rec.row(o.name, { rps: sent / elapsed, budget_p99_ms: o.budget_p99_ms, note: `${o.clients} clients at ${o.hz} Hz, ${lost} unanswered` });
}
