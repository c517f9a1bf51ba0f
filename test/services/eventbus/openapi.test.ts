import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startBus, type Bus } from './bus.ts';

let bus: Bus;
beforeAll(async () => {
  bus = await startBus({}, { configure: (cfg) => { cfg.admin.enabled = true; cfg.admin.port = 0; } });
});
afterAll(async () => {
  await bus.stop();
});

describe('OpenAPI for the components beside the bus', () => {
  test('every REST route and socket of the knowledge graph, decisions, advisor, analytics and resources is documented', async () => {
    const doc = (await (await fetch(`${bus.app.admin!.url}/openapi/eventbus.json`)).json()) as { paths: Record<string, Record<string, { summary: string; requestBody?: { content: Record<string, unknown> } }>> };
    const mine = Object.entries(doc.paths).filter(([p]) => !/^\/(api\/v1\/(events|topics|commands)|ws\/events)/.test(p)).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    expect(mine).toEqual([
      'DELETE /api/v1/resources/grants/{grant_id}', 'DELETE /api/v1/strategies/cache',
      'GET /api/v1/config/rate_limits', 'GET /api/v1/models', 'GET /api/v1/models/{model_id}/metrics', 'GET /api/v1/resources', 'GET /api/v1/resources/grants/{grant_id}',
      'GET /api/v1/strategies/cache', 'GET /api/v1/training/jobs', 'GET /api/v1/training/jobs/{job_id}', 'GET /graphql', 'GET /ws/knowledge', 'GET /ws/metrics', 'GET /ws/resources',
      'POST /api/v1/decisions', 'POST /api/v1/query', 'POST /api/v1/resources/release', 'POST /api/v1/resources/requests', 'POST /api/v1/strategies/requests', 'POST /api/v1/training/jobs', 'POST /graphql',
      'PUT /api/v1/config/rate_limits',
    ]);
    expect(Object.keys(doc.paths['/graphql']!.post!.requestBody!.content)).toEqual(['application/json', 'application/graphql']);
    expect(Object.keys(doc.paths['/api/v1/query']!.post!.requestBody!.content)).toEqual(['application/json', 'text/plain', 'application/sql']);
    expect(doc.paths['/api/v1/decisions']!.post!.summary).toContain('GetDecision');
  });
});
