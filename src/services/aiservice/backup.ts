// Periodic database backups: `VACUUM INTO <dataDir>/aiservice/backups/aiservice-<ms>.sqlite`
// on the maintenance thread, written under a temporary name and renamed when complete, then
// only the newest `retain` files are kept. The newest file's time is `last_backup`.

import { mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../../runtime/log.ts";
import type { Maintenance } from "./maintenance.ts";

const NAME = /^aiservice-(\d+)\.sqlite$/;

export interface BackupResult {
  file: string;
  at: number;
  ms: number;
}

export class Backups {
  private timer: ReturnType<typeof setInterval> | null = null;
  private running: Promise<BackupResult> | null = null;
  private last: number | null;
  lastError: string | null = null;

  constructor(
    private readonly maintenance: Maintenance,
    readonly dir: string,
    private readonly intervalMs: number,
    private readonly retain: number,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {
    mkdirSync(dir, { recursive: true });
    this.last = this.list()[0]?.at ?? null;
  }

  get lastBackup(): number | null {
    return this.last;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.runOnce().catch((e: unknown) => this.log.error("backup failed", { error: String(e) }));
    }, this.intervalMs);
    this.timer.unref?.();
  }

  /** Backup files, newest first. */
  list(): { file: string; at: number }[] {
    const out: { file: string; at: number }[] = [];
    for (const name of readdirSync(this.dir)) {
      const m = NAME.exec(name);
      if (m?.[1]) out.push({ file: join(this.dir, name), at: Number(m[1]) });
    }
    return out.sort((a, b) => b.at - a.at);
  }

  /** One backup now; concurrent calls share the run in progress. */
  runOnce(): Promise<BackupResult> {
    this.running ??= this.backup().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async backup(): Promise<BackupResult> {
    const started = performance.now();
    let at = this.now();
    if (this.last !== null && at <= this.last) at = this.last + 1; // names stay unique and ordered
    const file = join(this.dir, `aiservice-${at}.sqlite`);
    const tmp = `${file}.tmp`;
    rmSync(tmp, { force: true });
    try {
      await this.maintenance.vacuumInto(tmp);
      renameSync(tmp, file);
    } catch (e) {
      rmSync(tmp, { force: true });
      this.lastError = e instanceof Error ? e.message : String(e);
      throw e;
    }
    this.last = at;
    this.lastError = null;
    for (const old of this.list().slice(this.retain)) rmSync(old.file, { force: true });
    const ms = performance.now() - started;
    this.log.info("backup written", { file, ms: Math.round(ms) });
    return { file, at, ms };
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }
}
