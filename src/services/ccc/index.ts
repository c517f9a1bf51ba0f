/** CCC Stage 2 on :5111: sessions, conversations, context search, memory-enhanced chat completions, agents, analytics, export. */
import { join } from 'node:path';
import { loadOrCreateToken } from '../../runtime/auth.ts';
import { cccProfile } from '../../runtime/errors.ts';
import type { ServiceDef, ServiceFactory } from '../../runtime/service.ts';
import { startWalCheckpoints } from '../../runtime/wal-checkpoint.ts';
import { Access } from './access.ts';
import { ExportJobs } from './export-jobs.ts';
import { Memory } from './memory.ts';
import { parseOptions } from './options.ts';
import { Purger } from './purge.ts';
import { CccRateLimits } from './ratelimit.ts';
import { agentRoutes } from './routes/agents.ts';
import { analyticsRoutes } from './routes/analytics.ts';
import { chatV1Routes } from './routes/chat-v1.ts';
import { chatV2Routes } from './routes/chat-v2.ts';
import { contextRoutes } from './routes/context.ts';
import { conversationRoutes } from './routes/conversations.ts';
import type { RouteDeps } from './routes/deps.ts';
import { exportRoutes } from './routes/exports.ts';
import { sessionRoutes } from './routes/sessions.ts';
import { cccSchemas } from './schema.ts';
import { CccStore } from './store/index.ts';
import { TokenSigner } from './tokens.ts';
import { Writer } from './writer.ts';

export const createCccService: ServiceFactory = (ctx) => {
  const opts = parseOptions(ctx.config.options);
  const secret = loadOrCreateToken(ctx.env.CCC_TOKEN_SECRET, join(ctx.dataDir, 'ccc', 'token-secret'));
  if (secret.generated) ctx.log.info('generated the session-token signing secret', { file: join(ctx.dataDir, 'ccc', 'token-secret') });
  const store = CccStore.open(ctx.dataDir);
  // Inline auto-checkpoints put 5-20 ms on one write in ~70 (measured); a thread does them instead.
  const checkpoints = opts.checkpointIntervalMs > 0 ? startWalCheckpoints(store.db, join(ctx.dataDir, 'ccc.sqlite'), { intervalMs: opts.checkpointIntervalMs, log: ctx.log }) : null;
  const memory = new Memory(store, opts, ctx.now);
  const access = new Access(store, new TokenSigner(secret.token), opts, new CccRateLimits(opts, ctx.now), ctx.now);
  const exports = new ExportJobs(store, memory, join(ctx.dataDir, 'ccc', 'exports'), opts, ctx.now, ctx.log);
  const purger = new Purger(store, opts, ctx.now, ctx.log);
  const deps: RouteDeps = {
    store, access, memory, exports, opts, llm: ctx.llm, metrics: ctx.metrics, log: ctx.log, now: ctx.now, startedAt: ctx.now(),
    writer: new Writer(store, memory, opts, ctx.now), S: cccSchemas(opts),
  };
  exports.resume();
  purger.start();
  void purger.runOnce();

  const def: ServiceDef = {
    name: 'ccc',
    title: 'CCC Stage 2 API',
    version: opts.version,
    profile: cccProfile,
    routes: [
      ...chatV1Routes(deps),
      ...sessionRoutes(deps),
      ...conversationRoutes(deps),
      ...contextRoutes(deps),
      ...agentRoutes(deps),
      ...analyticsRoutes(deps),
      ...exportRoutes(deps),
      ...chatV2Routes(deps),
    ],
    close: async () => {
      await purger.stop();
      await exports.close();
      await checkpoints?.stop();
      store.close();
    },
  };
  return def;
};
