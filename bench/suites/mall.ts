/**
 * Mall bridge rows (issue: /tick p99 < 2 ms at 4 Hz and 200 req/s with a player event,
 * max /tick req/s at 10 connections, large world tick p99 < 10 ms), plus in-process
 * figures for the inline-vs-pool decision.
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
import { startServer } from '../lib/server.ts';
import { gatedServerSide } from '../lib/server-side.ts';
import type { BenchRow, Suite } from '../lib/types.ts';

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

const tick: Suite = {
  name: 'mall: /tick',
  async run({ quick }) {
    const server = await startServer(['mall']);
    try {
      const base = server.url('mall');
      await init(base);
      const url = `${base}/tick`;
      await maxThroughput({ name: 'warmup', url, makeBody: tickBody, durationSec: 1, connections: 2 });
      const hz4 = await gatedServerSide(server, 'POST /tick', 'mall: /tick with player event, keep-alive, 4 Hz', 2, () =>
        fixedRate({ name: '4hz', url, makeBody: tickBody, rate: 4, durationSec: quick ? 5 : 20 }));
      const r200 = await gatedServerSide(server, 'POST /tick', 'mall: /tick with player event, keep-alive, 200 req/s', 2, () =>
        fixedRate({ name: '200', url, makeBody: tickBody, rate: 200, durationSec: quick ? 3 : 10 }));
      const max = await maxThroughput({
        name: 'mall: /tick max req/s, 10 connections',
        url, makeBody: tickBody, durationSec: quick ? 3 : 8, connections: 10,
      });
      max.note = `max ${Math.round(max.rps ?? 0)} req/s`;
      return [...hz4, ...r200, max];
    } finally {
      await server.stop();
    }
  },
};

const large: Suite = {
  name: 'mall: large world',
  async run({ quick }) {
    const files = generateWorldFiles(LARGE);
    const dir = writeWorld(files);
    const server = await startServer(['mall']);
    try {
      const base = server.url('mall');
      await init(base, dir);
      const url = `${base}/tick`;
      const body = (i: number) => ({ dt: 0.25, player_event: { type: 'move', to_zone: `Z${String(i % 1000).padStart(5, '0')}` } });
      await fixedRate({ name: 'warmup', url, makeBody: body, rate: 20, durationSec: 1 });
      // The budget is the tick's: gated on the server's own route histogram, so the load
      // generator parsing 400 KB frames on the same two cores is not charged to the server.
      return await gatedServerSide(server, 'POST /tick', 'mall: /tick large world (1,000 zones, 10,000 entities, 100 NPCs), 20 req/s', 10, () =>
        fixedRate({ name: 'large', url, makeBody: body, rate: 20, durationSec: quick ? 4 : 15 }));
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

export const suites: Suite[] = [tick, large, engine];
