/** Conversation management (ccc-stage2.md §2): start with relevant context, history, add turns. */
import { R } from '../replies.ts';
import { route, type RequestContext, type RouteDef } from '../../../runtime/service.ts';
import { cccError, invalid } from '../errors.ts';
import { iso } from '../ids.ts';
import type { RelevantConversation } from '../memory.ts';
import type { SessionRow, TurnRow } from '../types.ts';
import { created, onValidation, type RouteDeps } from './deps.ts';

export function turnView(t: TurnRow) {
  return { turn_id: t.id, turn_number: t.turn_number, agent: t.agent, content: t.content, timestamp: iso(t.created_at), metadata: JSON.parse(t.metadata) as Record<string, unknown> };
}

export function relevantView(r: RelevantConversation) {
  return { conversation_id: r.conversation.id, relevance_score: r.rel.score, summary: r.summary, directive: r.conversation.directive, created_at: iso(r.conversation.created_at) };
}

function intQuery(ctx: RequestContext, name: string, dflt: number, min: number, max: number): number {
  const raw = ctx.query.get(name);
  if (raw === null || raw === '') return dflt;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) throw invalid(`Query parameter ${name} must be an integer ${min}..${max}`, { field: name, expected: `integer ${min}..${max}`, received: raw });
  return v;
}

export function conversationRoutes(d: RouteDeps): RouteDef[] {
  const { access, store, memory, writer, opts, S } = d;
  const guard = access.hook('conversations');

  /** Context is read only with the "memory" permission; asking for it explicitly without one is a 403. */
  const wantsContext = (ctx: RequestContext, explicit: boolean | undefined): boolean => {
    const has = access.auth(ctx).permissions.has('memory');
    if (explicit === true && !has) throw cccError('INSUFFICIENT_PERMISSIONS', 'use_context needs a token with the "memory" permission', { required: 'memory' });
    return (explicit ?? true) && has;
  };

  return [
    route({
      method: 'POST', path: '/api/v2/conversations', summary: 'Start a conversation (turn 1 is the directive, by wykeve)', body: S.StartConversation, responses: { 201: R.ConversationStarted },
      onRequest: guard, validationError: onValidation(),
      handler: (ctx) => {
        const b = ctx.body;
        const session: SessionRow = access.session(ctx, b.session_id ?? access.auth(ctx).sessionId, 'write', 'start_conversation');
        const useContext = wantsContext(ctx, b.use_context);
        const relevant = useContext
          ? memory.relevantConversations(session, b.directive, b.relevance_threshold ?? opts.contextThreshold, b.context_depth ?? session.context_depth)
          : [];
        const w = writer.write(session.id, { directive: b.directive, metadata: {} }, [{ agent: 'wykeve', content: b.directive, metadata: { user_input: true, ...b.metadata } }], 'start_conversation');
        if (useContext) store.stats.lookup(session.id, relevant.map((r) => r.rel.score));
        const first = w.turns[0]!;
        return created({
          conversation_id: w.conversationId, session_id: session.id, directive: b.directive, created_at: iso(first.created_at), status: 'active',
          turn_id: first.turn_id, relevant_context: relevant.map(relevantView),
        });
      },
    }),
    route({
      method: 'GET', path: '/api/v2/conversations/:conversation_id', summary: 'Conversation history', responses: { 200: R.Conversation },
      query: { from_turn: { description: 'first turn number (default 1)' }, limit: { description: `max turns (default and max ${opts.maxTurnsPerRead})` } },
      onRequest: guard,
      handler: (ctx) => {
        const { conversation: c } = access.conversation(ctx, ctx.params.conversation_id!, 'read');
        const from = intQuery(ctx, 'from_turn', 1, 1, Number.MAX_SAFE_INTEGER);
        const limit = intQuery(ctx, 'limit', opts.maxTurnsPerRead, 1, opts.maxTurnsPerRead);
        return {
          conversation_id: c.id, session_id: c.session_id, directive: c.directive, created_at: iso(c.created_at), updated_at: iso(c.updated_at),
          status: c.status, turn_count: c.turn_count, turns: store.conversations.turns(c.seq, from, limit).map(turnView),
        };
      },
    }),
    route({
      method: 'POST', path: '/api/v2/conversations/:conversation_id/turns', summary: 'Add a turn', body: S.AddTurn, responses: { 201: R.TurnAdded },
      onRequest: guard, validationError: onValidation(),
      handler: (ctx) => {
        const { session, conversation: c } = access.conversation(ctx, ctx.params.conversation_id!, 'write', 'add_turn');
        const b = ctx.body;
        const t = writer.write(session.id, { seq: c.seq, id: c.id }, [{ agent: b.agent, content: b.content, metadata: b.metadata ?? {} }], 'add_turn').turns[0]!;
        return created({ turn_id: t.turn_id, conversation_id: c.id, turn_number: t.turn_number, agent: t.agent, content: t.content, timestamp: iso(t.created_at), stored: true });
      },
    }),
  ];
}
