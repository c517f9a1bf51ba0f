import { row } from './table.ts';
import type { DependencyContext, DrillRow } from './types.ts';
export async function llmFaults(ctx: DependencyContext, service: string): Promise<DrillRow> {
  return row('deps: llm', service, ctx.seed, { verdict: 'skip' });
}
