import { describe, expect, test } from 'bun:test';
import { defaultConfig, type HotloopConfig } from '../../src/config.ts';
import { startHotloop } from '../../src/runtime/app.ts';
import { createLogger } from '../../src/runtime/log.ts';
import { tempDir, testPool } from '../helpers.ts';
import { fixtureFactory, type FixtureState } from './fixture-service.ts';

function config(): HotloopConfig {
  const cfg = defaultConfig();
  cfg.dataDir = tempDir();
  cfg.admin.port = 0;
  for (const s of Object.values(cfg.services)) s.enabled = false;
  cfg.services.kolibri.enabled = true;
  cfg.services.kolibri.port = 0;
  return cfg;
}

const start = (cfg: HotloopConfig, state: FixtureState) =>
  startHotloop(cfg, { factories: { kolibri: fixtureFactory(state) }, pool: testPool(), log: createLogger('t', 'silent') });

describe('ports already taken', () => {
  test('a busy admin port names the port and the setting to change, and closes what had started', async () => {
    const other = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('taken') });
    const cfg = config();
    cfg.admin.port = other.port!;
    const state: FixtureState = { stored: [], closed: false, lastTraceId: null };
    const err = await start(cfg, state).then(() => null, (e: unknown) => e as Error);
    expect(err?.message).toBe(
      `admin port ${other.port} on 127.0.0.1 is already in use (another hotloop process or program listens there): ` +
        'set admin.port (env HOTLOOP_ADMIN_PORT) to a free port, or admin.enabled=false (env HOTLOOP_ADMIN_ENABLED=0) to not start it',
    );
    expect(state.closed).toBe(true);
    void other.stop(true);
  });

  test('a busy service port names the service setting and its environment variable', async () => {
    const other = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('taken') });
    const cfg = config();
    cfg.services.kolibri.port = other.port!;
    const state: FixtureState = { stored: [], closed: false, lastTraceId: null };
    const err = await start(cfg, state).then(() => null, (e: unknown) => e as Error);
    expect(err?.message).toContain(`kolibri port ${other.port} on 127.0.0.1 is already in use`);
    expect(err?.message).toContain('services.kolibri.port (env HOTLOOP_KOLIBRI_PORT)');
    expect(state.closed).toBe(true);
    void other.stop(true);
  });
});
