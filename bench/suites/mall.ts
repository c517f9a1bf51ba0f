/**
 * Mall bridge rows: /tick p99 < 2 ms at 4 Hz, 200 req/s and one client at max rate (server-side
 * and end to end), max /tick req/s at 10 connections; a 1,000-zone world at 20 Hz p99 < 6 ms
 * with the event loop held at most ~1 ms per tick (its delay against an idle reference), and
 * the openkore stream's p99 unchanged beside it; plus in-process figures for inline vs pool.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createWorld,
  generateWorldFiles,
  loadWorld,
  step,
  tickFrameJson,
  type WorldFiles,
} from '../../src/services/mall/engine/index.ts';
import { timeLoop } from '../lib/hist.ts';
import { fixedRate, maxThroughput } from '../lib/http.ts';
import { startServer, type BenchServer } from '../lib/server.ts';
import { gatedServerSide, resetServerStats } from '../lib/server-side.ts';
import { ECHO_BODY, spawnEcho } from '../lib/bare.ts';
import type { BenchRow, Suite } from '../lib/types.ts';
import { wsSwarm } from '../lib/ws-swarm.ts';

const EVENTS = [
  { type: 'move', to_zone: 'FC-ARCADE', from_zone: 'CORRIDOR' },
  { type: 'interact', target: 'bag_of_screams', zone: 'FC-ARCADE' },
  { type: 'run', zone: 'FC-ARCADE' },
  { type: 'discover', document: 'log_017', zone: 'SERVICE_HALL' },
  { type: 'move', to_zone: 'CORRIDOR' },
];
const tickBody = (i: number) => ({ dt: 0.25, player_event: EVENTS[i % EVENTS.length] });

const LARGE = { zones: 1000, entities: 10_000, npcs: 100 };

function writeWorld(files: WorldFiles): string {
  const dir = mkdtempSync(join(tmpdir(), 'mall-bench-world-'));
  writeFileSync(join(dir, 'zones.json'), JSON.stringify(files.zones));
  writeFileSync(join(dir, 'npcs.json'), JSON.stringify(files.npcs));
  mkdirSync(join(dir, 'entities'));
  for (const e of files.entities) writeFileSync(join(dir, 'entities', e.file), JSON.stringify(e.data));
  return dir;
}

async function init(url: string, configPath?: string): Promise<void> {
  const res = await fetch(`${url}/init`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(configPath ? { config_path: configPath } : {}),
  });
  if (res.status !== 200) throw new Error(`mall /init failed: ${res.status} ${await res.text()}`);
}

/** Figures the admin port gives for the whole process since the last stats reset. */
interface AdminStats {
  loop_lag?: { count: number; p50_ms: number; p90_ms: number; p99_ms: number; max_ms: number };
  loop_lag_p99_ms?: number;
  routes: { route: string; count: number; p50_ms: number; p90_ms: number; p99_ms: number; max_ms: number }[];
}

async function adminStats(server: BenchServer): Promise<AdminStats> {
  return (await (await fetch(`${server.url('admin')}/api/stats`)).json()) as AdminStats;
}

/** The event-loop delay the admin port sampled (every 10 ms) since the last reset, as a row. */
async function loopLagRow(server: BenchServer, name: string, extra: Partial<BenchRow> = {}): Promise<BenchRow> {
  const s = await adminStats(server);
  // Builds before the windowed stats reported the p99 alone.
  const l = s.loop_lag ?? { count: 0, p50_ms: 0, p90_ms: 0, p99_ms: s.loop_lag_p99_ms ?? 0, max_ms: 0 };
  return { name, count: l.count, p50_ms: l.p50_ms, p90_ms: l.p90_ms, p99_ms: l.p99_ms, p999_ms: l.max_ms, max_ms: l.max_ms, ...extra, note: `timer lateness sampled every 10 ms (p99.9 column shows max)${extra.note ? `; ${extra.note}` : ''}` };
}

