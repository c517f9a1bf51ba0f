import { Database } from 'bun:sqlite';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { TestService } from '../../helpers.ts';
import { addTurn, bearer, body, expectError, newSession, startCcc, startConversation, testClock, type Json, type Session } from './helpers.ts';

const clock = testClock();
let svc: TestService;
let s: Session;
let convs: string[] = [];

beforeAll(async () => {
  svc = await startCcc({ now: clock.now });
  clock.set(Date.UTC(2024, 0, 1, 9, 0, 0));
  s = await newSession(svc, { token_ttl_seconds: 7 * 86_400 });
  const a = await startConversation(svc, s, 'Day one: parse the logs', { use_context: false });
  await addTurn(svc, s, a.conversation_id as string, 'beatrice', 'Plan: read, split, count', { model: 'gpt-4' });
  clock.set(Date.UTC(2024, 0, 2, 9, 0, 0));
  const b = await startConversation(svc, s, 'Day two: chart the counts', { use_context: false });
  await addTurn(svc, s, b.conversation_id as string, 'codey', 'plot(counts)', { model: 'gpt-4' });
  convs = [a.conversation_id as string, b.conversation_id as string];
  await svc.call('PUT', `/api/v2/sessions/${s.id}/agents/codey/state`, { state_updates: { expertise_areas: ['plotting'] } }, bearer(s.token));
  clock.set(Date.UTC(2024, 0, 2, 13, 15, 0));
});
afterAll(() => svc.stop());

async function exportAndDownload(payload: Json): Promise<{ job: Json; res: Response }> {
  const res = await svc.call('POST', `/api/v2/sessions/${s.id}/export`, payload, bearer(s.token));
  expect(res.status).toBe(202);
  const job = await body(res);
  for (let i = 0; i < 200; i++) {
    const st = await body(await svc.call('GET', `/api/v2/exports/${job.export_id}`, undefined, bearer(s.token)));
    if (st.status === 'completed') break;
    await Bun.sleep(5);
  }
  return { job, res: await svc.call('GET', job.download_url as string, undefined, bearer(s.token)) };
}

