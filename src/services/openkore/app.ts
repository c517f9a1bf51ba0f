// Everything the route tables share, built once by index.ts.
import type { ServiceContext } from "../../runtime/service.ts";
import type { AiMonitor } from "./ai-monitor.ts";
import type { ConfigSet } from "./configs.ts";
import type { OpenkoreCore } from "./core.ts";
import type { SpamWindow } from "./engine/social/spam-window.ts";
import type { Guard } from "./guard.ts";
import type { TaskRunner } from "./tasks.ts";

export interface App {
  ctx: ServiceContext;
  g: Guard;
  core: OpenkoreCore;
  configs: ConfigSet;
  tasks: TaskRunner;
  startedAt: number;
  /** Sends a frame to every socket of a session. */
  push(sessionId: string, msg: unknown): void;
  /** Recent message times per chat sender, for spam detection. */
  chatTimes: SpamWindow;
  ai: AiMonitor;
  seq: { exec: number };
}

export const SERVER_NAME = "OpenKore AI Engine";
export const SERVER_VERSION = "2.0.0";
