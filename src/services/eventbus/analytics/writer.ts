/** The main thread's side of the analytics writer thread: one write in flight at a time, resolved after COMMIT. */
import { Worker } from 'node:worker_threads';
import type { WriteReply, WriteRequest } from './writer.worker.ts';

export class AnalyticsWriter {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private closed = false;
  lastWriteMs = 0;

  constructor(dataDir: string) {
    this.worker = new Worker(new URL('./writer.worker.ts', import.meta.url), { workerData: { dataDir } });
    this.worker.on('message', (m: WriteReply | 'closed') => {
      if (m === 'closed') return;
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (!w) return;
      if (m.ok) {
        this.lastWriteMs = m.ms;
        w.resolve();
      } else w.reject(new Error(`analytics write failed: ${m.error}`));
    });
    this.worker.on('error', (e: Error) => {
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    });
  }

  write(req: Omit<WriteRequest, 'id'>): Promise<void> {
    if (this.closed) return Promise.reject(new Error('analytics writer closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...req } satisfies WriteRequest);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000);
      this.worker.once('message', (m: unknown) => {
        if (m === 'closed') {
          clearTimeout(t);
          resolve();
        }
      });
      this.worker.postMessage('close');
    });
    await this.worker.terminate();
  }
}
