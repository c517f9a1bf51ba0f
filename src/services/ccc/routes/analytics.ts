/** Memory analytics (ccc-stage2.md §6): every figure computed from stored rows. */
import { R } from '../replies.ts';
import { route, type RouteDef } from '../../../runtime/service.ts';
import { analytics } from '../engine/analytics.ts';
import { iso } from '../ids.ts';
import type { RouteDeps } from './deps.ts';

export function analyticsRoutes(d: RouteDeps): RouteDef[] {
  const { access, store } = d;
  return [
    route({
      method: 'GET', path: '/api/v2/sessions/:session_id/analytics', summary: 'Memory statistics', onRequest: access.hook('analytics'), responses: { 200: R.Analytics },
      handler: (ctx) => {
        const s = access.session(ctx, ctx.params.session_id!, 'read');
        const oldest = store.conversations.oldestConversation(s.id);
        return {
          session_id: s.id,
          analytics: analytics({
            conversations: s.conversation_count,
            turns: s.turn_count,
            storageBytes: s.storage_bytes,
            oldestConversation: oldest === null ? null : iso(oldest),
            turnsByAgent: store.conversations.turnsByAgent(s.id),
            topics: store.index.topTerms(s.key, d.opts.keyTopics).map((t) => t.term),
            feedback: store.agents.feedbackSummary(s.id),
            context: store.stats.get(s.id),
          }),
          computed_at: iso(d.now()),
        };
      },
    }),
  ];
}
