/**
 * A few query-runner processes, one query each at a time. A query past its time limit
 * is stopped by killing its runner (408); a fresh runner takes its place, so the server
 * and the other runners never wait for it. Waiting queries are bounded (503 when full).
 */
import { fileURLToPath } from 'node:url';
import type { Subprocess } from 'bun';
import { componentError } from '../bus-io/errors.ts';

const SCRIPT = fileURLToPath(new URL('./query-runner.ts', import.meta.url));

export interface QueryResult {
  columns: string[];
  rows: (string | number | boolean | null)[][];
  truncated: boolean;
  elapsed_ms: number;
}

interface Pending {
  id: number;
  job: { sql: string; params: (string | number | null)[] | Record<string, string | number | null>; maxRows: number; maxBytes: number };
  timeoutMs: number;
  resolve: (r: QueryResult) => void;
  reject: (e: unknown) => void;
}

interface Runner {
  proc: Subprocess;
  ready: Promise<void>;
  current: (Pending & { timer: ReturnType<typeof setTimeout> }) | null;
  dead: boolean;
}

type Reply = { ready: true } | { id: number; ok: true; columns: string[]; rows: QueryResult['rows']; truncated: boolean; elapsed_ms: number } | { id: number; ok: false; error: string };

export class QueryPool {
  private readonly runners: Runner[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  killed = 0;
  crashed = 0;

  constructor(
    private readonly dbPath: string,
    private readonly o: { runners: number; maxQueued: number; onCrash: (e: string) => void },
  ) {}

  private spawn(): Runner {
    let onReady: () => void = () => {};
    const ready = new Promise<void>((r) => (onReady = r));
    let self: Runner | null = null;
    const proc = Bun.spawn([process.execPath, SCRIPT, this.dbPath], {
      stdio: ['ignore', 'ignore', 'inherit'], serialization: 'json', env: { PATH: process.env.PATH ?? '' },
      ipc: (m: Reply) => {
        if ('ready' in m) return onReady();
        const runner = self;
        if (!runner) return;
        const cur = runner.current;
        if (!cur || cur.id !== m.id) return;
        clearTimeout(cur.timer);
        runner.current = null;
        if (m.ok) cur.resolve({ columns: m.columns, rows: m.rows, truncated: m.truncated, elapsed_ms: Math.round(m.elapsed_ms * 1000) / 1000 });
        else cur.reject(componentError('QUERY_FAILED', `SQLite refused the query: ${m.error}`, { sqlite: m.error }));
        this.pump();
      },
    });
    const runner: Runner = { proc, ready, current: null, dead: false };
    self = runner;
    void proc.exited.then(() => {
      runner.dead = true;
      const i = this.runners.indexOf(runner);
      if (i >= 0) this.runners.splice(i, 1);
      const cur = runner.current;
      if (cur) {
        clearTimeout(cur.timer);
        runner.current = null;
        this.crashed++;
        this.o.onCrash(`query runner exited (code ${runner.proc.exitCode}) while running a query`);
        cur.reject(componentError('COMPONENT_UNAVAILABLE', 'the query runner stopped while running the query', {}));
      }
      this.pump();
    });
    this.runners.push(runner);
    return runner;
  }

  /** Starts the runners ahead of the first query. */
  warm(): void {
    while (!this.closed && this.runners.length < this.o.runners) this.spawn();
  }

  run(job: Pending['job'], timeoutMs: number): Promise<QueryResult> {
    if (this.closed) return Promise.reject(componentError('COMPONENT_UNAVAILABLE', 'analytics is shutting down'));
    if (this.queue.length >= this.o.maxQueued) return Promise.reject(componentError('CONCURRENCY_LIMIT', `${this.o.maxQueued} queries are already waiting`, { max_queued: this.o.maxQueued }, { 'Retry-After': '1' }));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, timeoutMs, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.closed) return;
    this.warm();
    for (const r of this.runners) {
      if (this.queue.length === 0) return;
      if (r.current || r.dead) continue;
      const p = this.queue.shift()!;
      const timer = setTimeout(() => this.timeout(r), p.timeoutMs);
      r.current = { ...p, timer };
      void r.ready.then(() => {
        if (r.current?.id === p.id && !r.dead) r.proc.send({ id: p.id, ...p.job });
      });
    }
  }

  private timeout(r: Runner): void {
    const cur = r.current;
    if (!cur) return;
    r.current = null;
    // Out of the rotation at once: the next query must not land on a dying runner.
    r.dead = true;
    const i = this.runners.indexOf(r);
    if (i >= 0) this.runners.splice(i, 1);
    this.killed++;
    // The runner may be deep inside sqlite3_step: only killing the process stops it.
    r.proc.kill('SIGKILL');
    cur.reject(componentError('QUERY_TIMEOUT', `the query ran past its ${cur.timeoutMs} ms time limit and was stopped`, { timeout_ms: cur.timeoutMs }));
  }

  stats(): { runners: number; busy: number; queued: number; killed: number; crashed: number } {
    return { runners: this.runners.length, busy: this.runners.filter((r) => r.current).length, queued: this.queue.length, killed: this.killed, crashed: this.crashed };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(componentError('COMPONENT_UNAVAILABLE', 'analytics is shutting down'));
    await Promise.all(this.runners.map(async (r) => {
      r.proc.kill('SIGKILL');
      await r.proc.exited;
    }));
  }
}
