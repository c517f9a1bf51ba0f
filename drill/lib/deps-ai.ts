import { row } from './table.ts';
import type { DependencyContext, DrillRow } from './types.ts';
export async function aiServiceFaults(ctx: DependencyContext): Promise<DrillRow> {
  return row('deps: ai service', 'openkore', ctx.seed, { verdict: 'skip' });
}
