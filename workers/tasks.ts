/**
 * The one table of pool tasks. Each service contributes `<service>.<task>` entries from
 * its own worker module; the main thread imports only the types.
 */
import type { Untransferred } from '../src/runtime/transfer.ts';
import { kernelTasks } from './kernel.ts';
import { aiserviceTasks } from './aiservice.ts';
import { eventbusTasks } from './eventbus.ts';
import { kolibriTasks } from './kolibri.ts';
import { mallTasks } from './mall.ts';
import { openkoreTasks } from './openkore.ts';

export const tasks = {
  ...kernelTasks,
  ...aiserviceTasks,
  ...eventbusTasks,
  ...kolibriTasks,
  ...mallTasks,
  ...openkoreTasks,
};

export type Tasks = typeof tasks;
export type TaskName = keyof Tasks;
export type TaskArg<K extends TaskName> = Parameters<Tasks[K]>[0];
/** A task's result as the caller receives it (a `transferResult` arrives unwrapped). */
export type TaskResult<K extends TaskName> = Untransferred<Awaited<ReturnType<Tasks[K]>>>;
