import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createMallService } from '../../../src/services/mall/index.ts';
import { fillDisk, mountTmpfs, type Mount } from '../../../drill/lib/mounts.ts';
import { startTestService, type TestService } from '../../helpers.ts';

// A real full disk needs a small filesystem of its own: mounting one needs root (CI and
// the drill machine run as root). Elsewhere this says so and the drill table shows SKIP.
let mount: Mount | null = null;
let why = '';
try {
  mount = mountTmpfs(4);
} catch (e) {
  why = e instanceof Error ? e.message : String(e);
}

describe.skipIf(mount === null)(`mall tick on a full disk${mount ? '' : ` (skipped: ${why})`}`, () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService('mall', createMallService, { dataDir: join(mount!.dir, 'data') });
    expect((await svc.call('POST', '/init', {})).status).toBe(200);
  });
  afterAll(async () => {
    await svc.stop({ keepData: true });
    mount!.cleanup();
  });

  test('a tick that cannot be journaled is a 507 {error} saying nothing was stored, the world is unchanged, and ticks resume when space returns', async () => {
    expect((await svc.call('POST', '/tick', { dt: 0.25 })).status).toBe(200);
    let acknowledged = 1;
    const filler = fillDisk(mount!.dir);
    let refused: Response | null = null;
    // SQLite may still fit a few journal rows in pages it already holds.
    for (let i = 0; i < 200 && !refused; i++) {
      const r = await svc.call('POST', '/tick', { dt: 0.25, player_event: { type: 'discover', zone: 'FC-ARCADE', document: `d${i}`.repeat(20) } });
      if (r.status === 200) acknowledged++;
      else refused = r;
    }
    expect(refused?.status).toBe(507);
    expect(await refused!.json()).toEqual({ error: 'Storage is full (database or disk is full): the write was not stored. Free space in the data directory; writes resume without a restart.' });
    const during = (await (await svc.call('GET', '/status')).json()) as { session: { total_playtime: number }; stats: { discoveries: number } };
    // The refused tick left nothing: playtime and discoveries count the acknowledged ticks only.
    expect(during.session.total_playtime).toBe(0.25 * acknowledged);
    expect(during.stats.discoveries).toBe(acknowledged - 1);
    rmSync(filler);
    const ok = await svc.call('POST', '/tick', { dt: 0.25 });
    expect(ok.status).toBe(200);
    const after = (await (await svc.call('GET', '/status')).json()) as { session: { total_playtime: number } };
    expect(after.session.total_playtime).toBe(during.session.total_playtime + 0.25);
  });
});
