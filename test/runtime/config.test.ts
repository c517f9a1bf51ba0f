import { describe, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseArgs } from '../../src/config.ts';
import { tempDir } from '../helpers.ts';

const load = (argv: string[] = [], env: Record<string, string> = {}, cwd = tempDir()) => loadConfig(argv, env, cwd);
const errorOf = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
};

describe('config', () => {
  test('defaults: spec ports on 127.0.0.1, ./data, local llm', () => {
    const cwd = tempDir();
    const c = load([], {}, cwd);
    expect(c.services.mall).toMatchObject({ host: '127.0.0.1', port: 5005, enabled: true });
    expect(c.services.kolibri.port).toBe(9000);
    expect(c.services.openkore.port).toBe(9901);
    expect(c.services.aiservice.port).toBe(9902);
    expect(c.admin.port).toBe(9090);
    expect(c.dataDir).toBe(join(cwd, 'data'));
    expect(c.llm.provider).toBe('local');
  });

  test('file, then environment, then CLI: each overrides the one before', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'hotloop.config.json'), JSON.stringify({ services: { mall: { port: 6000, options: { seed: 1 } } }, logLevel: 'warn' }));
    expect(load([], {}, cwd).services.mall.port).toBe(6000);
    expect(load([], {}, cwd).services.mall.options).toEqual({ seed: 1 });
    expect(load([], { HOTLOOP_MALL_PORT: '6001' }, cwd).services.mall.port).toBe(6001);
    expect(load(['--set', 'services.mall.port=6002'], { HOTLOOP_MALL_PORT: '6001' }, cwd).services.mall.port).toBe(6002);
    expect(load([], {}, cwd).logLevel).toBe('warn');
  });

  test('HOTLOOP_CONFIG and --config name another file', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'other.json'), JSON.stringify({ admin: { port: 9191 } }));
    expect(load([], { HOTLOOP_CONFIG: 'other.json' }, cwd).admin.port).toBe(9191);
    expect(load(['--config', 'other.json'], {}, cwd).admin.port).toBe(9191);
  });

  test('HOTLOOP_DATA_DIR and --data-dir set the data folder', () => {
    const cwd = tempDir();
    expect(load([], { HOTLOOP_DATA_DIR: 'store' }, cwd).dataDir).toBe(join(cwd, 'store'));
    expect(load(['--data-dir', '/tmp/x'], {}, cwd).dataDir).toBe('/tmp/x');
  });

  test('--only starts a subset', () => {
    const c = load(['--only', 'mall,kolibri']);
    expect(c.services.mall.enabled).toBe(true);
    expect(c.services.kolibri.enabled).toBe(true);
    expect(c.services.openkore.enabled).toBe(false);
    expect(c.services.aiservice.enabled).toBe(false);
  });

  test('service options accept JSON values from --set', () => {
    const c = load(['--set', 'services.kolibri.options.difficulty=4', '--set', 'services.kolibri.options.chain={"enabled":false}']);
    expect(c.services.kolibri.options).toEqual({ difficulty: 4, chain: { enabled: false } });
  });

  test('bad keys and values are named in the error', () => {
    expect(errorOf(() => load(['--set', 'services.mall.prot=1'])).key).toBe('services.mall.prot');
    expect(errorOf(() => load([], { HOTLOOP_MALL_PORT: 'abc' })).key).toBe('services.mall.port');
    expect(errorOf(() => load([], { HOTLOOP_MALL_PORT: '70000' })).key).toBe('services.mall.port');
    expect(errorOf(() => load(['--only', 'mall,nope'])).message).toContain('nope');
    expect(errorOf(() => load([], { HOTLOOP_LOG_LEVEL: 'loud' })).key).toBe('logLevel');
    expect(errorOf(() => load(['--bogus'])).key).toBe('--bogus');
  });

  test('a config file with an unknown or mistyped key is rejected by name', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'hotloop.config.json'), JSON.stringify({ services: { mall: { enabled: 'yes' } } }));
    expect(errorOf(() => load([], {}, cwd)).key).toBe('services.mall.enabled');
    writeFileSync(join(cwd, 'hotloop.config.json'), '{ nope');
    expect(errorOf(() => load([], {}, cwd)).message).toContain('not valid JSON');
  });

  test('a named config file that does not exist is an error', () => {
    expect(errorOf(() => load(['--config', 'missing.json'])).message).toContain('not found');
  });

  test('an unknown HOTLOOP_* environment variable stops startup with its name', () => {
    const e = errorOf(() => load([], { HOTLOOP_ADMIN_ENABLE: '0' }));
    expect(e.key).toBe('HOTLOOP_ADMIN_ENABLE');
    expect(e.message).toContain('unknown environment variable');
    expect(e.message).toContain('HOTLOOP_ADMIN_ENABLED');
    expect(errorOf(() => load([], { HOTLOOP_KOLIBIR_PORT: '1' })).key).toBe('HOTLOOP_KOLIBIR_PORT');
    // Other prefixes are not ours to judge.
    expect(load([], { HOTLOOPX: '1', NODE_ENV: 'production' }).admin.port).toBe(9090);
  });

  test('every documented variable is accepted, for all six services', () => {
    const env: Record<string, string> = {
      HOTLOOP_DATA_DIR: 'd', HOTLOOP_LOG_LEVEL: 'warn', HOTLOOP_DEBUG: '1', HOTLOOP_POOL_THREADS: '3', HOTLOOP_CONFIG: '', HOTLOOP_ONLY: '',
      HOTLOOP_ADMIN_HOST: '0.0.0.0', HOTLOOP_ADMIN_PORT: '9191', HOTLOOP_ADMIN_ENABLED: 'false',
    };
    const names = ['openkore', 'aiservice', 'mall', 'kolibri', 'eventbus', 'ccc'] as const;
    names.forEach((n, i) => {
      env[`HOTLOOP_${n.toUpperCase()}_HOST`] = '0.0.0.0';
      env[`HOTLOOP_${n.toUpperCase()}_PORT`] = String(7000 + i);
      env[`HOTLOOP_${n.toUpperCase()}_ENABLED`] = 'no';
    });
    const c = load([], env);
    expect(c.admin).toMatchObject({ host: '0.0.0.0', port: 9191, enabled: false });
    expect(c.logLevel).toBe('warn');
    expect(c.pool).toMatchObject({ minThreads: 3, maxThreads: 3 });
    expect(load([], { HOTLOOP_POOL_THREADS: '1' }).pool).toMatchObject({ minThreads: 1, maxThreads: 1 });
    names.forEach((n, i) => expect(c.services[n]).toMatchObject({ host: '0.0.0.0', port: 7000 + i, enabled: false }));
  });

  test('URL and header limits are settings with a bounded range', () => {
    expect(load(['--set', 'services.mall.maxUrlBytes=2048']).services.mall.maxUrlBytes).toBe(2048);
    expect(load([]).services.kolibri.maxHeaderBytes).toBe(16_384);
    expect(errorOf(() => load(['--set', 'services.mall.maxUrlBytes=10'])).key).toBe('services.mall.maxUrlBytes');
    expect(errorOf(() => load(['--set', 'services.mall.maxHeaderBytes=9999999'])).key).toBe('services.mall.maxHeaderBytes');
  });

  test('parseArgs understands --flag=value', () => {
    expect(parseArgs(['--only=mall', '--log-level=error'])).toEqual({ only: ['mall'], sets: [['logLevel', 'error']] });
  });
});
