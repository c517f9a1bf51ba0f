import { describe, expect, test } from 'bun:test';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from '../helpers.ts';

const ROOT = join(import.meta.dir, '..', '..');

async function startMain(args: string[]): Promise<{ proc: ReturnType<typeof Bun.spawn>; lines: () => string[]; waitFor: (re: RegExp) => Promise<string> }> {
  const proc = Bun.spawn([process.execPath, 'run', 'src/main.ts', ...args], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe', env: { ...process.env, HOTLOOP_CONFIG: '' } });
  const seen: string[] = [];
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  let buf = '';
  const waitFor = async (re: RegExp): Promise<string> => {
    for (;;) {
      const hit = seen.find((l) => re.test(l));
      if (hit) return hit;
      const { value, done } = await reader.read();
      if (done) throw new Error(`exited before ${re}`);
      buf += new TextDecoder().decode(value);
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      seen.push(...parts);
    }
  };
  return { proc, lines: () => seen, waitFor };
}

describe('main process', () => {
  test('an invalid config exits 1 with a message naming the key', () => {
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, ['run', 'src/main.ts', '--set', 'services.mall.port=99999'], { cwd: ROOT, stdio: 'pipe' });
    } catch (e) {
      const err = e as { status: number; stderr: Buffer };
      status = err.status;
      stderr = err.stderr.toString();
    }
    expect(status).toBe(1);
    expect(stderr).toContain('services.mall.port');
  });

  test('an unknown HOTLOOP_ variable exits 1 naming it', () => {
    const r = Bun.spawnSync([process.execPath, 'run', 'src/main.ts', '--only', ''], { cwd: ROOT, env: { ...process.env, HOTLOOP_CONFIG: '', HOTLOOP_ADMIN_ENABLE: '0' } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr.toString()).toContain('HOTLOOP_ADMIN_ENABLE');
  });

  test('a second process on a busy admin port exits 1 saying which port and setting to change', async () => {
    const taken = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') });
    const port = taken.port;
    const r = Bun.spawnSync([process.execPath, 'run', 'src/main.ts', '--only', 'kolibri', '--set', 'services.kolibri.port=0', '--data-dir', tempDir()], {
      cwd: ROOT, env: { ...process.env, HOTLOOP_CONFIG: '', HOTLOOP_ADMIN_PORT: String(port), HOTLOOP_LOG_LEVEL: 'error' },
    });
    await taken.stop(true);
    expect(r.exitCode).toBe(1);
    const err = r.stderr.toString();
    expect(err).toContain(`admin port ${port} on 127.0.0.1 is already in use`);
    expect(err).toContain('HOTLOOP_ADMIN_PORT');
  });

  test('starts the admin listener, logs one line per listener, and exits 0 on SIGTERM', async () => {
    const m = await startMain(['--only', '', '--data-dir', tempDir(), '--set', 'admin.port=0']);
    const line = await m.waitFor(/"message":"listening"/);
    const url = (JSON.parse(line) as { url: string }).url;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const t0 = Date.now();
    m.proc.kill('SIGTERM');
    expect(await m.proc.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
