/** Piscina entry point: dispatches `{task, arg}` to the named function of the task table. */
import { tasks, type TaskName } from './tasks.ts';

export interface TaskMessage {
  task: string;
  arg: unknown;
}

type AnyTask = (arg: unknown) => unknown;

export default function dispatch(msg: TaskMessage): unknown {
  if (!Object.hasOwn(tasks, msg.task)) throw new Error(`unknown pool task "${msg.task}"`);
  const fn = tasks[msg.task as TaskName] as AnyTask;
  return fn(msg.arg);
}
