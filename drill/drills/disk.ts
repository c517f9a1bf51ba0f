/**
 * Full and read-only disk. The server runs on a data dir of its own filesystem; the drill
 * writes (acknowledged), takes the disk away (fills it / the kernel makes it read-only),
 * writes again — every refusal must be 503 or 507 in the service's envelope with a
 * message that says why, reads keep answering — then gives the disk back and writes
 * must succeed again (full disk: without a restart; read-only: after the unmount and
 * repair the kernel requires). Finally the server is killed and started again: every
 * acknowledged write is there, nothing refused is, nothing is half-written.
 */
import { rmSync } from 'node:fs';
import { Recorder } from '../../bench/lib/hist.ts';
import { envelopeProblem, errorMessage } from '../lib/envelope.ts';
import { excerpt, send } from '../lib/http.ts';
import { fillDisk, isReadOnly, mountExt4, mountTmpfs, NotPermitted, repairExt4, triggerReadOnly, type Mount } from '../lib/mounts.ts';
import { DrillServer } from '../lib/server.ts';
import { fail, mb, row } from '../lib/table.ts';
import type { DrillRow, DurableWrites, LedgerEntry, Running, ServiceDrill, Session } from '../lib/types.ts';
import { configFor } from '../services/index.ts';

export type DiskMode = 'full' | 'read-only';

interface Writer {
  svc: ServiceDrill;
  spec: DurableWrites;
  state: unknown;
  ledger: LedgerEntry[];
  next: number;
  row: DrillRow;
  refused: number;
  latency: Recorder;
}

/** What a client must be told when the disk is the problem. */
const STORAGE_WORDS = /disk|storage|space|full|read-only|readonly|write/i;

function skipRows(services: readonly ServiceDrill[], drill: string, seed: number, why: string): DrillRow[] {
  return services.map((s) => row(drill, s.name, seed, { verdict: 'skip', notes: [`skipped: ${why}`] }));
}

async function writeOnce(server: DrillServer, w: Writer, phase: string, expectRefusal: boolean): Promise<'acked' | 'refused' | 'failed'> {
  const run: Running = { server, url: server.url(w.svc.name) };
  const entry: LedgerEntry = { id: w.next++, round: 1, client: 0, outcome: 'pending' };
  w.ledger.push(entry);
  const t0 = performance.now();
  const res = await w.spec.write(run, w.state, { id: entry.id, round: 1, client: 0 });
  w.row.operations++;
  w.latency.record(performance.now() - t0);
  if (res.kind === 'acked') {
    Object.assign(entry, { outcome: 'acked', data: res.data });
    return 'acked';
  }
  if (res.kind === 'unknown') {
    Object.assign(entry, { outcome: 'unknown', data: res.reason });
    w.row.errors++;
    fail(w.row, `${phase}: write ${entry.id} got no reply (${res.reason})`);
    return 'failed';
  }
  Object.assign(entry, { outcome: 'rejected', status: res.status });
  if (!expectRefusal) {
    w.row.errors++;
    fail(w.row, `${phase}: write ${entry.id} refused with ${res.status}: ${res.reply}`);
    return 'failed';
  }
  return 'refused';
}

