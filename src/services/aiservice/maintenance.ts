// Client side of maintenance-worker.ts: one persistent thread, one job at a time.
import type { MaintenanceJob, MaintenanceReply } from "./maintenance-worker.ts";

type JobBody = { op: "checkpoint" } | { op: "vacuum_into"; target: string };

export class Maintenance {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();

  constructor(private readonly dbPath: string) {}

  checkpoint(): Promise<void> {
    return this.send({ op: "checkpoint" });
  }

  vacuumInto(target: string): Promise<void> {
    return this.send({ op: "vacuum_into", target });
  }

  close(): void {
    this.worker?.terminate();
    this.worker = null;
    for (const p of this.pending.values()) p.reject(new Error("maintenance thread stopped"));
    this.pending.clear();
  }

  private send(body: JobBody): Promise<void> {
    const worker = this.ensure();
    const id = this.nextId++;
    const job: MaintenanceJob = { id, dbPath: this.dbPath, ...body };
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage(job);
    });
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL("./maintenance-worker.ts", import.meta.url).href);
    worker.onmessage = (e: MessageEvent<MaintenanceReply>) => {
      const p = this.pending.get(e.data.id);
      if (!p) return;
      this.pending.delete(e.data.id);
      if (e.data.ok) p.resolve();
      else p.reject(new Error(e.data.error));
    };
    worker.onerror = (e: ErrorEvent) => {
      const err = new Error(`maintenance thread failed: ${e.message}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.worker = null;
    };
    // The thread must not keep the process alive on its own.
    worker.unref();
    this.worker = worker;
    return worker;
  }
}
