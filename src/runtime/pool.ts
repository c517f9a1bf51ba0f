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
      const result: unknown = await this.piscina.run({ task, arg }, { signal: ac.signal, transferList: opts.transfer as TransferList });
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
