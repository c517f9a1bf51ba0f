/** Data export (ccc-stage2.md §7): a 202 job, its progress, then the download. */
import { existsSync } from 'node:fs';
import { R } from '../replies.ts';
import { route, type RequestContext, type RouteDef } from '../../../runtime/service.ts';
import { cccError } from '../errors.ts';
import { iso } from '../ids.ts';
import type { ExportOptions, ExportRow } from '../store/exports.ts';
import { timeWindow } from './context.ts';
import { onValidation, type RouteDeps } from './deps.ts';

const downloadUrl = (id: string): string => `/api/v2/exports/${id}/download`;

function jobView(r: ExportRow) {
  return {
    export_id: r.id, session_id: r.session_id, format: r.format, status: r.status, progress: Math.round(r.progress * 1000) / 1000,
    created_at: iso(r.created_at), estimated_completion: iso(r.estimated_completion), completed_at: r.completed_at === null ? null : iso(r.completed_at),
    expires_at: iso(r.expires_at), size_bytes: r.bytes, download_url: downloadUrl(r.id), ...(r.error ? { error: r.error } : {}),
  };
}

export function exportRoutes(d: RouteDeps): RouteDef[] {
  const { access, store, S } = d;

  /** The export, if it belongs to the token's session (another session's export is not found). */
  const job = (ctx: RequestContext): ExportRow => {
    const id = ctx.params.export_id!;
    const row = store.exports.get(id);
    if (!row || row.session_id !== access.auth(ctx).sessionId) throw cccError('EXPORT_NOT_FOUND', `Export ${id} does not exist`, { export_id: id });
    access.session(ctx, row.session_id, 'read');
    return row;
  };

  return [
    route({
      method: 'POST', path: '/api/v2/sessions/:session_id/export', summary: 'Start an export job (json, jsonl, markdown)', body: S.Export, bodyOptional: true, responses: { 202: R.ExportAccepted },
      onRequest: access.hook('analytics'), validationError: onValidation(),
      handler: (ctx) => {
        const s = access.session(ctx, ctx.params.session_id!, 'read');
        const b = ctx.body;
        const { start, end } = timeWindow(b.time_range);
        const options: ExportOptions = {
          include_metadata: b.include_metadata ?? true, include_agent_states: b.include_agent_states ?? true, start, end,
          time_range: b.time_range ? { start: b.time_range.start ?? null, end: b.time_range.end ?? null } : null,
        };
        const row = d.exports.create(s, b.format ?? 'json', options);
        const { export_id, session_id, format, status, estimated_completion, download_url } = jobView(row);
        return Response.json({ export_id, session_id, format, status, estimated_completion, download_url }, { status: 202, headers: { Location: `/api/v2/exports/${row.id}` } });
      },
    }),
    route({
      method: 'GET', path: '/api/v2/exports/:export_id', summary: 'Export job status and progress', onRequest: access.hook('session'), responses: { 200: R.ExportStatus },
      handler: (ctx) => jobView(job(ctx)),
    }),
    route({
      method: 'GET', path: '/api/v2/exports/:export_id/download', summary: 'Download a finished export', onRequest: access.hook('session'),
      handler: (ctx) => {
        const row = job(ctx);
        if (row.status === 'failed') throw cccError('EXPORT_FAILED', `Export ${row.id} failed: ${row.error ?? 'unknown error'}`, { export_id: row.id });
        if (row.status !== 'completed' || !row.file || !existsSync(row.file)) {
          throw cccError('EXPORT_NOT_READY', `Export ${row.id} is still processing (${Math.round(row.progress * 100)}%)`, { export_id: row.id, progress: row.progress }, { 'Retry-After': '1' });
        }
        return new Response(Bun.file(row.file), {
          headers: { 'Content-Type': d.exports.contentType(row.format), 'Content-Disposition': `attachment; filename="${d.exports.fileName(row)}"` },
        });
      },
    }),
  ];
}
