/** The main thread's side of the analytics writer thread: one write in flight at a time, resolved after COMMIT. */
import { Worker } from 'node:worker_threads';
import type { WriteReply, WriteRequest } from './writer.worker.ts';

export class AnalyticsWriter {
  private worker: Worker | null = null;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private closed = false;
  lastWriteMs = 0;

  constructor(private readonly dataDir: string) {}

  /** The thread starts with the first write: a bus that never sees an event never pays for it. */
  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./writer.worker.ts', import.meta.url), { workerData: { dataDir: this.dataDir } });
    this.worker = worker;
    worker.on('message', (m: WriteReply | 'closed') => {
      if (m === 'closed') return;
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (!w) return;
      if (m.ok) {
        this.lastWriteMs = m.ms;
        w.resolve();
      } else w.reject(new Error(`analytics write failed: ${m.error}`));
    });
    worker.on('error', (e: Error) => {
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    });
    return worker;
  }

  write(req: Omit<WriteRequest, 'id'>): Promise<void> {
    if (this.closed) return Promise.reject(new Error('analytics writer closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.thread().postMessage({ id, ...req } satisfies WriteRequest);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000);
      worker.once('message', (m: unknown) => {
        if (m === 'closed') {
          clearTimeout(t);
          resolve();
        }
      });
      worker.postMessage('close');
    });
    await worker.terminate();
  }
}
