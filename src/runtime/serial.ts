/**
 * Per-key FIFO execution (one in flight per key, bounded queue depth) under a global
 * concurrency cap. A job that cannot start within `startTimeoutMs` is rejected with 503.
 */
import { kernelError, type ErrorProfile } from './errors.ts';

export interface SerialOptions {
  /** Queued (not yet running) jobs allowed per key. */
  maxDepth: number;
  /** Jobs running at once across all keys. */
  maxInFlight: number;
  /** How long a job may wait to start. */
  startTimeoutMs: number;
}

interface Job {
  key: string;
  run: () => Promise<void>;
  timer: ReturnType<typeof setTimeout> | undefined;
  started: boolean;
  cancel: () => void;
}

export class SerialQueue {
  private readonly queues = new Map<string, Job[]>();
  private readonly busyKeys = new Set<string>();
  private inFlight = 0;
  /** Keys with waiting jobs whose turn was blocked by the global cap, oldest first. */
  private readonly blocked: string[] = [];

  constructor(
    private readonly opts: SerialOptions,
    private readonly profile: ErrorProfile,
  ) {}

  get running(): number {
    return this.inFlight;
  }

  depth(key: string): number {
    return this.queues.get(key)?.length ?? 0;
  }

  get totalQueued(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  run<T>(key: string, task: () => Promise<T> | T): Promise<T> {
    const q = this.queues.get(key) ?? [];
    if (q.length >= this.opts.maxDepth) {
      return Promise.reject(kernelError(this.profile, 'unavailable', `Queue for ${key} is full (${this.opts.maxDepth} waiting)`, { key, queue_depth: q.length }, { 'Retry-After': '1' }));
    }
    return new Promise<T>((resolve, reject) => {
      const job: Job = {
        key,
        started: false,
        timer: undefined,
        run: async () => {
          try {
            resolve(await task());
          } catch (e) {
            reject(e);
          }
        },
        cancel: () => {
          const list = this.queues.get(key);
          const i = list ? list.indexOf(job) : -1;
          if (i >= 0) list!.splice(i, 1);
          if (list && list.length === 0) this.queues.delete(key);
          reject(kernelError(this.profile, 'unavailable', `Request could not start within ${this.opts.startTimeoutMs} ms`, { key, waited_ms: this.opts.startTimeoutMs }, { 'Retry-After': '1' }));
        },
      };
      job.timer = setTimeout(() => {
        if (!job.started) job.cancel();
      }, this.opts.startTimeoutMs);
      q.push(job);
      this.queues.set(key, q);
      this.pump(key);
    });
  }

  private pump(key: string): void {
    if (this.busyKeys.has(key)) return;
    const q = this.queues.get(key);
    if (!q || q.length === 0) return;
    if (this.inFlight >= this.opts.maxInFlight) {
      if (!this.blocked.includes(key)) this.blocked.push(key);
      return;
    }
    const job = q.shift()!;
    if (q.length === 0) this.queues.delete(key);
    job.started = true;
    clearTimeout(job.timer);
    this.busyKeys.add(key);
    this.inFlight++;
    void job.run().finally(() => {
      this.busyKeys.delete(key);
      this.inFlight--;
      this.pump(key);
      while (this.inFlight < this.opts.maxInFlight && this.blocked.length > 0) this.pump(this.blocked.shift()!);
    });
  }
}
