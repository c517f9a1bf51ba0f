import { describe, expect, test } from 'bun:test';
import { openApiDocument } from '../../../src/runtime/openapi.ts';
import { startCcc } from './helpers.ts';

describe('OpenAPI document', () => {
  test('lists every spec endpoint with its request and response schemas', async () => {
    const svc = await startCcc();
    try {
      const doc = openApiDocument(svc.app.services.get('ccc')!.def, svc.url) as { paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>> };
      const spec: [string, string, string][] = [
        ['get', '/health', '200'], ['post', '/v1/chat/completions', '200'],
        ['post', '/api/v2/sessions', '201'], ['get', '/api/v2/sessions/{session_id}', '200'], ['put', '/api/v2/sessions/{session_id}/preferences', '200'], ['post', '/api/v2/sessions/{session_id}/archive', '200'],
        ['post', '/api/v2/conversations', '201'], ['get', '/api/v2/conversations/{conversation_id}', '200'], ['post', '/api/v2/conversations/{conversation_id}/turns', '201'],
        ['get', '/api/v2/sessions/{session_id}/context', '200'], ['post', '/api/v2/sessions/{session_id}/context/search', '200'], ['put', '/api/v2/sessions/{session_id}/context/summary', '200'],
        ['post', '/v2/chat/completions', '200'],
        ['get', '/api/v2/sessions/{session_id}/agents/{agent_name}/state', '200'], ['put', '/api/v2/sessions/{session_id}/agents/{agent_name}/state', '200'],
        ['get', '/api/v2/sessions/{session_id}/analytics', '200'], ['post', '/api/v2/sessions/{session_id}/export', '202'], ['get', '/api/v2/exports/{export_id}', '200'],
      ];
      for (const [method, path, status] of spec) {
        const op = doc.paths[path]?.[method];
        expect({ path, method, documented: op !== undefined, response: op?.responses[status] !== undefined }).toEqual({ path, method, documented: true, response: true });
      }
      expect(doc.paths['/api/v2/conversations']!.post!.requestBody).toBeDefined();
      expect(doc.paths['/api/v2/exports/{export_id}/download']!.get).toBeDefined();
    } finally {
      await svc.stop();
    }
  });
});
