/**
 * One Piscina pool over workers/index.ts. Named tasks with a typed task→result map;
 * big state is shared through SharedArrayBuffers, and buffers a task owns outright move
 * instead of being copied (`transfer` here, `transferResult` in the worker);
 * bounded queue; per-task timeout that aborts (and so replaces) the worker. A task
 * that throws, a worker that dies, a full queue or a timeout rejects that one call with
 * a KernelFailure the server turns into the service's error envelope.
 */
import { Piscina } from 'piscina';

/** Piscina's own name for a transfer list (the platform's MessagePort transfer type). */
type TransferList = NonNullable<Parameters<Piscina['run']>[1]>['transferList'];
import type { TaskArg, TaskName, TaskResult } from '../../workers/tasks.ts';
import { KernelFailure } from './errors.ts';

export interface PoolOptions {
  minThreads: number;
  maxThreads: number;
  /** Tasks allowed to wait for a thread. */
  maxQueue: number;
  /** Default per-task timeout. */
  taskTimeoutMs: number;
  /**
   * Lets `armFault` make the next runs of a task throw, kill their worker or hang (the
   * worker-fault drill, through the admin port). Off unless configured.
   */
  faultInjection?: boolean;
}

export type FaultMode = 'throw' | 'exit' | 'hang';

export interface ArmedFault {
  task: string;
  mode: FaultMode;
  /** Runs still to be replaced by the fault. */
  remaining: number;
  fired: number;
}

export interface RunOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Buffers moved to the worker instead of copied; the caller's views of them are detached. */
  transfer?: ArrayBuffer[];
}

export interface PoolStats {
  threads: number;
  queueSize: number;
  /** 0..1, Piscina's share of thread time spent running tasks. */
  utilization: number;
  completed: number;
  failed: number;
}

const WORKER_FILE = new URL('../../workers/index.ts', import.meta.url).href;

export class WorkerPool {
  private readonly piscina: Piscina;
  private failed = 0;
  private closed = false;
  /** Tasks submitted and not yet settled; bounds the queue ourselves (Piscina's bound is loose under Bun). */
  private outstanding = 0;
  private readonly faults = new Map<string, ArmedFault>();

  constructor(readonly options: PoolOptions) {
    this.piscina = new Piscina({
      filename: WORKER_FILE,
      minThreads: options.minThreads,
      maxThreads: options.maxThreads,
      idleTimeout: 60_000,
    });
    // A worker that dies with no task on it is reported here; the pool replaces it.
    this.piscina.on('error', () => {
      this.failed++;
    });
  }

  async run<K extends TaskName>(task: K, arg: TaskArg<K>, opts: RunOptions = {}): Promise<TaskResult<K>> {
    if (this.closed) throw new KernelFailure('unavailable', 'worker pool is shut down');
    if (this.outstanding >= this.options.maxThreads + this.options.maxQueue) {
      this.failed++;
      throw new KernelFailure('unavailable', 'worker pool queue is full', { task, max_queue: this.options.maxQueue });
    }
    this.outstanding++;
    const timeoutMs = opts.timeoutMs ?? this.options.taskTimeoutMs;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), timeoutMs);
    const onOuterAbort = (): void => ac.abort();
    opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
    try {
      const result: unknown = await this.piscina.run(this.message(task, arg), { signal: ac.signal, transferList: opts.transfer as TransferList });
      return result as TaskResult<K>;
    } catch (e) {
      this.failed++;
      const message = e instanceof Error ? e.message : String(e);
      if (ac.signal.aborted && !opts.signal?.aborted) throw new KernelFailure('timeout', `pool task ${task} exceeded ${timeoutMs} ms`, { task, timeout_ms: timeoutMs });
      if (ac.signal.aborted) throw new KernelFailure('unavailable', `pool task ${task} was cancelled`, { task });
      throw new KernelFailure('internal', `pool task ${task} failed: ${message}`, { task });
    } finally {
      this.outstanding--;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onOuterAbort);
    }
  }

  /** The task message a worker receives: the task itself, or the armed fault in its place. */
  private message(task: string, arg: unknown): { task: string; arg: unknown } {
    const f = this.faults.get(task);
    if (!f || f.remaining <= 0) return { task, arg };
    f.remaining--;
    f.fired++;
    return { task: 'kernel.fault', arg: { mode: f.mode, task } };
  }

  /** Replaces the next `count` runs of `task` with a fault; refused unless `faultInjection` is on. */
  armFault(task: string, mode: FaultMode, count = 1): ArmedFault {
    if (!this.options.faultInjection) throw new KernelFailure('forbidden', 'fault injection is off (pool.faultInjection)');
    const f: ArmedFault = { task, mode, remaining: count, fired: this.faults.get(task)?.fired ?? 0 };
    this.faults.set(task, f);
    return { ...f };
  }

  armedFaults(): ArmedFault[] {
    return [...this.faults.values()].map((f) => ({ ...f }));
  }

  stats(): PoolStats {
    return {
      threads: this.piscina.threads.length,
      queueSize: Math.max(0, this.outstanding - this.piscina.threads.length),
      utilization: this.piscina.utilization,
      completed: this.piscina.completed,
      failed: this.failed,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.piscina.destroy();
  }
}
