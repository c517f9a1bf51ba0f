/**
 * Writes to a service's SQLite file from a thread of its own, so a commit (and the WAL
 * checkpoint SQLite runs inside one now and then, which fsyncs) never holds the event
 * loop. Jobs run in the order they are sent; each `transaction` commits atomically and
 * resolves once it is durable to the same degree as any WAL commit. Use it for writes
 * that may be slow (large blobs, batches) on a latency-critical service; reads stay on
 * the service's own connection, which sees every committed transaction.
 */
import type { WriterJob, WriterReply, WriteStatement } from './db-writer-worker.ts';

export type { Bindings, WriteStatement } from './db-writer-worker.ts';

export class DbWriter {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (rows: unknown[][]) => void; reject: (e: Error) => void }>();
  private failure: Error | null = null;
  private closed: Promise<void> | null = null;

  /** `path`: the database file, already created and migrated by the service's own connection. */
  constructor(path: string) {
    this.worker = new Worker(new URL('./db-writer-worker.ts', import.meta.url).href);
    this.worker.onmessage = (e: MessageEvent<WriterReply>) => {
      const p = this.pending.get(e.data.id);
      if (!p) return;
      this.pending.delete(e.data.id);
      if (e.data.ok) p.resolve(e.data.rows);
      else p.reject(new Error(`database write failed: ${e.data.error}`));
    };
    this.worker.onerror = (e: ErrorEvent) => {
      this.failure = new Error(`database writer thread failed: ${e.message}`);
      for (const p of this.pending.values()) p.reject(this.failure);
      this.pending.clear();
    };
    void this.send((id) => ({ id, op: 'open', path })).catch(() => undefined); // a failure surfaces on the next job
  }

  /**
   * Statements committed together in one IMMEDIATE transaction; resolves with each one's
   * rows (`rows: true`). Buffers in `transfer` (e.g. a snapshot blob's) move to the thread
   * instead of being copied, and are detached here.
   */
  transaction(statements: WriteStatement[], transfer: ArrayBuffer[] = []): Promise<unknown[][]> {
    return this.send((id) => ({ id, op: 'tx', statements }), transfer);
  }

  checkpoint(mode: 'PASSIVE' | 'TRUNCATE' = 'PASSIVE'): Promise<void> {
    return this.send((id) => ({ id, op: 'checkpoint', mode })).then(() => undefined);
  }

  /** Jobs in flight. */
  get backlog(): number {
    return this.pending.size;
  }

  /** Finishes the jobs already sent, truncates the WAL, closes the connection and stops the thread. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      try {
        await this.send((id) => ({ id, op: 'checkpoint', mode: 'TRUNCATE' }), [], true).catch(() => undefined);
        await this.send((id) => ({ id, op: 'close' }), [], true).catch(() => undefined);
      } finally {
        this.worker.terminate();
      }
    })();
    return this.closed;
  }

  private send(make: (id: number) => WriterJob, transfer: ArrayBuffer[] = [], closing = false): Promise<unknown[][]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed && !closing) return Promise.reject(new Error('database writer is closed'));
    const job = make(this.nextId++);
    return new Promise<unknown[][]>((resolve, reject) => {
      this.pending.set(job.id, { resolve, reject });
      this.worker.postMessage(job, transfer);
    });
  }
}
