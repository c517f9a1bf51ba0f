/**
 * A swarm of WebSocket clients, each sending a frame at `hz`, spread over several client
 * processes (ws-swarm-client.ts) so the load generator has more than one event loop;
 * their hdr histograms are merged here. The row's percentiles are round trips measured
 * from each frame's scheduled send time; the note adds the figure from the actual send,
 * how late the senders ran, the swarm's own CPU time per frame and (given the server's
 * pid) the server's. Unanswered frames and error replies count as errors.
 */
import { decodeFromCompressedBase64, type Histogram } from 'hdr-histogram-js';
import { readFileSync } from 'node:fs';
import { newHistogram } from '../../src/runtime/metrics.ts';
import type { BenchRow } from './types.ts';
import type { SwarmChildConfig, SwarmChildResult } from './ws-swarm-client.ts';

export interface SwarmOptions {
  name: string;
  url: string;
  clients: number;
  hz: number;
  durationSec: number;
  protocols?: string[];
  /** Pre-encoded first frame (e.g. auth) and a text its reply contains. */
  hello?: string;
  helloMarker?: string;
  /** Frame k of a client is `${prefix}${k}${suffix}` (pre-encoded apart from the seq). */
  prefix: string;
  suffix: string;
  /** Text every good reply contains (replies with a seq but without it are errors). */
  okMarker: string;
  /** The key before the seq number in a reply (default `"seq":`). */
  seqKey?: string;
  /** Frames sent before recording starts (default 1 s). */
  warmupSec?: number;
  /** Client processes (default: one per 500 clients, 2 to 4). */
  processes?: number;
  budget_p99_ms?: number;
  /** The server's process id, to report its CPU time per frame. */
  serverPid?: number;
}

export interface SwarmRow extends BenchRow {
  /** p99 of round trips measured from the actual send instead of the schedule. */
  send_p99_ms: number;
  /** How late the senders ran behind their schedule. */
  late_p99_ms: number;
  late_max_ms: number;
  /** Server CPU per frame: whole process, and its main thread alone (µs). */
  server_cpu_us?: number;
  server_main_cpu_us?: number;
  /** The swarm's own CPU per frame, all client processes (µs). */
  client_cpu_us: number;
}

const CLIENT = new URL('./ws-swarm-client.ts', import.meta.url).pathname;

/** CPU time of a process (all threads) and of its main thread, in µs. */
export function cpuOf(pid: number): { all: number; main: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 (utime, stime) in clock ticks of 10 ms; index 11 and 12 after the name.
    const all = (Number(f[11]) + Number(f[12])) * 10_000;
    const main = Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1000;
    return { all, main };
  } catch {
    return null;
  }
}

interface Child {
  proc: ReturnType<typeof Bun.spawn<'pipe', 'pipe', 'inherit'>>;
  lines: AsyncIterator<string>;
}

async function* linesOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of stream) {
    buf += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      yield buf.slice(0, nl);
      buf = buf.slice(nl + 1);
    }
  }
}

async function expectLine(c: Child, prefix: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`swarm process did not report ${prefix.trim()} in time`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), left); });
    const next = await Promise.race([c.lines.next(), late]);
    clearTimeout(timer);
    if (next === null) continue;
    if (next.done) throw new Error(`swarm process exited (code ${c.proc.exitCode}) before ${prefix.trim()}`);
    if (next.value.startsWith(prefix)) return next.value.slice(prefix.length);
  }
}

