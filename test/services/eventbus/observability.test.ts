import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { rmSync } from 'node:fs';
import { defaultConfig, type ServiceName } from '../../../src/config.ts';
import { startHotloop, type Hotloop } from '../../../src/runtime/app.ts';
import { ApiError } from '../../../src/runtime/errors.ts';
import { createLogger } from '../../../src/runtime/log.ts';
import { Metrics } from '../../../src/runtime/metrics.ts';
import { createEventBusService } from '../../../src/services/eventbus/index.ts';
import { EVENTBUS_ERRORS, eventBusProfile } from '../../../src/services/eventbus/errors.ts';
import { tempDir, testPool } from '../../helpers.ts';
import { balatroJson, modBatch, modEvent } from './fixtures.ts';

let app: Hotloop;
let url: string;
let admin: string;
const lines: Record<string, unknown>[] = [];
const dir = tempDir();

beforeAll(async () => {
  const cfg = defaultConfig();
  cfg.dataDir = dir;
  cfg.admin.port = 0;
  for (const n of Object.keys(cfg.services) as ServiceName[]) cfg.services[n].enabled = n === 'eventbus';
  cfg.services.eventbus.port = 0;
  cfg.services.eventbus.options = { grpcPort: 0, resources: { grpcPort: 0 } };
  app = await startHotloop(cfg, { factories: { eventbus: createEventBusService }, pool: testPool(), metrics: new Metrics(), log: createLogger('hotloop', 'debug', (l) => void lines.push(JSON.parse(l) as Record<string, unknown>)), env: {} });
  url = app.services.get('eventbus')!.url;
  admin = app.admin!.url;
});
afterAll(async () => {
  await app.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Paths of the components mounted beside the bus (knowledge graph, decisions, advisor, analytics, resources). */
const COMPONENT_PATHS = /^\/(graphql|ws\/(knowledge|metrics|resources)|api\/v1\/(resources|decisions|training|models|strategies|config|query|breakers))\b/;

describe('observability', () => {
  test("the spec's Prometheus series appear on the admin port with their labels", async () => {
    await fetch(`${url}/api/v1/events/batch`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: balatroJson(modBatch([modEvent('MONEY_CHANGED', { new_value: 3 }), modEvent('MONEY_CHANGED', { new_value: 4 }), { type: 'NOPE', source: 'BalatroMCP' }])) });
    await fetch(`${url}/api/v1/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{oops' });
    const text = await (await fetch(`${admin}/metrics`)).text();
    expect(text).toContain('jimbot_event_bus_messages_total{destination="game.money.changed",event_type="MONEY_CHANGED",source="BalatroMCP"} 2');
    expect(text).toContain('jimbot_event_bus_messages_total{destination="deadletter.unknown_type",event_type="DEAD_LETTER",source="BalatroMCP"} 1');
    expect(text).toContain('# TYPE jimbot_request_duration_seconds histogram');
    expect(text).toMatch(/jimbot_request_duration_seconds_bucket\{method="POST \/api\/v1\/events\/batch",service="eventbus",status="200",le="\+Inf"\} 1/);
    expect(text).toMatch(/jimbot_request_duration_seconds_count\{method="POST \/api\/v1\/events",service="eventbus",status="400"\} 1/);
    expect(text).toContain('jimbot_error_rate{component="eventbus.ingest",error_type="unknown_type",severity="WARNING"} 1');
    expect(text).toContain('jimbot_error_rate{component="eventbus.http",error_type="INVALID_JSON",severity="WARNING"} 1');
    expect(text).toMatch(/jimbot_resource_usage_ratio\{component="eventbus",resource_type="memory"\} 0\.\d+/);
    expect(text).toMatch(/jimbot_resource_usage_ratio\{component="eventbus",resource_type="backlog"\} 0/);
  });

  test('request logs carry the trace of the traceparent header, and the spec\'s fields', async () => {
    const trace = 'abcdefabcdefabcdefabcdefabcdef12';
    await fetch(`${url}/api/v1/events`, { method: 'POST', headers: { 'Content-Type': 'application/json', traceparent: `00-${trace}-1234567890abcdef-01` }, body: JSON.stringify({ type: 'HEARTBEAT', payload: {} }) });
    const line = lines.find((l) => l.message === 'Event published' && l.trace_id === trace);
    expect(line).toBeDefined();
    for (const k of ['timestamp', 'level', 'component', 'trace_id', 'span_id', 'message', 'event_type', 'duration_ms']) expect(line![k]).toBeDefined();
    expect(line!.component).toBe('hotloop.eventbus');
  });

  test('the OpenAPI document lists every REST route, both body content types, and the socket', async () => {
    const doc = (await (await fetch(`${admin}/openapi/eventbus.json`)).json()) as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> }; parameters?: { name: string }[] }>> };
    // The components mounted beside the bus document their own routes (test/services/eventbus/openapi.test.ts).
    const own = Object.keys(doc.paths).filter((p) => !COMPONENT_PATHS.test(p));
    expect(own.sort()).toEqual(['/api/v1/commands', '/api/v1/commands/poll', '/api/v1/events', '/api/v1/events/batch', '/api/v1/events/health', '/api/v1/topics', '/ws/events']);
    expect(Object.keys(doc.paths['/api/v1/events/batch']!.post!.requestBody!.content)).toEqual(['application/json', 'application/x-protobuf']);
    expect(doc.paths['/api/v1/events']!.get!.parameters!.map((p) => p.name)).toEqual(['from', 'to', 'type', 'topic', 'game_id', 'partition', 'limit', 'after', 'before', 'order']);
    expect(Object.keys(doc.paths['/api/v1/events/health']!).sort()).toEqual(['get', 'post']);
  });

  test('every error code has one status and the envelope names it', () => {
    for (const [code, status] of Object.entries(EVENTBUS_ERRORS)) {
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
      expect(eventBusProfile.format(new ApiError(status, code, 'm', { a: 1 }), { requestId: 'r', debug: false })).toEqual({ status: 'error', error: { code, message: 'm', details: { a: 1 } }, request_id: 'r' });
    }
    for (const code of Object.values(eventBusProfile.codes)) expect(Object.keys(EVENTBUS_ERRORS)).toContain(code);
  });
});
