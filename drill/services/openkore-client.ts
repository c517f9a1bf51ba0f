/** How a drill talks to the openkore engine: the bearer token from the data dir, a session, a game state. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { must } from '../lib/http.ts';
import type { Running } from '../lib/types.ts';

export function tokenOf(r: Running): string {
  return readFileSync(join(r.server.dataDir, 'openkore', 'token'), 'utf8').trim();
}

export const auth = (r: Running): Record<string, string> => ({ Authorization: `Bearer ${tokenOf(r)}` });

export async function handshake(r: Running): Promise<string> {
  const h = await must('POST', `${r.url}/api/v1/handshake`, { headers: auth(r), body: { client: 'OpenKore', client_version: '3.2.0', capabilities: ['state_updates', 'macro_execution'] } });
  return String(h.session_id);
}

/** A §3.3 state; without monsters nothing below the llm tier acts, so a level milestone (90) reaches it. */
export function gameState(level = 85, monsters = true): Record<string, unknown> {
  return {
    player: {
      id: 150001, name: 'DrillPlayer', level, job: 'Knight', job_level: 50, hp: 5234, hp_max: 8500, sp: 423, sp_max: 650,
      position: { x: 150, y: 200, map: 'prontera' }, status: ['active'], weight: 1500, weight_max: 2400,
    },
    monsters: monsters ? [{ id: 200001, name: 'Poring', level: 1, hp_percent: 100, position: { x: 155, y: 205 }, distance: 7.07, aggressive: false }] : [],
    items: [{ id: 501, name: 'Red Potion', quantity: 50 }],
    party: [],
    skills: [{ id: 5, name: 'Bash', level: 10, sp_cost: 8 }],
  };
}