export async function wsSwarm(o: SwarmOptions): Promise<SwarmRow> {
  const procs = Math.max(1, Math.min(o.clients, o.processes ?? Math.min(4, Math.max(2, Math.ceil(o.clients / 500)))));
  const drainMs = 500;
  const warmupSec = o.warmupSec ?? 1;
  const children: Child[] = [];
  try {
    for (let k = 0; k < procs; k++) {
      const mine: number[] = [];
      for (let c = k; c < o.clients; c += procs) mine.push(c);
      const cfg: SwarmChildConfig = {
        url: o.url, protocols: o.protocols, clients: mine, totalClients: o.clients, hz: o.hz, durationSec: o.durationSec,
        hello: o.hello, helloMarker: o.helloMarker, prefix: o.prefix, suffix: o.suffix, okMarker: o.okMarker, seqKey: o.seqKey ?? '"seq":', drainMs, warmupSec,
      };
      const proc = Bun.spawn([process.execPath, CLIENT, JSON.stringify(cfg)], { stdin: 'pipe', stdout: 'pipe', stderr: 'inherit' });
      children.push({ proc, lines: linesOf(proc.stdout)[Symbol.asyncIterator]() });
    }
    await Promise.all(children.map((c) => expectLine(c, 'READY', 60_000)));
    const cpu0 = o.serverPid !== undefined ? cpuOf(o.serverPid) : null;
    // A common start a little ahead, so every process begins on the same schedule.
    const startAt = Date.now() + 100;
    for (const c of children) {
      c.proc.stdin.write(`GO ${startAt}\n`);
      c.proc.stdin.flush();
    }
    const results = await Promise.all(children.map(async (c) => JSON.parse(await expectLine(c, 'RESULT ', (warmupSec + o.durationSec) * 1000 + 30_000)) as SwarmChildResult));
    const cpu1 = o.serverPid !== undefined ? cpuOf(o.serverPid) : null;
    const merged = (pick: (r: SwarmChildResult) => string): Histogram => {
      const h = newHistogram();
      for (const r of results) h.add(decodeFromCompressedBase64(pick(r)));
      return h;
    };
    const fromSchedule = merged((r) => r.fromSchedule);
    const fromSend = merged((r) => r.fromSend);
    const late = merged((r) => r.lateness);
    const sent = results.reduce((a, r) => a + r.sent, 0);
    const answered = results.reduce((a, r) => a + r.answered, 0);
    const errorReplies = results.reduce((a, r) => a + r.errorReplies, 0);
    const closed = results.reduce((a, r) => a + r.closed, 0);
    const lost = sent - answered - errorReplies;
    // CPU figures cover the warm-up too: divide by every frame of the run.
    const frames = Math.max(1, Math.floor((warmupSec + o.durationSec) * o.hz) * o.clients);
    const at = (h: Histogram, p: number): number => h.getValueAtPercentile(p) / 1000;
    const row: SwarmRow = {
      name: o.name,
      p50_ms: at(fromSchedule, 50), p90_ms: at(fromSchedule, 90), p99_ms: at(fromSchedule, 99), p999_ms: at(fromSchedule, 99.9),
      max_ms: fromSchedule.maxValue / 1000, count: fromSchedule.totalCount, errors: lost + errorReplies,
      rps: sent / o.durationSec, budget_p99_ms: o.budget_p99_ms,
      send_p99_ms: at(fromSend, 99), late_p99_ms: at(late, 99), late_max_ms: late.maxValue / 1000,
      client_cpu_us: Math.round((results.reduce((a, r) => a + r.cpuUs, 0) / frames) * 10) / 10,
    };
    if (cpu0 && cpu1) {
      row.server_cpu_us = Math.round(((cpu1.all - cpu0.all) / frames) * 10) / 10;
      row.server_main_cpu_us = Math.round(((cpu1.main - cpu0.main) / frames) * 10) / 10;
    }
    const cpuNote = row.server_main_cpu_us !== undefined ? `; server CPU per frame ${row.server_main_cpu_us} µs main thread, ${row.server_cpu_us} µs all threads` : '';
    row.note = `${o.clients} clients at ${o.hz} Hz from ${procs} processes, timed from the schedule; from the actual send p99 ${row.send_p99_ms.toFixed(2)} ms; senders late p99 ${row.late_p99_ms.toFixed(2)} ms, max ${row.late_max_ms.toFixed(1)} ms; ${lost} unanswered, ${errorReplies} error replies${closed ? `, ${closed} sockets closed` : ''}${cpuNote}; swarm CPU per frame ${row.client_cpu_us} µs`;
    return row;
  } finally {
    // Children exit on their own after reporting; a stuck one is killed.
    await Promise.all(children.map(async (c) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([c.proc.exited, new Promise((r) => { timer = setTimeout(r, 3000); })]);
      clearTimeout(timer);
      c.proc.kill();
      await c.proc.exited;
    }));
  }
}