/** Writes while the disk is gone: each refusal must be 503/507, in the envelope, saying why. */
async function refusedPhase(server: DrillServer, w: Writer, attempts: number): Promise<void> {
  const run: Running = { server, url: server.url(w.svc.name) };
  let judged = 0;
  for (let i = 0; i < attempts; i++) {
    const entry: LedgerEntry = { id: w.next++, round: 1, client: 0, outcome: 'pending' };
    w.ledger.push(entry);
    const res = await w.spec.write(run, w.state, { id: entry.id, round: 1, client: 0 });
    w.row.operations++;
    if (res.kind === 'acked') {
      Object.assign(entry, { outcome: 'acked', data: res.data });
      continue;
    }
    if (res.kind === 'unknown') {
      Object.assign(entry, { outcome: 'unknown', data: res.reason });
      w.row.errors++;
      fail(w.row, `disk gone: write ${entry.id} got no reply (${res.reason})`);
      if (!server.alive) return;
      continue;
    }
    Object.assign(entry, { outcome: 'rejected', status: res.status });
    w.refused++;
    const problems: string[] = [];
    if (res.status !== 503 && res.status !== 507) problems.push(`answered ${res.status} (expected 503 or 507)`);
    if (res.exchange) {
      const env = envelopeProblem(w.svc.envelope, res.exchange);
      if (env) problems.push(`outside the ${w.svc.envelope} envelope (${env})`);
      const msg = errorMessage(res.exchange);
      if (!STORAGE_WORDS.test(msg)) problems.push(`message does not say the disk is the problem: "${excerpt(msg, 120)}"`);
      else if (judged++ === 0) w.row.notes.push(`refused with ${res.status}: "${excerpt(msg, 140)}"`);
    }
    if (problems.length) {
      w.row.errors++;
      if (w.row.notes.filter((n) => n.startsWith('disk gone')).length < 3) fail(w.row, `disk gone: write ${entry.id} ${problems.join('; ')}: ${res.reply}`);
      else w.row.verdict = 'fail';
    }
  }
}

async function readsWork(server: DrillServer, svc: ServiceDrill, s: Session, r: DrillRow, phase: string): Promise<void> {
  for (const q of svc.reads(s)) {
    const x = await send(q.method, `${server.url(svc.name)}${q.path}`, { headers: { ...s.headers, ...q.headers }, body: q.body });
    r.operations++;
    if (x.status < 200 || x.status >= 300) {
      r.errors++;
      fail(r, `${phase}: read ${q.method} ${q.path} answered ${x.status || x.error}: ${excerpt(x.text, 160)}`);
    }
  }
}

async function verifyAll(server: DrillServer, writers: Writer[], phase: string): Promise<void> {
  for (const w of writers) {
    const v = await w.spec.verify({ server, url: server.url(w.svc.name) }, w.state, w.ledger);
    w.row.found_after = v.found;
    w.row.lost = Math.max(w.row.lost, v.lost.length);
    const problems = [...v.lost.map((x) => `lost: ${x}`), ...v.duplicated.map((x) => `duplicated: ${x}`), ...v.halfPresent.map((x) => `half-written: ${x}`), ...v.phantom.map((x) => `stored though refused: ${x}`)];
    if (problems.length) {
      w.row.errors += problems.length - v.lost.length;
      fail(w.row, `${phase}: ${problems.slice(0, 4).join('; ')}${problems.length > 4 ? '; ...' : ''}`);
    }
  }
}

