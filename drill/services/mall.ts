/**
 * mall (mall-sim-bridge.md): durable writes are acknowledged ticks (journal row, playtime,
 * discovery log). Errors are `{error}`; 500 is documented for /init of a folder that is
 * not a world ("Initialization failed"), 503 before /init.
 */
import { field, must, send } from '../lib/http.ts';
import type { DurableWrites, Running, ServiceDrill, Session } from '../lib/types.ts';
import { countCheck, write } from '../lib/verify.ts';

const ZONES = ['ENTRANCE', 'MAIN_HALL', 'CORRIDOR', 'FC-ARCADE', 'SERVICE_HALL', 'ANCHOR_STORE', 'KIOSK', 'THEATER'];
/** A power of two, so playtime / DT counts ticks exactly. */
const DT = 0.125;

async function ensureWorld(r: Running): Promise<void> {
  const h = await must('GET', `${r.url}/health`);
  if (h.world_initialized !== true) await must('POST', `${r.url}/init`, { body: { config_path: 'config' } });
}

interface Counts { ticks: number; discoveries: number }

async function counts(r: Running): Promise<Counts> {
  const s = await must('GET', `${r.url}/status`);
  return { ticks: Number(field(s, 'session', 'total_playtime')) / DT, discoveries: Number(field(s, 'stats', 'discoveries')) };
}

/** Every acknowledged tick adds DT of playtime and one discovery, in one commit. */
const ticks: DurableWrites<{ base: Counts }> = {
  name: 'ticks',
  clients: 3,
  hz: 60,
  async prepare(r, prev) {
    await ensureWorld(r);
    return prev ?? { base: await counts(r) };
  },
  write: (r, _s, t) =>
    write('POST', `${r.url}/tick`, { body: { dt: DT, player_event: { type: 'discover', zone: ZONES[t.id % ZONES.length], document: `drill-${t.id}` } } }, () => null),
  async verify(r, s, ledger) {
    const now = await counts(r);
    const n = now.ticks - s.base.ticks;
    const d = now.discoveries - s.base.discoveries;
    const res = countCheck('ticks', n, ledger);
    if (!Number.isInteger(n)) res.halfPresent.push(`playtime is not a whole number of ticks (${n} ticks of ${DT} s)`);
    if (n !== d) res.halfPresent.push(`${n} ticks of playtime but ${d} discoveries logged: a tick was stored in part`);
    res.notes.push(`${n} ticks stored since the drill began`);
    return res;
  },
};

export const mall: ServiceDrill = {
  name: 'mall',
  envelope: 'mall',
  statuses: [200, 400, 404, 405, 413, 414, 415, 431, 503, 507],
  async session(r): Promise<Session> {
    await ensureWorld(r);
    return {
      headers: {},
      ids: { zone: ZONES, to_zone: ZONES, from_zone: ZONES, config_path: ['config', 'config/mall'] },
      async digest() {
        const x = await send('GET', `${r.url}/status`);
        return x.status === 503 ? 'uninitialised' : x.text;
      },
    };
  },
  durable: [ticks],
  fuzz: {
    // The spec documents 500 "Initialization failed" for a folder that exists but is not a world.
    routeStatuses: { 'POST /init': [500] },
    extraCheck: (x, route) => (route === 'POST /init' && x.status === 500 && !/^Initialization failed/.test(String(field(x.json, 'error'))) ? '500 on /init that is not "Initialization failed"' : null),
    hints: { type: (rng) => rng.pick(['move', 'interact', 'discover', 'wait', 'run']) },
  },
  ws: [],
  soak: {
    http: [
      {
        name: 'tick', hz: 20,
        make: (_s, i, rng) => ({ method: 'POST', path: '/tick', body: { dt: 0.05, player_event: i % 40 === 0 ? { type: 'discover', zone: rng.pick(ZONES), document: `soak-${i}` } : rng.pick([null, { type: 'wait' }, { type: 'move', to_zone: rng.pick(ZONES) }, { type: 'run', zone: rng.pick(ZONES) }]) } }),
      },
      { name: 'status', hz: 5, make: () => ({ method: 'GET', path: '/status' }) },
    ],
    ws: [],
  },
  pool: [{
    task: 'mall.zones',
    // Every world ticks in the pool from one zone up.
    sets: { 'services.mall.options.poolMinZones': '1', 'services.mall.options.tickTimeoutMs': '1500' },
    setup: (r) => ensureWorld(r),
    request: () => ({ method: 'POST', path: '/tick', body: { dt: 0.1, player_event: { type: 'wait' } } }),
  }],
  dependencies: [],
  reads: () => [{ method: 'GET', path: '/status' }, { method: 'GET', path: '/health' }],
};
