/** Entry point: load config, start every enabled service, shut down cleanly on signals. */
import { ConfigError, loadConfig } from './config.ts';
import { startHotloop } from './runtime/app.ts';
import { SERVICE_FACTORIES } from './services/index.ts';

let cfg;
try {
  cfg = loadConfig();
} catch (e) {
  process.stderr.write(`hotloop: ${e instanceof ConfigError ? e.message : String(e)}\n`);
  process.exit(1);
}

const app = await startHotloop(cfg, { factories: SERVICE_FACTORIES }).catch((e: unknown) => {
  process.stderr.write(`hotloop: failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});

const shutdown = (signal: string): void => {
  app.log.info('shutting down', { signal });
  // Hard deadline: whatever is still running after 5 s is abandoned.
  setTimeout(() => process.exit(1), 5000).unref();
  app.stop().then(
    () => process.exit(0),
    (e: unknown) => {
      app.log.error('shutdown failed', { error: String(e) });
      process.exit(1);
    },
  );
};
process.once('SIGTERM', () => shutdown('SIGTERM'));
process.once('SIGINT', () => shutdown('SIGINT'));
