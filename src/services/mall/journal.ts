// The tick journal: one line of JSON per acknowledged tick, appended with a synchronous
// write before the reply (it survives a crash of the process the way a SQLite WAL commit
// does: in the OS page cache, no fsync). It replaces a SQLite transaction per tick, which
// wrote three or four 4 KiB pages per tick and stalled every few thousand ticks. Segments
// rotate at each checkpoint and are deleted once the snapshot covering them is committed.
import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from "node:fs";
import { unlink } from "node:fs/promises";
import { join } from "node:path";
import type { ResolvedEvent } from "./engine/index.ts";

export interface JournalRecord {
  /** Tick sequence number (increasing; the snapshot records the last one it covers). */
  q: number;
  dt: number;
  /** Wall-clock seconds of the tick (the `at` of the history rows it produced). */
  at: number;
  e: ResolvedEvent | null;
}

const SEGMENT = /^(\d{10})\.log$/;

export class TickJournal {
  private fd: number | null = null;
  private current = "";
  /** Bytes of whole records in the current segment: a failed or short write is cut back to it. */
  private size = 0;
  private next: number;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    const numbers = this.segments().map((f) => Number(SEGMENT.exec(f)?.[1]));
    this.next = numbers.length > 0 ? Math.max(...numbers) + 1 : 1;
  }

  /**
   * Appends one record; returns once the write() returned. A write that fails, or that a
   * full disk cuts short (write() then returns fewer bytes without an error), is cut back
   * off the file and throws (ENOSPC for a short write): the tick is refused, and the next
   * record does not land after a torn one.
   */
  append(r: JournalRecord): void {
    if (this.fd === null) {
      this.current = join(this.dir, `${String(this.next++).padStart(10, "0")}.log`);
      this.fd = openSync(this.current, "a");
      this.size = fstatSync(this.fd).size;
    }
    const line = Buffer.from(`${JSON.stringify(r)}\n`);
    let written: number;
    try {
      written = writeSync(this.fd, line);
    } catch (e) {
      this.cutBack();
      throw e;
    }
    if (written !== line.length) {
      this.cutBack();
      throw Object.assign(new Error(`ENOSPC: no space left on device, write (${written} of ${line.length} bytes of a journal record)`), { code: "ENOSPC" });
    }
    this.size += line.length;
  }

  private cutBack(): void {
    try {
      if (this.fd !== null) ftruncateSync(this.fd, this.size);
    } catch {
      // The file cannot even be truncated: start a new segment; readAll skips the torn line.
      if (this.fd !== null) closeSync(this.fd);
      this.fd = null;
    }
  }

  /** Ends the current segment (the next append starts a new one); returns the paths of every segment before it. */
  rotate(): string[] {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
    return this.segments().map((f) => join(this.dir, f));
  }

  /**
   * Every record on disk, oldest first. A torn line (a crash mid-write; a write cut short
   * that could not be cut back) is skipped: it was never acknowledged, and records after it
   * in the same segment were.
   */
  readAll(): JournalRecord[] {
    const out: JournalRecord[] = [];
    for (const f of this.segments()) {
      for (const line of readFileSync(join(this.dir, f), "utf8").split("\n")) {
        if (line === "") continue;
        try {
          out.push(JSON.parse(line) as JournalRecord);
        } catch {
          continue;
        }
      }
    }
    return out;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private segments(): string[] {
    return readdirSync(this.dir).filter((f) => SEGMENT.test(f)).sort();
  }
}

/** Deletes journal segments off the event loop (their ticks are in a committed snapshot). */
export function dropSegments(paths: string[]): Promise<void> {
  return Promise.all(paths.map((p) => unlink(p).catch(() => undefined))).then(() => undefined);
}