describe('export', () => {
  test('the export example: 202 with a processing job, then progress 1 and a JSON download with everything asked for', async () => {
    const { job, res } = await exportAndDownload({ format: 'json', include_metadata: true, include_agent_states: true, time_range: { start: '2024-01-01T00:00:00Z', end: '2024-01-01T23:59:59Z' } });
    expect(job.export_id).toMatch(/^export_[0-9a-f]{16}$/);
    expect(job).toEqual({
      export_id: job.export_id, session_id: s.id, format: 'json', status: 'processing',
      estimated_completion: '2024-01-02T13:15:01Z', download_url: `/api/v2/exports/${job.export_id}/download`,
    });
    const status = await body(await svc.call('GET', `/api/v2/exports/${job.export_id}`, undefined, bearer(s.token)));
    expect(status).toMatchObject({ status: 'completed', progress: 1, completed_at: '2024-01-02T13:15:00Z', format: 'json' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toStartWith('application/json');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${s.id}-${job.export_id}.json"`);
    const doc = (await res.json()) as Json;
    expect(status.size_bytes).toBe(Buffer.byteLength(JSON.stringify(doc)) + 1);
    expect(doc.export_id).toBe(job.export_id);
    expect(doc.time_range).toEqual({ start: '2024-01-01T00:00:00Z', end: '2024-01-01T23:59:59Z' });
    // Only day one falls in the range.
    expect(doc.conversations).toEqual([{
      conversation_id: convs[0], directive: 'Day one: parse the logs', created_at: '2024-01-01T09:00:00Z', status: 'active',
      turns: [
        { turn_id: expect.stringMatching(/^turn_[0-9a-f]{16}$/), turn_number: 1, agent: 'wykeve', content: 'Day one: parse the logs', timestamp: '2024-01-01T09:00:00Z', metadata: { user_input: true } },
        { turn_id: expect.stringMatching(/^turn_[0-9a-f]{16}$/), turn_number: 2, agent: 'beatrice', content: 'Plan: read, split, count', timestamp: '2024-01-01T09:00:00Z', metadata: { model: 'gpt-4' } },
      ],
    }]);
    const agents = doc.agent_states as Record<string, Json>;
    expect(Object.keys(agents)).toEqual(['wykeve', 'beatrice', 'codey']);
    expect(agents.codey!.expertise_areas).toEqual(['plotting']);
    expect((doc.session as Json).total_turns).toBe(4);
  });

  test('include_metadata and include_agent_states false leave those out', async () => {
    const { res } = await exportAndDownload({ format: 'json', include_metadata: false, include_agent_states: false });
    const doc = (await res.json()) as Json;
    expect(doc.agent_states).toBeUndefined();
    const turns = (doc.conversations as Json[]).flatMap((c) => c.turns as Json[]);
    expect(turns.length).toBe(4);
    expect(turns.every((t) => !('metadata' in t))).toBe(true);
  });

  test('jsonl has one record per line: the export, each conversation followed by its turns, then agent states', async () => {
    const { res } = await exportAndDownload({ format: 'jsonl' });
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = (await res.text()).trimEnd().split('\n').map((l) => JSON.parse(l) as Json);
    expect(lines.map((l) => l.type)).toEqual(['export', 'conversation', 'turn', 'turn', 'conversation', 'turn', 'turn', 'agent_state', 'agent_state', 'agent_state']);
    expect(lines[1]).toMatchObject({ conversation_id: convs[0], turn_count: 2 });
    expect(lines[6]).toMatchObject({ conversation_id: convs[1], agent: 'codey', content: 'plot(counts)' });
  });

  test('markdown reads as a document with a heading per conversation and turn', async () => {
    const { res } = await exportAndDownload({ format: 'markdown', include_agent_states: false });
    expect(res.headers.get('content-type')).toStartWith('text/markdown');
    const md = await res.text();
    expect(md).toStartWith(`# CCC session ${s.id}\n`);
    expect(md).toContain('\n## Day one: parse the logs\n');
    expect(md).toContain('\n### Turn 2 · codey · 2024-01-02T09:00:00Z\n\nplot(counts)\n');
    expect(md).toContain('"model": "gpt-4"');
    expect(md).not.toContain('## Agent states');
  });

  test("a job still processing answers 409 EXPORT_NOT_READY with retry_after; another session's export is not found", async () => {
    // A job row in 'processing' that no runner holds (as if the worker were mid-way).
    const db = new Database(join(svc.dataDir, 'ccc.sqlite'));
    db.run("INSERT INTO exports (id, session_id, format, options, status, created_at, estimated_completion, expires_at) VALUES ('export_00000000000000aa', ?, 'json', '{}', 'processing', 0, 0, 4102444800000)", [s.id]);
    db.close();
    const e = await expectError(await svc.call('GET', '/api/v2/exports/export_00000000000000aa/download', undefined, bearer(s.token)), 409, 'EXPORT_NOT_READY');
    expect(e.retry_after).toBe(1);
    const other = await newSession(svc);
    await expectError(await svc.call('GET', '/api/v2/exports/export_00000000000000aa', undefined, bearer(other.token)), 404, 'EXPORT_NOT_FOUND');
    await expectError(await svc.call('GET', '/api/v2/exports/export_ffffffffffffffff/download', undefined, bearer(s.token)), 404, 'EXPORT_NOT_FOUND');
  });

  test('bad export requests are 400 and start no job', async () => {
    await expectError(await svc.call('POST', `/api/v2/sessions/${s.id}/export`, { format: 'pdf' }, bearer(s.token)), 400, 'INVALID_REQUEST');
    await expectError(await svc.call('POST', `/api/v2/sessions/${s.id}/export`, { time_range: { start: '2024-02-01T00:00:00Z', end: '2024-01-01T00:00:00Z' } }, bearer(s.token)), 400, 'INVALID_REQUEST');
    const db = new Database(join(svc.dataDir, 'ccc.sqlite'), { readonly: true });
    const n = db.query<{ n: number }, []>("SELECT count(*) AS n FROM exports WHERE format = 'pdf' OR options LIKE '%2024-02-01%'").get()!.n;
    db.close();
    expect(n).toBe(0);
  });
});
