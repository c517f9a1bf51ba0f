// Mall simulation bridge (mall-sim-bridge.md) on the kernel.
import { join } from "node:path";
import { mallProfile } from "../../runtime/errors.ts";
import { SerialQueue } from "../../runtime/serial.ts";
import type { ServiceDef, ServiceFactory } from "../../runtime/service.ts";
import { MallBridge } from "./bridge.ts";
import { parseOptions } from "./options.ts";
import { mallRoutes } from "./routes.ts";
import { MallStore } from "./store.ts";

export const createMallService: ServiceFactory = (ctx): ServiceDef => {
  const opts = parseOptions(ctx.config.options);
  const store = new MallStore(ctx.dataDir);
  store.startWriter();
  const bridge = new MallBridge(store, ctx.pool, opts, join(ctx.dataDir, "mall", "journal"), ctx.log);
  if (bridge.resume()) ctx.log.info("world resumed from the last acknowledged state");
  // One tick per world at a time; init/reset/status queue behind it.
  const queue = new SerialQueue({ maxDepth: 256, maxInFlight: 1, startTimeoutMs: 10_000 }, mallProfile);
  return {
    name: "mall",
    title: "Mall simulation bridge",
    version: "6.0.0",
    profile: mallProfile,
    routes: mallRoutes({ bridge, store, queue, opts, now: ctx.now }),
    close: async () => {
      await bridge.close();
      await store.close();
    },
  };
};
