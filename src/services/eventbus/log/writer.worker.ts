/**
 * The log writer (writer.ts) on a thread of its own, for `writerThread` (the default with
 * fsync per commit): an fsync then never blocks the event loop. Groups arrive in shared
 * segments (segments.ts); replies carry only numbers.
 */
import { parentPort } from 'node:worker_threads';
import { COL, ROW_WIDTH, type WriterReply, type WriterRequest } from './schema.ts';
import { LogWriter } from './writer.ts';

let writer: LogWriter | null = null;
let indexTimer: ReturnType<typeof setInterval> | null = null;
const segments = new Map<number, SharedArrayBuffer>();

const reply = (m: WriterReply): void => parentPort!.postMessage(m);

function append(m: Extract<WriterRequest, { op: 'append' }>): void {
  const sab = segments.get(m.seg)!;
  const rows = new Float64Array(sab, 0, m.n * ROW_WIDTH);
  const data = new Uint8Array(sab, m.n * ROW_WIDTH * 8, m.bytes);
  let off = 0;
  const r = writer!.append(m.n, m.newTopics, m.newGames, (i, args, at) => {
    const b = i * ROW_WIDTH;
    const end = rows[b + COL.end]!;
    args[at] = rows[b + COL.topic]!;
    args[at + 1] = rows[b + COL.game]!;
    args[at + 2] = rows[b + COL.part]!;
    args[at + 3] = rows[b + COL.type]!;
    args[at + 4] = rows[b + COL.time]!;
    args[at + 5] = m.receivedMs;
    args[at + 6] = rows[b + COL.idh]!;
    args[at + 7] = rows[b + COL.fp]!;
    args[at + 8] = data.subarray(off, end);
    off = end;
  });
  reply(r.ok ? { op: 'done', id: m.id, ok: true, firstSeq: r.firstSeq, deleted: 0, newFirstSeq: writer!.firstSeq } : { op: 'done', id: m.id, ok: false, error: r.error, full: r.full });
  // After the reply: the commit's caller does not wait for the lookup fill.
  writer!.indexIfDue();
}

parentPort!.on('message', (m: WriterRequest) => {
  switch (m.op) {
    case 'open':
      try {
        writer = LogWriter.open(m);
        indexTimer = setInterval(() => writer?.indexIfDue(), m.indexEveryMs);
        reply({ op: 'ready', lastSeq: writer.lastSeq, firstSeq: writer.firstSeq });
      } catch (e) {
        reply({ op: 'open_failed', error: e instanceof Error ? e.message : String(e) });
      }
      break;
    case 'segment':
      segments.set(m.seg, m.sab);
      break;
    case 'drop':
      segments.delete(m.seg);
      break;
    case 'append':
      append(m);
      break;
    case 'sweep': {
      const r = writer!.sweep(m.cutoffMs, m.maxRows);
      reply(r.ok ? { op: 'done', id: m.id, ok: true, firstSeq: 0, deleted: r.deleted, newFirstSeq: r.newFirstSeq } : { op: 'done', id: m.id, ok: false, error: r.error, full: false });
      break;
    }
    case 'close':
      try {
        if (indexTimer) clearInterval(indexTimer);
        writer?.close();
        writer = null;
        reply({ op: 'done', id: m.id, ok: true, firstSeq: 0, deleted: 0, newFirstSeq: 0 });
      } catch (e) {
        reply({ op: 'done', id: m.id, ok: false, error: e instanceof Error ? e.message : String(e), full: false });
      }
      break;
  }
});
