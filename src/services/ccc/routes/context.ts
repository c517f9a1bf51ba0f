/** Context management (ccc-stage2.md §3): session context, search, summary. */
import { R } from '../replies.ts';
import { route, type RouteDef } from '../../../runtime/service.ts';
import { contextView } from '../engine/agents.ts';
import { relevance } from '../engine/relevance.ts';
import { invalid } from '../errors.ts';
import { iso, parseTime } from '../ids.ts';
import { RESPONDERS } from '../types.ts';
import { onValidation, type RouteDeps } from './deps.ts';

/** Unix-ms bounds of an optional `{start, end}`; 400 for an unparsable or inverted range. */
export function timeWindow(range: { start?: string; end?: string } | undefined): { start: number; end: number } {
  const bound = (v: string | undefined, field: string, dflt: number): number => {
    if (v === undefined) return dflt;
    const t = parseTime(v);
    if (t === null) throw invalid(`Invalid field "time_range.${field}": expected an ISO 8601 time`, { field: `time_range.${field}`, expected: 'ISO 8601 time', received: v });
    return t;
  };
  const start = bound(range?.start, 'start', 0);
  const end = bound(range?.end, 'end', Number.MAX_SAFE_INTEGER);
  if (start > end) throw invalid('time_range.start is after time_range.end', { field: 'time_range', start: range?.start, end: range?.end });
  return { start, end };
}

export function contextRoutes(d: RouteDeps): RouteDef[] {
  const { access, store, memory, opts, S } = d;
  const guard = access.hook('context');
  const searchHist = d.metrics.histogram('ccc_search_duration_ms', {}, 'Context search time inside the handler (ms)');
  return [
    route({
      method: 'GET', path: '/api/v2/sessions/:session_id/context', summary: 'Session context: summary, key topics, agent states, recent conversations', onRequest: guard, responses: { 200: R.Context },
      handler: (ctx) => {
        const s = access.session(ctx, ctx.params.session_id!, 'memory');
        const topics = memory.keyTopics(s);
        const topicTerms = memory.terms(topics.join(' '));
        const now = d.now();
        const agentStates: Record<string, unknown> = {};
        for (const a of RESPONDERS) agentStates[a] = contextView(a, store.agents.get(s.id, a).state);
        const recent = store.conversations.recent(s.id, s.context_depth).map((c) => {
          const overlap = memory.terms(c.directive).filter((t) => topicTerms.includes(t)).length;
          const rel = relevance(topicTerms.length, { overlap, bm25: 0, termCount: c.term_count, at: c.updated_at }, now, opts.contextDecayHours, 'jaccard');
          return { conversation_id: c.id, directive: c.directive, relevance_score: rel.score, created_at: iso(c.created_at) };
        });
        return { session_id: s.id, context_summary: memory.summary(s), key_topics: topics, agent_states: agentStates, recent_conversations: recent };
      },
    }),
    route({
      method: 'POST', path: '/api/v2/sessions/:session_id/context/search', summary: 'Search stored turns (FTS5 + REFERENCE §5 relevance)', body: S.Search, responses: { 200: R.Search },
      onRequest: guard, validationError: onValidation(),
      handler: (ctx) => {
        const s = access.session(ctx, ctx.params.session_id!, 'memory');
        const b = ctx.body;
        const { start, end } = timeWindow(b.time_range);
        const t0 = performance.now();
        const r = memory.search(s, b.query, { maxResults: b.max_results ?? opts.defaultSearchResults, threshold: b.relevance_threshold ?? 0, start, end });
        const ms = performance.now() - t0;
        searchHist(ms);
        store.stats.lookup(s.id, r.hits.map((h) => h.rel.score));
        return {
          query: b.query,
          results: r.hits.map((h) => ({
            conversation_id: h.conversation.id, turn_id: h.turn.id, relevance_score: h.rel.score, snippet: h.snippet, context: h.conversation.directive,
            timestamp: iso(h.turn.created_at), agent: h.turn.agent, turn_number: h.turn.turn_number,
          })),
          total_matches: r.total,
          search_time_ms: Math.round(ms * 1000) / 1000,
          query_terms: r.terms,
        };
      },
    }),
    route({
      method: 'PUT', path: '/api/v2/sessions/:session_id/context/summary', summary: 'Replace the context summary (the previous one is archived)', body: S.Summary, responses: { 200: R.SummaryUpdated },
      onRequest: guard, validationError: onValidation(),
      handler: (ctx) => {
        const s = access.session(ctx, ctx.params.session_id!, 'write', 'update_summary');
        const now = d.now();
        const b = ctx.body;
        const archivedPrev = store.sessions.setSummary(s.id, b.summary, b.key_topics ?? null, b.trigger ?? null, now);
        return { session_id: s.id, summary_updated: true, updated_at: iso(now), previous_summary_archived: archivedPrev };
      },
    }),
    route({
      method: 'GET', path: '/api/v2/sessions/:session_id/context/summary/history', summary: 'Current and archived summaries, newest first', onRequest: guard,
      handler: (ctx) => {
        const s = access.session(ctx, ctx.params.session_id!, 'memory');
        return {
          session_id: s.id,
          current: s.summary === null ? null : { summary: s.summary, key_topics: s.key_topics === null ? null : JSON.parse(s.key_topics) as string[], trigger: s.summary_trigger, updated_at: iso(s.summary_updated_at ?? s.created_at) },
          history: store.sessions.summaryHistory(s.id, 100).map((h) => ({
            summary: h.summary, key_topics: h.key_topics === null ? null : JSON.parse(h.key_topics) as string[], trigger: h.trigger, set_at: h.set_at === null ? null : iso(h.set_at), archived_at: iso(h.archived_at),
          })),
        };
      },
    }),
  ];
}
