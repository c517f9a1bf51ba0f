/** Entry point: load config, start every enabled service, shut down cleanly on signals. */
import { ConfigError, loadConfig } from './config.ts';
import { startHotloop, type Hotloop } from './runtime/app.ts';
import { installLifecycle, startedByScriptRunner } from './runtime/lifecycle.ts';
import { SERVICE_FACTORIES } from './services/index.ts';

let cfg;
try {
  cfg = loadConfig();
} catch (e) {
  process.stderr.write(`hotloop: ${e instanceof ConfigError ? e.message : String(e)}\n`);
  process.exit(1);
}

let started: Hotloop | null = null;
let resolveApp: (a: Hotloop) => void = () => undefined;
const appReady = new Promise<Hotloop>((resolve) => {
  resolveApp = resolve;
});

// Installed before startup: a signal that arrives while services start stops them once up.
installLifecycle({
  async stop(reason) {
    const app = await appReady;
    app.log.info('shutting down', { reason });
    try {
      await app.stop();
    } catch (e) {
      app.log.error('shutdown failed', { error: e instanceof Error ? e.message : String(e) });
      throw e;
    }
    app.log.info('stopped', { reason, services: [...app.services.keys()], databases: 'closed' });
  },
  onDeadline: () => started?.log.error('shutdown took longer than 5 s; exiting anyway'),
  deadlineMs: 5000,
  watchParent: startedByScriptRunner(process.env),
  exit: (code) => process.exit(code),
});

started = await startHotloop(cfg, { factories: SERVICE_FACTORIES }).catch((e: unknown) => {
  process.stderr.write(`hotloop: failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
resolveApp(started);
