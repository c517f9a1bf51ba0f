/** Runs a reference server from bench/fixtures/ in its own process; it prints `PORT <n>`. */
import type { Subprocess } from 'bun';

export interface Fixture {
  port: number;
  pid: number;
  proc: Subprocess;
  stop(): Promise<void>;
}

export async function spawnFixture(file: string, args: string[] = []): Promise<Fixture> {
  const proc = Bun.spawn([process.execPath, 'run', `bench/fixtures/${file}`, ...args], { cwd: new URL('../../', import.meta.url).pathname, stdout: 'pipe', stderr: 'inherit' });
  const reader = proc.stdout.getReader();
  let buf = '';
  while (!/PORT (\d+)/.test(buf)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`fixture ${file} exited before printing its port`);
    buf += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const port = Number(/PORT (\d+)/.exec(buf)![1]);
  return {
    port,
    pid: proc.pid,
    proc,
    async stop() {
      proc.kill();
      await proc.exited;
    },
  };
}
