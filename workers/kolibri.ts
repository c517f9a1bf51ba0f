/** Pool tasks for kolibri: thin adapters over the pure engine. */
import type { MineRequest, MineResult } from "../src/services/kolibri/engine/chain.ts";
import { mineTask, vmRunTask, type PlainVmResult, type VmTaskArg } from "../src/services/kolibri/engine/tasks.ts";

export const kolibriTasks = {
  "kolibri.vm": (arg: VmTaskArg): PlainVmResult => vmRunTask(arg),
  "kolibri.mine": (arg: MineRequest): MineResult => mineTask(arg),
};
