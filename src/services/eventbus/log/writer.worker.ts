/**
 * The log's only writer: a thread of its own so commits (and fsync with
 * synchronous=FULL) never block the event loop that parses requests. It assigns
 * sequences at commit time, so a failed transaction leaves no gap. Groups arrive in
 * shared segments (segments.ts). The topic and game lookup tables are filled in bulk,
 * a few thousand events at a time, in a transaction of their own after a commit: an
 * index updated inside every commit rewrote one leaf page per topic and game each time,
 * which cost more than the rows themselves (see the README's figures).
 */
import { Database, type Statement } from 'bun:sqlite';
import { parentPort } from 'node:worker_threads';
import { COL, INDEXED_UPTO, ROW_WIDTH, type WriterReply, type WriterRequest } from './schema.ts';

let db: Database | null = null;
let ins: Statement | null = null;
/** Rows per multi-row INSERT: one statement step per CHUNK rows costs less than CHUNK steps. */
const CHUNK = 32;
let insMany: Statement | null = null;
let insTopic: Statement | null = null;
let insGame: Statement | null = null;
let nextSeq = 1;
let firstSeq = 1;
const segments = new Map<number, SharedArrayBuffer>();

/** Lookup tables are filled once this many events wait, or when the oldest has waited this long (set at open). */
let indexEveryEvents = 4096;
let indexEveryMs = 250;
let indexedUpto = 0;
let lastIndexAt = 0;
let indexTopics: Statement | null = null;
let indexGames: Statement | null = null;
let setMeta: Statement | null = null;
let indexTimer: ReturnType<typeof setInterval> | null = null;

/** Copies the events after `indexedUpto` into topic_seq and game_seq; committed with the new mark. */
function indexNow(): void {
  const upTo = nextSeq - 1;
  lastIndexAt = performance.now();
  if (!db || upTo <= indexedUpto) return;
  const from = indexedUpto;
  try {
    db.transaction(() => {
      indexTopics!.run(from, upTo);
      indexGames!.run(from, upTo);
      setMeta!.run(INDEXED_UPTO, String(upTo));
    }).immediate();
    indexedUpto = upTo;
  } catch {
    // Busy or full: the events stay findable by scanning; the next run tries again.
  }
}

function indexIfDue(): void {
  if (nextSeq - 1 - indexedUpto >= indexEveryEvents || (nextSeq - 1 > indexedUpto && performance.now() - lastIndexAt >= indexEveryMs)) indexNow();
}

const reply = (m: WriterReply): void => parentPort!.postMessage(m);

function open(m: Extract<WriterRequest, { op: 'open' }>): void {
  indexEveryEvents = m.indexEveryEvents;
  indexEveryMs = m.indexEveryMs;
  db = new Database(m.path, { strict: true });
  db.exec('PRAGMA journal_mode = WAL');
  db.exec(`PRAGMA synchronous = ${m.synchronous}`);
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec(`PRAGMA cache_size = -${m.cacheKb}`);
  if (m.maxPageCount > 0) db.exec(`PRAGMA max_page_count = ${m.maxPageCount}`);
  // Checkpoints run on their own thread (checkpoint.worker.ts); this is only a backstop on WAL size.
  db.exec('PRAGMA wal_autocheckpoint = 65536');
  const cols = 'INSERT INTO events (seq, topic_id, game, part, type, time_ms, received_ms, idh, fp, record) VALUES ';
  ins = db.prepare(`${cols}(?,?,?,?,?,?,?,?,?,?)`);
  insMany = db.prepare(cols + Array(CHUNK).fill('(?,?,?,?,?,?,?,?,?,?)').join(','));
  insTopic = db.prepare('INSERT OR IGNORE INTO topics (id, name) VALUES (?, ?)');
  indexTopics = db.prepare('INSERT OR IGNORE INTO topic_seq (topic_id, seq) SELECT topic_id, seq FROM events WHERE seq > ? AND seq <= ?');
  indexGames = db.prepare('INSERT OR IGNORE INTO game_seq (game, seq) SELECT game, seq FROM events WHERE seq > ? AND seq <= ? AND game != 0');
  setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
  insGame = db.prepare('INSERT OR IGNORE INTO games (id, name) VALUES (?, ?)');
  const row = db.query<{ lo: number | null; hi: number | null }, []>('SELECT min(seq) AS lo, max(seq) AS hi FROM events').get();
  const hi = row?.hi ?? 0;
  const kept = db.query<{ value: string }, []>("SELECT value FROM meta WHERE key = 'last_seq'").get();
  // After a sweep emptied the table, the high-water mark keeps sequences from restarting.
  nextSeq = Math.max(hi, kept ? Number(kept.value) : 0) + 1;
  firstSeq = row?.lo ?? nextSeq;
  const mark = db.query<{ value: string }, [string]>('SELECT value FROM meta WHERE key = ?').get(INDEXED_UPTO);
  indexedUpto = mark ? Number(mark.value) : 0;
  // Events committed after the last bulk fill (a killed process) are added now.
  indexNow();
  indexTimer = setInterval(indexIfDue, indexEveryMs);
  reply({ op: 'ready', lastSeq: nextSeq - 1, firstSeq });
}