export async function diskDrill(mode: DiskMode, o: { seed: number; services: readonly ServiceDrill[]; attempts: number }): Promise<DrillRow[]> {
  const drill = mode === 'full' ? 'disk full' : 'disk read-only';
  const services = o.services.filter((s) => s.durable.length > 0);
  let mount: Mount;
  try {
    mount = mode === 'full' ? mountTmpfs(96) : mountExt4(128);
  } catch (e) {
    if (e instanceof NotPermitted) return skipRows(services, drill, o.seed, `cannot mount a ${mode === 'full' ? 'tmpfs' : 'loop-device ext4 filesystem'} here (needs root and ${mode === 'full' ? 'mount' : 'losetup, mkfs.ext4'}): ${e.message}`);
    throw e;
  }
  const { sets, env } = configFor(services);
  const writers: Writer[] = [];
  let server: DrillServer | null = null;
  try {
    server = await DrillServer.start({ services: services.map((s) => s.name), dataDir: mount.data, sets, env });
    const sessions = new Map<string, Session>();
    for (const svc of services) sessions.set(svc.name, await svc.session({ server, url: server.url(svc.name) }));
    for (const svc of services) {
      for (const spec of svc.durable) {
        const state = await spec.prepare({ server, url: server.url(svc.name) }, undefined);
        writers.push({ svc, spec, state, ledger: [], next: 1, row: row(drill, `${svc.name}: ${spec.name}`, o.seed), refused: 0, latency: new Recorder() });
      }
    }
    for (const w of writers) for (let i = 0; i < 3; i++) await writeOnce(server, w, 'before', false);

    // Take the disk away.
    let filler: string | null = null;
    if (mode === 'full') filler = fillDisk(mount.dir);
    else {
      // What was acknowledged so far is flushed first: pages still in the page cache when a
      // filesystem fails are lost without an fsync (as after a power cut), which
      // synchronous=NORMAL does not promise to survive.
      Bun.spawnSync(['sync', '-f', mount.dir]);
      triggerReadOnly(mount);
      if (!isReadOnly(mount)) throw new NotPermitted('the filesystem did not turn read-only');
    }
    for (const w of writers) {
      await refusedPhase(server, w, o.attempts);
      if (w.refused === 0) w.row.notes.push(`no write was refused: all ${o.attempts} fitted in space SQLite had already allocated (each was checked to be durable)`);
    }
    for (const svc of services) {
      const r = writers.find((w) => w.svc === svc)!.row;
      await readsWork(server, svc, sessions.get(svc.name)!, r, mode === 'full' ? 'disk full' : 'read-only');
    }
    if (!server.alive) throw new Error(`the server died while the disk was ${mode}:\n${server.logTail(12)}`);

    // Give the disk back.
    if (mode === 'full') {
      rmSync(filler!, { force: true });
      for (const w of writers) {
        let ok = false;
        for (let t = 0; t < 20 && !ok; t++) {
          const run: Running = { server, url: server.url(w.svc.name) };
          const entry: LedgerEntry = { id: w.next++, round: 1, client: 0, outcome: 'pending' };
          w.ledger.push(entry);
          const res = await w.spec.write(run, w.state, { id: entry.id, round: 1, client: 0 });
          w.row.operations++;
          if (res.kind === 'acked') {
            Object.assign(entry, { outcome: 'acked', data: res.data });
            ok = true;
          } else {
            Object.assign(entry, res.kind === 'rejected' ? { outcome: 'rejected', status: res.status } : { outcome: 'unknown', data: res.reason });
            await Bun.sleep(250);
          }
        }
        if (!ok) fail(w.row, 'writes did not succeed again within 5 s of the space returning (no restart)');
        else w.row.notes.push('writes succeeded again after the space returned, without a restart');
      }
      await verifyAll(server, writers, 'after the space returned, same process');
    } else {
      await server.stop({ keepData: true, graceMs: 6000 });
      repairExt4(mount);
      server = await server.restart();
      for (const w of writers) w.state = await w.spec.prepare({ server, url: server.url(w.svc.name) }, w.state);
      for (const w of writers) w.row.notes.push('a read-only filesystem is writable again only after an unmount (the kernel\'s emergency read-only state): checked after a restart');
    }
    for (const w of writers) for (let i = 0; i < 3; i++) await writeOnce(server, w, 'after', false);

    // Durable: kill -9 and start again on the same files.
    const rss = server.rssBytes();
    await server.kill9();
    server = await server.restart();
    for (const w of writers) {
      w.state = await w.spec.prepare({ server, url: server.url(w.svc.name) }, w.state);
      w.row.rss_mb = mb(rss);
    }
    await verifyAll(server, writers, 'after kill -9 and restart');
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    if (e instanceof NotPermitted) return skipRows(services, drill, o.seed, why);
    const died = server !== null && server.died;
    for (const w of writers) {
      w.row.server_died = died;
      fail(w.row, `drill stopped: ${why}`);
    }
    if (writers.length === 0) return services.map((s) => row(drill, s.name, o.seed, { verdict: 'fail', server_died: died, notes: [why] }));
  } finally {
    await server?.stop({ keepData: true }).catch(() => undefined);
    mount.cleanup();
  }
  for (const w of writers) {
    w.row.acknowledged = w.ledger.filter((e) => e.outcome === 'acked').length;
    w.row.p99_ms = w.latency.count ? w.latency.row('').p99_ms : null;
    w.row.notes.push(`${w.refused} writes refused while the disk was ${mode}`);
  }
  return writers.map((w) => w.row);
}
