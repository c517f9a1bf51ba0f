/**
 * The server under drill: `bun run src/main.ts` (what `npm start` execs) in its own
 * process, on free ports, with a data dir the drill owns so it can kill -9 the process
 * and start it again on the same files. Keeps the last log lines for failure reports.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subprocess } from 'bun';

const ROOT = new URL('../../', import.meta.url).pathname;
const TAIL_LINES = 60;

export interface ServerOptions {
  services: readonly string[];
  /** Reuse a data dir (restart after a kill); default a new temp dir the server owns. */
  dataDir?: string;
  /** `--set key=value` pairs. */
  sets?: Record<string, string>;
  env?: Record<string, string>;
  startTimeoutMs?: number;
}

export class DrillServer {
  private readonly urls = new Map<string, string>();
  private readonly tail: string[] = [];
  private exited: number | null = null;
  private killedByDrill = false;

  private constructor(
    readonly proc: Subprocess<'ignore', 'pipe', 'pipe'>,
    readonly dataDir: string,
    readonly options: ServerOptions,
    private readonly ownsDir: boolean,
  ) {
    void proc.exited.then((code) => {
      this.exited = code;
    });
  }

  static async start(o: ServerOptions): Promise<DrillServer> {
    const ownsDir = o.dataDir === undefined;
    const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'hotloop-drill-'));
    const args = ['run', 'src/main.ts', '--only', o.services.join(','), '--data-dir', dataDir, '--log-level', 'info', '--set', 'admin.port=0'];
    for (const s of o.services) args.push('--set', `services.${s}.port=0`);
    if (o.services.includes('eventbus')) args.push('--set', 'services.eventbus.options.grpcPort=0');
    for (const [k, v] of Object.entries(o.sets ?? {})) args.push('--set', `${k}=${v}`);
    // HOTLOOP_* from the caller's shell would reconfigure the drill's server (or stop it: unknown keys are fatal).
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('HOTLOOP_')) env[k] = v;
    const proc = Bun.spawn([process.execPath, ...args], { cwd: ROOT, env: { ...env, ...o.env }, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
    const server = new DrillServer(proc, dataDir, o, ownsDir);
    await server.waitListening([...o.services, 'admin'], o.startTimeoutMs ?? 30_000);
    return server;
  }

  /** Starts again on the same data dir and options (after a kill or a stop). */
  restart(overrides: Partial<ServerOptions> = {}): Promise<DrillServer> {
    return DrillServer.start({ ...this.options, ...overrides, dataDir: this.dataDir });
  }

  private async waitListening(names: string[], timeoutMs: number): Promise<void> {
    this.pump(this.proc.stdout, true);
    this.pump(this.proc.stderr, false);
    const deadline = Date.now() + timeoutMs;
    while (names.some((n) => !this.urls.has(n))) {
      if (this.exited !== null) throw new Error(`server exited with code ${this.exited} before listening:\n${this.logTail()}`);
      if (Date.now() > deadline) {
        this.proc.kill('SIGKILL');
        throw new Error(`server did not listen on ${names.filter((n) => !this.urls.has(n)).join(', ')} within ${timeoutMs} ms:\n${this.logTail()}`);
      }
      await Bun.sleep(25);
    }
  }

  /** Reads a stream line by line into the tail (so the pipe never fills); stdout lines also announce listeners. */
  private pump(stream: ReadableStream<Uint8Array>, parse: boolean): void {
    const reader = stream.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    void (async () => {
      for (;;) {
        const r = await reader.read().catch(() => ({ done: true as const, value: undefined }));
        if (r.done || !r.value) break;
        buf += decoder.decode(r.value, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          this.tail.push(line.length > 600 ? `${line.slice(0, 600)}...` : line);
          if (this.tail.length > TAIL_LINES) this.tail.shift();
          if (parse && line.startsWith('{')) this.noteListener(line);
        }
      }
    })();
  }

  private noteListener(line: string): void {
    try {
      const j = JSON.parse(line) as { message?: string; service?: string; url?: string };
      if (j.message === 'listening' && j.service && j.url) this.urls.set(j.service, j.url);
    } catch {
      // A line that is not JSON is not a listener line.
    }
  }

  url(service: string): string {
    const u = this.urls.get(service);
    if (!u) throw new Error(`service ${service} is not running`);
    return u;
  }

  get admin(): string {
    return this.url('admin');
  }

  get pid(): number {
    return this.proc.pid;
  }

  /** Still running (and not killed by the drill itself). */
  get alive(): boolean {
    return this.exited === null;
  }

  /** Exited on its own: a crash, not the drill's kill or stop. */
  get died(): boolean {
    return this.exited !== null && !this.killedByDrill;
  }

  get exitCode(): number | null {
    return this.exited;
  }

  /** Resident set size of the server process, from /proc (null once gone or off Linux). */
  rssBytes(): number | null {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.proc.pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : null;
    } catch {
      return null;
    }
  }

  logTail(n = 25): string {
    return this.tail.slice(-n).join('\n');
  }

  /** kill -9: no shutdown hook runs; what SQLite acknowledged must still be there. */
  async kill9(): Promise<void> {
    this.killedByDrill = true;
    this.proc.kill('SIGKILL');
    await this.proc.exited;
  }

  /** SIGTERM and wait (hard kill after `graceMs`); removes the data dir when the server owns it. */
  async stop(o: { keepData?: boolean; graceMs?: number } = {}): Promise<number | null> {
    this.killedByDrill = true;
    if (this.exited === null) {
      this.proc.kill('SIGTERM');
      const t = setTimeout(() => this.proc.kill('SIGKILL'), o.graceMs ?? 8000);
      await this.proc.exited;
      clearTimeout(t);
    }
    if (this.ownsDir && !o.keepData) rmSync(this.dataDir, { recursive: true, force: true });
    return this.exited;
  }

  /** Removes a data dir this server created (after the last restart stopped). */
  removeData(): void {
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