const tick: Suite = {
  name: 'mall: /tick',
  async run({ quick }) {
    const server = await startServer(['mall']);
    const bare = await spawnEcho('bare');
    try {
      const base = server.url('mall');
      await init(base);
      const url = `${base}/tick`;
      await maxThroughput({ name: 'warmup', url, makeBody: tickBody, durationSec: 1, connections: 2 });
      // At 4 Hz a p99 would need 250 s of ticks: this row gates p90 (over 110+ ticks); the
      // same path's p99 is gated by the 200 req/s and one-client rows below.
      const hz4 = (await gatedServerSide(server, 'POST /tick', 'mall: /tick with player event, keep-alive, 4 Hz', 2, () =>
        fixedRate({ name: '4hz', url, makeBody: tickBody, rate: 4, durationSec: 28 }))).map((r) => ({ ...r, gate_percentile: 90 as const }));
      const r200 = await gatedServerSide(server, 'POST /tick', 'mall: /tick with player event, keep-alive, 200 req/s', 2, () =>
        fixedRate({ name: '200', url, makeBody: tickBody, rate: 200, durationSec: quick ? 3 : 10 }));
      // One client ticking as fast as it can over one keep-alive connection: every snapshot,
      // WAL checkpoint or journal write that lands on the event loop shows up here, between
      // replies (end to end) if not inside them (server-side). The same generator against a
      // bare Bun handler in the same run shows what the machine and generator cost alone.
      const c1Sec = quick ? 5 : 15;
      const c1Bare = await maxThroughput({ name: 'mall: bare Bun.serve JSON POST handler, one client at max rate (reference)', url: bare.url, body: ECHO_BODY, durationSec: c1Sec, connections: 1 });
      const [c1Server, c1E2e] = await gatedServerSide(server, 'POST /tick', 'mall: /tick with player event, one client at max rate (keep-alive)', 2, () =>
        maxThroughput({ name: 'c1', url, makeBody: tickBody, durationSec: c1Sec, connections: 1 }));
      const c1Lag = await loopLagRow(server, 'mall: event-loop delay while one client ticks at max rate (record)');
      const c1 = [c1Server!, { ...c1E2e!, name: 'mall: /tick with player event, one client at max rate (keep-alive), end to end', budget_p99_ms: 2, note: 'end to end through the load generator (autocannon, same two cores)' }, c1Bare, c1Lag];
      const max = await maxThroughput({
        name: 'mall: /tick max req/s, 10 connections',
        url, makeBody: tickBody, durationSec: quick ? 3 : 8, connections: 10,
      });
      max.note = `max ${Math.round(max.rps ?? 0)} req/s`;
      return [...hz4, ...r200, ...c1, max];
    } finally {
      bare.stop();
      await server.stop();
    }
  },
};

const largeBody = (i: number) => ({ dt: 0.25, player_event: { type: 'move', to_zone: `Z${String(i % 1000).padStart(5, '0')}` } });
const LARGE_NAME = '1,000 zones, 10,000 entities, 100 NPCs';

