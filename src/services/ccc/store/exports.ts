/** Export jobs: one row per request, the file under `<dataDir>/ccc/exports/`. */
import type { Database } from 'bun:sqlite';

export type ExportFormat = 'json' | 'jsonl' | 'markdown';
export type ExportStatus = 'processing' | 'completed' | 'failed';

export interface ExportOptions {
  include_metadata: boolean;
  include_agent_states: boolean;
  /** Unix ms bounds, inclusive. */
  start: number;
  end: number;
  time_range: { start: string | null; end: string | null } | null;
}

export interface ExportRow {
  id: string;
  session_id: string;
  format: ExportFormat;
  options: string;
  status: ExportStatus;
  progress: number;
  created_at: number;
  estimated_completion: number;
  completed_at: number | null;
  expires_at: number;
  file: string | null;
  bytes: number | null;
  error: string | null;
}

export class ExportStore {
  constructor(private readonly db: Database) {}

  create(r: { id: string; sessionId: string; format: ExportFormat; options: ExportOptions; now: number; eta: number; expiresAt: number }): void {
    this.db.query<unknown, Record<string, string | number>>(
      `INSERT INTO exports (id, session_id, format, options, status, created_at, estimated_completion, expires_at)
       VALUES ($id, $s, $format, $options, 'processing', $now, $eta, $exp)`,
    ).run({ id: r.id, s: r.sessionId, format: r.format, options: JSON.stringify(r.options), now: r.now, eta: r.eta, exp: r.expiresAt });
  }

  get(id: string): ExportRow | null {
    return this.db.query<ExportRow, { id: string }>('SELECT * FROM exports WHERE id = $id').get({ id });
  }

  progress(id: string, progress: number): void {
    this.db.query<unknown, { id: string; p: number }>('UPDATE exports SET progress = $p WHERE id = $id').run({ id, p: progress });
  }

  complete(id: string, file: string, bytes: number, now: number): void {
    this.db.query<unknown, Record<string, string | number>>("UPDATE exports SET status = 'completed', progress = 1, file = $file, bytes = $bytes, completed_at = $now WHERE id = $id")
      .run({ id, file, bytes, now });
  }

  fail(id: string, error: string, now: number): void {
    this.db.query<unknown, Record<string, string | number>>("UPDATE exports SET status = 'failed', error = $error, completed_at = $now WHERE id = $id").run({ id, error, now });
  }

  /** Jobs a restart interrupted. */
  unfinished(): ExportRow[] {
    return this.db.query<ExportRow, []>("SELECT * FROM exports WHERE status = 'processing' ORDER BY created_at").all();
  }

  /** Deletes expired jobs; returns their files. */
  purge(now: number): string[] {
    const rows = this.db.query<{ id: string; file: string | null }, { now: number }>('SELECT id, file FROM exports WHERE expires_at < $now').all({ now });
    this.db.query<unknown, { now: number }>('DELETE FROM exports WHERE expires_at < $now').run({ now });
    return rows.flatMap((r) => (r.file ? [r.file] : []));
  }
}
