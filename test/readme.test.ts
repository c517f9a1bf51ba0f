/**
 * The README's quick-start sequences, run as written (bash + curl) against the
 * services, so the README cannot drift from what the services answer. Only the ports and
 * the data dir are substituted; every curl must get a 2xx, and each reply is checked for
 * content the sequence is there to show.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PORTS, defaultConfig, type ServiceName } from '../src/config.ts';
import { startHotloop, type Hotloop } from '../src/runtime/app.ts';
import { createLogger } from '../src/runtime/log.ts';
import { SERVICE_FACTORIES } from '../src/services/index.ts';
import { tempDir, testPool } from './helpers.ts';

const ROOT = join(import.meta.dir, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const QUICK = ['mall', 'kolibri', 'openkore', 'aiservice', 'ccc'] as const;

/** The ```sh block under `### <key>` in the quick-start section. */
function sequence(key: string): string {
  const section = README.slice(README.indexOf('## Quick start'));
  const at = section.indexOf(`\n### ${key}\n`);
  if (at < 0) throw new Error(`README quick start has no "### ${key}" section`);
  const block = /```sh\n([\s\S]*?)```/.exec(section.slice(at));
  if (!block?.[1]) throw new Error(`README quick start "${key}" has no sh block`);
  return block[1];
}

let app: Hotloop;
let dataDir: string;
beforeAll(async () => {
  const cfg = defaultConfig();
  dataDir = tempDir();
  cfg.dataDir = dataDir;
  cfg.logLevel = 'silent';
  cfg.admin.enabled = false;
  for (const n of Object.keys(cfg.services) as ServiceName[]) {
    cfg.services[n].enabled = (QUICK as readonly string[]).includes(n);
    cfg.services[n].port = 0;
  }
  app = await startHotloop(cfg, { factories: SERVICE_FACTORIES, pool: testPool(), log: createLogger('readme', 'silent'), env: {} });
});
afterAll(() => app.stop());

/** Runs a sequence with this run's ports and data dir; curl fails on any non-2xx reply. */
async function run(key: string): Promise<string[]> {
  let script = sequence(key).replaceAll('curl -s ', 'curl -sS --fail-with-body ').replaceAll('cat data/', `cat ${dataDir}/`);
  for (const name of QUICK) {
    const port = new URL(app.services.get(name)!.url).port;
    script = script.replaceAll(`127.0.0.1:${DEFAULT_PORTS[name]}`, `127.0.0.1:${port}`);
  }
  // Asynchronous: the services answering it run in this process.
  const p = Bun.spawn(['bash', '-e', '-o', 'pipefail', '-c', script], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new Error(`README "${key}" sequence failed (exit ${code}):\n${out}\n${err}`);
  // One JSON reply per curl that prints (curl adds no newline; replies are single-line JSON).
  return out.split(/(?<=\})(?=\{)/).map((s) => s.trim()).filter(Boolean);
}

const parsed = (replies: string[]): Array<Record<string, unknown>> => replies.map((r) => JSON.parse(r) as Record<string, unknown>);

describe('README and CI agree', () => {
  test('CI installs and tests with the commands the README gives', () => {
    const block = /## Two commands[\s\S]*?```sh\n([\s\S]*?)```/.exec(README)?.[1] ?? '';
    const testLine = block.split('\n').find((l) => l.includes('npm test')) ?? '';
    const [install, testCmd] = testLine.replace(/#.*/, '').split('&&').map((x) => x.trim());
    expect([install, testCmd]).toEqual(['npm ci', 'npm test']);
    const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8').split('\n').map((l) => l.trim());
    expect(ci.some((l) => l === install || l.startsWith(`${install} `))).toBe(true);
    expect(ci).toContain(testCmd ?? '');
  });
});

describe('README quick start', () => {
  test('every service in the table has a sequence, and each uses the default port', () => {
    for (const key of QUICK) expect(sequence(key)).toContain(`127.0.0.1:${DEFAULT_PORTS[key]}`);
  });

  test('mall: health, init, a tick with a move, status', async () => {
    const [health, init, tick, status] = parsed(await run('mall'));
    expect(health).toEqual({ status: 'ok', service: 'mall-sim-v6-bridge', world_initialized: false });
    expect(init).toEqual({ status: 'initialized', config_path: 'config', cloud_level: 0, zones_loaded: 11, npcs_loaded: 4 });
    expect(Object.keys(tick!.zones as object)).toContain('FC-ARCADE');
    expect((tick!.events as Array<{ type: string }>).map((e) => e.type)).toContain('zone_entered');
    expect(status).toMatchObject({ zones_count: 11, npcs_count: 4, session: { count: 1, total_playtime: 0.25 } });
  });

  test('kolibri: health, the spec VM example, a dialog answer, the stored answer', async () => {
    const [health, vm, dialog, fkv] = parsed(await run('kolibri'));
    expect(health).toMatchObject({ status: 'ok', blocks: 0 });
    expect(vm).toMatchObject({ status: 'ok', result: '4', halted: true, steps: 4 });
    expect(dialog).toMatchObject({ answer: '36', status: 'ok', fkv_key: '1000001' });
    expect(fkv).toMatchObject({ values: [{ key: '1000001', value: '36' }] });
  });

  test('openkore: health with the token, a handshake, a decision for the spec state', async () => {
    const [health, state] = parsed(await run('openkore'));
    expect(health).toMatchObject({ status: 'healthy' });
    expect(state).toMatchObject({ status: 'success', decision_tier: 'rule', action: { type: 'attack', target_id: 200001, skill_name: 'Bash' } });
  });

  test('aiservice: health, store, retrieve finds it, a strategic plan', async () => {
    const [health, stored, found, crew] = parsed(await run('aiservice'));
    expect(health).toMatchObject({ status: 'healthy' });
    expect(stored).toMatchObject({ status: 'success', embedding_generated: true });
    expect((found!.memories as Array<{ memory_id: string }>)[0]?.memory_id).toBe(stored!.memory_id as string);
    expect(crew).toMatchObject({ status: 'success', result: { strategic_plan: { farming_location: 'Clock Tower 3F' } } });
  });

  test('ccc: health, a session, a conversation, a memory-enhanced completion stored as a turn, v1', async () => {
    const [health, completion, conversation, v1] = parsed(await run('ccc'));
    expect(health).toMatchObject({ status: 'healthy', service: 'ccc', llm: { provider: 'local' } });
    const meta = completion!.memory_metadata as Record<string, unknown>;
    expect(meta).toMatchObject({ turn_stored: true });
    const turns = conversation!.turns as Array<{ turn_id: string; agent: string; content: string }>;
    expect(turns.map((t) => t.turn_id)).toContain(meta.turn_id as string);
    const choice = (completion!.choices as Array<{ message: { content: string; agent: string } }>)[0]!;
    expect(turns.find((t) => t.turn_id === meta.turn_id)).toMatchObject({ agent: choice.message.agent, content: choice.message.content });
    expect(v1).toMatchObject({ object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant' }, finish_reason: 'stop' }] });
  });
});