const large: Suite = {
  name: 'mall: large world',
  async run({ quick }) {
    const files = generateWorldFiles(LARGE);
    const dir = writeWorld(files);
    const server = await startServer(['mall']);
    const rows: BenchRow[] = [];
    try {
      const base = server.url('mall');
      await init(base, dir);
      const url = `${base}/tick`;
      await fixedRate({ name: 'warmup', url, makeBody: largeBody, rate: 20, durationSec: 2 });
      // The machine's own scheduling delay, with the world idle: the reference for the
      // event-loop row below (over 1,000 samples at one per 10 ms).
      await resetServerStats(server);
      await Bun.sleep(12_000);
      const idle = await loopLagRow(server, 'mall: event-loop delay, large world idle (reference)');
      // 20 ticks/s for long enough that the row holds the samples its percentile needs
      // (1,000 for p99: 50 s; a quick run gates p90 over 200).
      const [serverSide, e2e] = await gatedServerSide(server, 'POST /tick', `mall: /tick large world (${LARGE_NAME}), 20 req/s`, 6, () =>
        fixedRate({ name: 'large', url, makeBody: largeBody, rate: 20, durationSec: quick ? 12 : 52 }));
      const ticking = await loopLagRow(server, `mall: event-loop delay while the large world ticks at 20 Hz`, {
        budget_p99_ms: Math.round((idle.p99_ms + 1) * 1000) / 1000,
        budget_from_reference: true,
        note: 'limit: the idle reference + 1 ms (the zone phase runs in the pool; a tick may hold the loop at most ~1 ms)',
      });
      rows.push(serverSide!, e2e!, idle, ticking);
    } finally {
      await server.stop();
    }
    // The same world ticked inline, for the README's inline-vs-pool figure (record only).
    const inline = await startServer(['mall'], { sets: { 'services.mall.options.poolMinZones': '1000000' } });
    try {
      const base = inline.url('mall');
      await init(base, dir);
      const url = `${base}/tick`;
      await fixedRate({ name: 'warmup', url, makeBody: largeBody, rate: 20, durationSec: 2 });
      const [serverSide] = await gatedServerSide(inline, 'POST /tick', `mall: /tick large world ticked inline (record), 20 req/s`, 6, () =>
        fixedRate({ name: 'inline', url, makeBody: largeBody, rate: 20, durationSec: quick ? 5 : 15 }));
      const { budget_p99_ms: _b, ...inlineRow } = serverSide!;
      rows.push(inlineRow, await loopLagRow(inline, 'mall: event-loop delay while the large world ticks inline (record)'));
    } finally {
      await inline.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    return rows;
  },
};

/** A game state for the openkore stream (a rule-tier decision: one passive monster in range). */
const OPENKORE_STATE = {
  player: {
    id: 150001, name: 'PlayerName', level: 85, job: 'Knight', job_level: 50, hp: 5234, hp_max: 8500, sp: 423, sp_max: 650,
    position: { x: 150, y: 200, map: 'prontera' }, status: ['active'], weight: 1500, weight_max: 2400,
  },
  monsters: [{ id: 200001, name: 'Poring', level: 1, hp_percent: 100, position: { x: 155, y: 205 }, distance: 7.07, aggressive: false }],
  items: [{ id: 501, name: 'Red Potion', quantity: 50 }],
  party: [],
  skills: [{ id: 5, name: 'Bash', level: 10, sp_cost: 8 }],
};
const OPENKORE_TOKEN = 'bench-token';
const WS_CLIENTS = 200;

/**
 * The openkore WebSocket stream beside a large mall world in the same process: the same
 * swarm with the world idle and with it ticking at 20 Hz, in alternating rounds. With the
 * zone phase in the pool the stream's p99 stays where it was (limit: + 1 ms); inline, each
 * large tick would hold every other service's messages for milliseconds.
 */
const besideOpenkore: Suite = {
  name: 'mall: large world beside the openkore stream',
  async run({ quick }) {
    const dir = writeWorld(generateWorldFiles(LARGE));
    const server = await startServer(['openkore', 'mall'], { env: { OPENKORE_AI_TOKEN: OPENKORE_TOKEN }, sets: { 'services.openkore.options.max_sessions': '4096' } });
    try {
      await init(server.url('mall'), dir);
      const tickUrl = `${server.url('mall')}/tick`;
      const wsUrl = `${server.url('openkore').replace(/^http/, 'ws')}/ws/state-stream`;
      const durationSec = quick ? 4 : 8;
      const swarm = (name: string): Promise<BenchRow> => wsSwarm({
        name, url: wsUrl, clients: WS_CLIENTS, hz: 20, durationSec,
        hello: JSON.stringify({ type: 'auth', token: OPENKORE_TOKEN }), helloMarker: '"auth_ok"',
        prefix: '{"type":"state","seq":', suffix: `,"data":${JSON.stringify(OPENKORE_STATE)}}`, okMarker: '"type":"action"',
        serverPid: server.proc.pid,
      });
      await fixedRate({ name: 'warmup', url: tickUrl, makeBody: largeBody, rate: 20, durationSec: 2 });
      const idle: BenchRow[] = [];
      const busy: BenchRow[] = [];
      for (let round = 0; round < (quick ? 1 : 2); round++) {
        idle.push(await swarm(`mall: openkore WS, ${WS_CLIENTS} clients x 20 Hz, mall world idle (reference)`));
        const ticking = fixedRate({ name: 'ticks', url: tickUrl, makeBody: largeBody, rate: 20, durationSec: durationSec + 1 });
        await Bun.sleep(500);
        busy.push(await swarm(`mall: openkore WS, ${WS_CLIENTS} clients x 20 Hz, while a ${LARGE_NAME} mall world ticks at 20 Hz in the same process`));
        const ticks = await ticking;
        if (ticks.errors) throw new Error(`mall ticks failed during the stream round: ${ticks.errors}`);
      }
      // The worse round of each kind.
      const worst = (rows: BenchRow[]): BenchRow => rows.reduce((a, b) => (b.p99_ms > a.p99_ms ? b : a));
      const ref = worst(idle);
      const row = worst(busy);
      return [ref, {
        ...row,
        budget_p99_ms: Math.round((ref.p99_ms + 1) * 1000) / 1000,
        budget_from_reference: true,
        note: `${row.note ?? ''}; limit: the idle round's p99 + 1 ms (worse of ${busy.length} alternating rounds each)`,
      }];
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** In-process costs behind the inline/pool threshold (README figures). */
const engine: Suite = {
  name: 'mall: engine',
  async run({ quick }) {
    const rows: BenchRow[] = [];
    const n = quick ? 200 : 1000;
    for (const size of [
      { zones: 11, entities: 16, npcs: 4 },
      { zones: 200, entities: 2000, npcs: 20 },
      LARGE,
    ]) {
      const loaded = loadWorld(generateWorldFiles(size));
      if (!loaded.ok) throw new Error(loaded.error.message);
      const world = createWorld(loaded.def);
      const label = `${size.zones} zones`;
      const stepOnly = await timeLoop(n, () => step(world, { dt: 0.25, event: null }));
      rows.push(stepOnly.row(`mall: engine step only, ${label}`));
      const full = await timeLoop(Math.ceil(n / 4), () => tickFrameJson(world, step(world, { dt: 0.25, event: null }), 0));
      rows.push(full.row(`mall: engine step + frame JSON, ${label}`));
    }
    return rows;
  },
};

export const suites: Suite[] = [tick, large, besideOpenkore, engine];
