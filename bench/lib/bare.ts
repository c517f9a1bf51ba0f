/**
 * The reference servers of `bench/fixtures/echo-server.ts` in their own process: `bare` is
 * a plain Bun.serve JSON POST handler, `kernel` the same route through the full pipeline.
 * Rows compare a service against them in the same run, so machine load hits both alike.
 */
export interface EchoServer {
  /** `http://127.0.0.1:<port>/echo` */
  url: string;
  stop: () => void;
}

export async function spawnEcho(mode: 'bare' | 'kernel'): Promise<EchoServer> {
  const proc = Bun.spawn([process.execPath, 'run', 'bench/fixtures/echo-server.ts', mode], { cwd: new URL('../../', import.meta.url).pathname, stdout: 'pipe', stderr: 'inherit' });
  const reader = proc.stdout.getReader();
  let buf = '';
  while (!/PORT (\d+)/.test(buf)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`echo server (${mode}) exited`);
    buf += new TextDecoder().decode(value);
  }
  const port = /PORT (\d+)/.exec(buf)![1];
  return { url: `http://127.0.0.1:${port}/echo`, stop: () => proc.kill() };
}

/** The body the bare handler answers: `{n, name}` → `{n: n + 1, name}`. */
export const ECHO_BODY = { n: 41, name: 'ping' };
