/** Agent state management (ccc-stage2.md §5) and feedback on an agent's work. */
import { R } from '../replies.ts';
import { route, type RequestContext, type RouteDef } from '../../../runtime/service.ts';
import { applyFeedback, applyUpdates, stateView } from '../engine/agents.ts';
import { cccError } from '../errors.ts';
import { iso } from '../ids.ts';
import { AGENTS, isAgent, type AgentName } from '../types.ts';
import { created, onValidation, type RouteDeps } from './deps.ts';

function agentParam(ctx: RequestContext): AgentName {
  const a = ctx.params.agent_name!;
  if (!isAgent(a)) throw cccError('AGENT_NOT_FOUND', `Unknown agent "${a}"; agents are ${AGENTS.join(', ')}`, { agent: a, allowed: [...AGENTS] });
  return a;
}

export function agentRoutes(d: RouteDeps): RouteDef[] {
  const { access, store, S } = d;
  const guard = access.hook('context');
  return [
    route({
      method: 'GET', path: '/api/v2/sessions/:session_id/agents/:agent_name/state', summary: 'Agent state in this session', onRequest: guard, responses: { 200: R.AgentState },
      handler: (ctx) => {
        const agent = agentParam(ctx);
        const s = access.session(ctx, ctx.params.session_id!, 'memory');
        const { state, updatedAt } = store.agents.get(s.id, agent);
        return { session_id: s.id, agent, state: stateView(state), last_updated: iso(updatedAt ?? s.created_at) };
      },
    }),
    route({
      method: 'PUT', path: '/api/v2/sessions/:session_id/agents/:agent_name/state', summary: 'Update agent state (traits clamped to 0..1)', body: S.AgentState, responses: { 200: R.AgentStateUpdated },
      onRequest: guard, validationError: onValidation(),
      handler: (ctx) => {
        const agent = agentParam(ctx);
        const s = access.session(ctx, ctx.params.session_id!, 'write', 'update_agent_state');
        const now = d.now();
        let fields: string[] = [];
        store.tx(() => store.agents.update(s.id, agent, now, (st) => {
          fields = applyUpdates(st, ctx.body.state_updates);
        }));
        return { session_id: s.id, agent, state_updated: fields.length > 0, updated_fields: fields, updated_at: iso(now), update_reason: ctx.body.update_reason ?? null };
      },
    }),
    route({
      method: 'POST', path: '/api/v2/sessions/:session_id/agents/:agent_name/feedback', summary: 'Rate an agent\'s work (0..1); counts toward its outcomes and satisfaction', body: S.Feedback, responses: { 201: R.Feedback },
      onRequest: guard, validationError: onValidation(),
      handler: (ctx) => {
        const agent = agentParam(ctx);
        const s = access.session(ctx, ctx.params.session_id!, 'write', 'feedback');
        const b = ctx.body;
        if (b.turn_id !== undefined) {
          const t = store.conversations.turnById(b.turn_id);
          if (!t || t.session_id !== s.id || t.agent !== agent) {
            throw cccError('TURN_NOT_FOUND', `Turn ${b.turn_id} by ${agent} does not exist in this session`, { turn_id: b.turn_id, agent });
          }
        }
        const now = d.now();
        let fields: string[] = [];
        const id = store.tx(() => {
          store.agents.update(s.id, agent, now, (st) => {
            fields = applyFeedback(st, b.rating, b.pattern);
          });
          return store.agents.addFeedback({ sessionId: s.id, agent, turnId: b.turn_id ?? null, rating: b.rating, comment: b.comment ?? null, now });
        });
        return created({ session_id: s.id, agent, feedback_id: id, rating: b.rating, recorded: true, updated_fields: fields, recorded_at: iso(now) });
      },
    }),
  ];
}