function append(m: Extract<WriterRequest, { op: 'append' }>): void {
  const d = db!;
  const start = nextSeq;
  const n = m.n;
  const sab = segments.get(m.seg)!;
  const rows = new Float64Array(sab, 0, n * ROW_WIDTH);
  const data = new Uint8Array(sab, n * ROW_WIDTH * 8, m.bytes);
  try {
    d.transaction(() => {
      for (const [id, name] of m.newTopics) insTopic!.run(id, name);
      for (const [id, name] of m.newGames) insGame!.run(id, name);
      let off = 0;
      let seq = start;
      const args: (number | Uint8Array)[] = new Array(CHUNK * 10);
      const bind = (i: number, at: number): void => {
        const b = i * ROW_WIDTH;
        const end = rows[b + COL.end]!;
        args[at] = seq++;
        args[at + 1] = rows[b + COL.topic]!;
        args[at + 2] = rows[b + COL.game]!;
        args[at + 3] = rows[b + COL.part]!;
        args[at + 4] = rows[b + COL.type]!;
        args[at + 5] = rows[b + COL.time]!;
        args[at + 6] = m.receivedMs;
        args[at + 7] = rows[b + COL.idh]!;
        args[at + 8] = rows[b + COL.fp]!;
        args[at + 9] = data.subarray(off, end);
        off = end;
      };
      let i = 0;
      for (; i + CHUNK <= n; i += CHUNK) {
        for (let k = 0; k < CHUNK; k++) bind(i + k, k * 10);
        insMany!.run(...args);
      }
      for (; i < n; i++) {
        bind(i, 0);
        ins!.run(...args.slice(0, 10));
      }
    }).immediate();
    nextSeq = start + n;
    if (firstSeq > start) firstSeq = start;
    reply({ op: 'done', id: m.id, ok: true, firstSeq: start, deleted: 0, newFirstSeq: firstSeq });
    indexIfDue();
  } catch (e) {
    nextSeq = start;
    const msg = e instanceof Error ? e.message : String(e);
    reply({ op: 'done', id: m.id, ok: false, error: msg, full: /full/i.test(msg) });
  }
}

function sweep(m: Extract<WriterRequest, { op: 'sweep' }>): void {
  const d = db!;
  try {
    const cut = d.query<{ seq: number }, [number, number]>('SELECT seq FROM events WHERE received_ms >= ? OR seq >= ? ORDER BY seq LIMIT 1')
      .get(m.cutoffMs, firstSeq + m.maxRows);
    // Sequences rise with receive time, so everything below the first young row is old.
    const upTo = cut ? cut.seq : nextSeq;
    let deleted = 0;
    if (upTo > firstSeq) {
      d.transaction(() => {
        // Lookup entries first, found through the distinct topics and games of the rows going.
        d.run('DELETE FROM topic_seq WHERE topic_id IN (SELECT DISTINCT topic_id FROM events WHERE seq < ?1) AND seq < ?1', [upTo]);
        d.run('DELETE FROM game_seq WHERE game IN (SELECT DISTINCT game FROM events WHERE seq < ?1 AND game != 0) AND seq < ?1', [upTo]);
        deleted = d.run('DELETE FROM events WHERE seq < ?', [upTo]).changes;
        d.run("INSERT INTO meta (key, value) VALUES ('last_seq', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [String(nextSeq - 1)]);
      }).immediate();
      firstSeq = upTo;
    }
    reply({ op: 'done', id: m.id, ok: true, firstSeq: 0, deleted, newFirstSeq: firstSeq });
  } catch (e) {
    reply({ op: 'done', id: m.id, ok: false, error: e instanceof Error ? e.message : String(e), full: false });
  }
}

function close(m: Extract<WriterRequest, { op: 'close' }>): void {
  try {
    if (indexTimer) clearInterval(indexTimer);
    indexNow();
    if (db) {
      db.run("INSERT INTO meta (key, value) VALUES ('last_seq', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [String(nextSeq - 1)]);
      db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      for (const st of [ins, insMany, insTopic, insGame, indexTopics, indexGames, setMeta]) st?.finalize();
      db.close();
      db = null;
    }
    reply({ op: 'done', id: m.id, ok: true, firstSeq: 0, deleted: 0, newFirstSeq: firstSeq });
  } catch (e) {
    reply({ op: 'done', id: m.id, ok: false, error: e instanceof Error ? e.message : String(e), full: false });
  }
}

parentPort!.on('message', (m: WriterRequest) => {
  switch (m.op) {
    case 'open':
      try {
        open(m);
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
    case 'sweep':
      sweep(m);
      break;
    case 'close':
      close(m);
      break;
  }
});
