/**
 * Starts the configured services on their own ports with one shared pool, metrics
 * registry and peer directory; stops them in order (listeners, in-flight requests,
 * services' own close, pool).
 */
import type { HotloopConfig, ListenerConfig, ServiceName } from '../config.ts';
import { SERVICE_NAMES, envNameFor } from '../config.ts';
import { startAdmin, type RunningAdmin } from './admin.ts';
import { createLlmProvider } from './llm.ts';
import { createLogger, type Logger } from './log.ts';
import { Metrics } from './metrics.ts';
import { Peers } from './peers.ts';
import { WorkerPool } from './pool.ts';
import { startHttpService, type RunningHttpService } from './server.ts';
import type { ServiceContext, ServiceFactory } from './service.ts';
import { WsHub } from './ws.ts';

export interface Hotloop {
  services: Map<string, RunningHttpService>;
  admin: RunningAdmin | null;
  pool: WorkerPool;
  metrics: Metrics;
  log: Logger;
  stop(): Promise<void>;
}

export interface StartOptions {
  factories: Partial<Record<ServiceName, ServiceFactory>>;
  env?: Readonly<Record<string, string | undefined>>;
  log?: Logger;
  pool?: WorkerPool;
  metrics?: Metrics;
  now?: () => number;
}

export async function startHotloop(cfg: HotloopConfig, opts: StartOptions): Promise<Hotloop> {
  const log = opts.log ?? createLogger('hotloop', cfg.logLevel);
  const metrics = opts.metrics ?? new Metrics();
  const ownPool = !opts.pool;
  const pool = opts.pool ?? new WorkerPool(cfg.pool);
  const llm = createLlmProvider(cfg.llm);
  const peers = new Peers();
  const services = new Map<string, RunningHttpService>();
  const started: RunningHttpService[] = [];

  const stopAll = async (): Promise<void> => {
    // Reverse order: dependants (e.g. the engine) stop before what they call.
    for (const s of [...started].reverse()) {
      await s.stop().catch((e: unknown) => log.error('listener stop failed', { service: s.def.name, error: String(e) }));
      peers.unregister(s.def.name);
      await Promise.resolve(s.def.close?.()).catch((e: unknown) => log.error('service close failed', { service: s.def.name, error: String(e) }));
    }
    if (ownPool) await pool.close();
  };

  let admin: RunningAdmin | null = null;
  try {
    for (const name of SERVICE_NAMES) {
      const sc = cfg.services[name];
      const factory = opts.factories[name];
      if (!sc.enabled || !factory) continue;
      const hub = new WsHub();
      const ctx: ServiceContext = {
        name, config: sc, dataDir: cfg.dataDir, debug: cfg.debug, pool, metrics,
        log: log.child(name), llm, llmConfig: cfg.llm, ws: hub, peers, env: opts.env ?? process.env, now: opts.now ?? Date.now,
      };
      const def = await factory(ctx);
      let running: RunningHttpService;
      try {
        running = listenOrExplain(() => startHttpService(def, sc, { metrics, log: ctx.log, hub, debug: cfg.debug }), `services.${name}`, sc);
      } catch (e) {
        // Its database is open already: close it like a normal shutdown would.
        await Promise.resolve(def.close?.()).catch((ce: unknown) => log.error('service close failed', { service: name, error: String(ce) }));
        throw e;
      }
      started.push(running);
      services.set(name, running);
      peers.register(name, running.handle);
      log.info('listening', { service: name, url: running.url });
    }
    admin = cfg.admin.enabled ? listenOrExplain(() => startAdmin(cfg.admin, { services, metrics, pool, log: log.child('admin') }), 'admin', cfg.admin) : null;
    if (admin) log.info('listening', { service: 'admin', url: admin.url });
  } catch (e) {
    await stopAll();
    throw e;
  }

  let stopping: Promise<void> | null = null;
  const runningAdmin = admin;
  return {
    services, admin: runningAdmin, pool, metrics, log,
    stop() {
      stopping ??= (async () => {
        runningAdmin?.stop();
        await stopAll();
      })();
      return stopping;
    },
  };
}

/**
 * Runs a listener start; a port that is taken or not allowed becomes an error that names
 * the port and the setting (and environment variable) to change.
 */
function listenOrExplain<T>(start: () => T, key: string, l: ListenerConfig): T {
  try {
    return start();
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code !== 'EADDRINUSE' && code !== 'EACCES') throw e;
    const portEnv = envNameFor(`${key}.port`);
    const enabledEnv = envNameFor(`${key}.enabled`);
    const why = code === 'EADDRINUSE' ? 'is already in use (another hotloop process or program listens there)' : 'may not be opened by this user';
    throw new Error(
      `${key === 'admin' ? 'admin' : key.slice('services.'.length)} port ${l.port} on ${l.host} ${why}: set ${key}.port` +
        `${portEnv ? ` (env ${portEnv})` : ''} to a free port, or ${key}.enabled=false${enabledEnv ? ` (env ${enabledEnv}=0)` : ''} to not start it`,
    );
  }
}
