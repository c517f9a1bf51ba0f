/**
 * The README's own start commands, signalled the way supervisors do: SIGTERM to the npm
 * process (a container with npm as PID 1, `kill $!` in CI, systemd), Ctrl-C to the
 * whole group, SIGTERM to `bun run start`, and a script shell that does not exec.
 */
import { describe, expect, test } from 'bun:test';
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { tempDir } from '../helpers.ts';

const ROOT = join(import.meta.dir, '..', '..');
const BUN_DIR = dirname(process.execPath);

interface Started {
  proc: ChildProcess;
  lines: string[];
  urls: Map<string, string>;
  exit: Promise<{ code: number | null; signal: string | null }>;
}

/** Starts kolibri and the admin port on free ports with a fresh data dir, waits until both listen. */
async function start(cmd: string, args: string[], env: Record<string, string> = {}): Promise<Started> {
  const dataDir = tempDir();
  const proc = spawn(cmd, args, {
    cwd: ROOT,
    detached: true, // its own process group, so a group signal reaches only what it started
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PATH: `${BUN_DIR}:${process.env.PATH ?? ''}`,
      HOTLOOP_DATA_DIR: dataDir, HOTLOOP_ONLY: 'kolibri', HOTLOOP_KOLIBRI_PORT: '0', HOTLOOP_ADMIN_PORT: '0', HOTLOOP_CONFIG: '',
      npm_config_update_notifier: 'false', npm_config_fund: 'false',
      ...env,
    },
  });
  const lines: string[] = [];
  const urls = new Map<string, string>();
  let buf = '';
  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not listening after 15 s: ${lines.join('\n')}`)), 15_000);
    proc.stdout!.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      for (const l of parts) {
        lines.push(l);
        if (!l.startsWith('{')) continue;
        const j = JSON.parse(l) as { message?: string; service?: string; url?: string };
        if (j.message === 'listening' && j.service && j.url) urls.set(j.service, j.url);
        if (urls.has('kolibri') && urls.has('admin')) {
          clearTimeout(timer);
          resolve();
        }
      }
    });
    void exit.then(() => reject(new Error(`exited before listening: ${lines.join('\n')}`)));
  });
  return { proc, lines, urls, exit };
}

/** Every port the process listened on can be bound again (the next start would succeed). */
async function portsFree(s: Started): Promise<void> {
  for (const url of s.urls.values()) {
    const port = Number(new URL(url).port);
    const probe = Bun.serve({ hostname: '127.0.0.1', port, fetch: () => new Response('') });
    expect(probe.port).toBe(port);
    await probe.stop(true);
  }
}

const logged = (s: Started, message: string) => s.lines.filter((l) => l.includes(`"message":"${message}"`));

async function stopsCleanly(s: Started, signal: () => void, expectReason: string): Promise<{ code: number | null; signal: string | null }> {
  expect((await fetch(`${s.urls.get('kolibri')}/api/v1/health`)).status).toBe(200);
  const t0 = Date.now();
  signal();
  const result = await s.exit;
  // The server's last line, which may come after the exit of the process signalled (a shell).
  while (logged(s, 'stopped').length === 0 && Date.now() - t0 < 5000) await Bun.sleep(20);
  expect(Date.now() - t0).toBeLessThan(5000);
  expect(logged(s, 'stopped')).toHaveLength(1);
  expect(logged(s, 'stopped')[0]).toContain(`"reason":"${expectReason}"`);
  expect(logged(s, 'stopped')[0]).toContain('"databases":"closed"');
  await portsFree(s);
  return result;
}

describe('stopping the README start command', () => {
  test.concurrent('SIGTERM to the npm process stops the server within 5 s, frees its ports, and npm exits 0', async () => {
    const s = await start('npm', ['start']);
    const r = await stopsCleanly(s, () => s.proc.kill('SIGTERM'), 'SIGTERM');
    expect(r).toEqual({ code: 0, signal: null });
  }, 20_000);

  test.concurrent('Ctrl-C (SIGINT to the whole group) shuts down once and npm exits 0', async () => {
    const s = await start('npm', ['start']);
    const r = await stopsCleanly(s, () => process.kill(-s.proc.pid!, 'SIGINT'), 'SIGINT');
    expect(r).toEqual({ code: 0, signal: null });
    expect(logged(s, 'shutting down')).toHaveLength(1);
  }, 20_000);

  test.concurrent('SIGTERM to `bun run start` stops it the same way', async () => {
    const s = await start(process.execPath, ['run', 'start']);
    const r = await stopsCleanly(s, () => s.proc.kill('SIGTERM'), 'SIGTERM');
    expect(r).toEqual({ code: 0, signal: null });
  }, 20_000);

  test.concurrent('under a script shell that does not exec, the server stops when the shell is killed', async () => {
    // What npm does with a start script that is not exec'd: the shell dies, the server is orphaned.
    const s = await start('sh', ['-c', `"${process.execPath}" run src/main.ts; true`], { npm_lifecycle_event: 'start' });
    const r = await stopsCleanly(s, () => s.proc.kill('SIGTERM'), 'parent process exited');
    expect(r.signal).toBe('SIGTERM');
  }, 20_000);
});
