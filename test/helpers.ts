/**
 * Starts services for tests: port 0, a fresh temp data dir, silent logs, and one worker
 * pool shared by every test file of the run (threads are costly on 2 cores).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, type HotloopConfig, type ServiceName } from '../src/config.ts';
import { startHotloop, type Hotloop } from '../src/runtime/app.ts';
import { createLogger, type LogLevel } from '../src/runtime/log.ts';
import { Metrics } from '../src/runtime/metrics.ts';
import { WorkerPool } from '../src/runtime/pool.ts';
import type { ServiceFactory } from '../src/runtime/service.ts';

let sharedPool: WorkerPool | null = null;
export function testPool(): WorkerPool {
  sharedPool ??= new WorkerPool({ minThreads: 1, maxThreads: 2, maxQueue: 256, taskTimeoutMs: 10_000 });
  return sharedPool;
}

export function tempDir(prefix = 'hotloop-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TestServiceOptions {
  /** Service-specific options (config `services.<name>.options`). */
  options?: Record<string, unknown>;
  /** Reuse a data dir (restart tests); default a new temp dir. */
  dataDir?: string;
  env?: Record<string, string | undefined>;
  debug?: boolean;
  maxBodyBytes?: number;
  logLevel?: LogLevel;
  /** Extra services to start in the same process (for peer calls). */
  also?: Partial<Record<ServiceName, ServiceFactory>>;
  configure?: (cfg: HotloopConfig) => void;
  now?: () => number;
  /** Receives every JSON log line (use with `logLevel`, which defaults to silent). */
  logSink?: (line: string) => void;
}

export interface TestService {
  url: string;
  dataDir: string;
  app: Hotloop;
  /** Base URL of another service started with `also`. */
  urlOf(name: ServiceName): string;
  /** fetch relative to `url`, JSON-encoding a body object. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

export async function startTestService(name: ServiceName, factory: ServiceFactory, o: TestServiceOptions = {}): Promise<TestService> {
  const cfg = defaultConfig();
  const dataDir = o.dataDir ?? tempDir();
  cfg.dataDir = dataDir;
  cfg.debug = o.debug ?? false;
  cfg.logLevel = o.logLevel ?? 'silent';
  cfg.admin.enabled = false;
  for (const n of Object.keys(cfg.services) as ServiceName[]) {
    const s = cfg.services[n];
    s.enabled = n === name || Boolean(o.also?.[n]);
    s.port = 0;
  }
  const svc = cfg.services[name];
  svc.options = { ...svc.options, ...o.options };
  if (o.maxBodyBytes) svc.maxBodyBytes = o.maxBodyBytes;
  o.configure?.(cfg);
  const app = await startHotloop(cfg, {
    factories: { ...o.also, [name]: factory },
    pool: testPool(),
    metrics: new Metrics(),
    log: o.logSink ? createLogger('test', cfg.logLevel, o.logSink) : createLogger('test', cfg.logLevel),
    env: o.env ?? {},
    now: o.now,
  });
  const running = app.services.get(name);
  if (!running) throw new Error(`service ${name} did not start`);
  const url = running.url;
  return {
    url,
    dataDir,
    app,
    urlOf: (n) => {
      const s = app.services.get(n);
      if (!s) throw new Error(`service ${n} is not running`);
      return s.url;
    },
    call(method, path, body, headers = {}) {
      const init: RequestInit = { method, headers: { ...headers } };
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        (init.headers as Record<string, string>)['Content-Type'] ??= 'application/json';
      }
      return fetch(url + path, init);
    },
    async stop(opts = {}) {
      await app.stop();
      if (!opts.keepData && !o.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
