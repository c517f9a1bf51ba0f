/**
 * The drill table: one entry per service. A new service joins every drill by adding its
 * `drill/services/<name>.ts` (durable writes and how to find them after a restart, the
 * statuses and envelope to fuzz against, WebSocket endpoints, soak traffic, pool routes,
 * dependencies) and one line here.
 */
import type { ServiceDrill } from '../lib/types.ts';
import { aiservice } from './aiservice.ts';
import { ccc } from './ccc.ts';
import { eventbus } from './eventbus.ts';
import { kolibri } from './kolibri.ts';
import { mall } from './mall.ts';
import { openkore } from './openkore.ts';

export const SERVICES: readonly ServiceDrill[] = [openkore, aiservice, mall, kolibri, eventbus, ccc];

/** Drill configuration for a server running `services`: every entry's sets and env merged. */
export function configFor(services: readonly ServiceDrill[]): { sets: Record<string, string>; env: Record<string, string> } {
  const sets: Record<string, string> = {};
  const env: Record<string, string> = {};
  for (const s of services) {
    Object.assign(sets, s.sets);
    Object.assign(env, s.env);
  }
  return { sets, env };
}
