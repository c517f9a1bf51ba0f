/** Session management (ccc-stage2.md §1) and session tokens. */
import { R } from '../replies.ts';
import { route, type RouteDef } from '../../../runtime/service.ts';
import { iso, newId, sessionKey } from '../ids.ts';
import { preferencesOf, PERMISSIONS, type Permission, type Preferences, type SessionRow } from '../types.ts';
import { cccError } from '../errors.ts';
import { created, onValidation, type RouteDeps } from './deps.ts';

export function sessionView(s: SessionRow) {
  return {
    session_id: s.id,
    created_at: iso(s.created_at),
    last_active: iso(s.last_active),
    conversation_count: s.conversation_count,
    total_turns: s.turn_count,
    user_preferences: preferencesOf(s),
    status: s.status,
    ...(s.archived_at !== null ? { archived_at: iso(s.archived_at) } : {}),
  };
}

export function sessionRoutes(d: RouteDeps): RouteDef[] {
  const { access, store, opts, S } = d;
  const guard = access.hook('session');
  return [
    route({
      method: 'POST', path: '/api/v2/sessions', summary: 'Create a session and its first token', body: S.CreateSession, bodyOptional: true, responses: { 201: R.SessionCreated },
      onRequest: access.hook('session', true), validationError: onValidation(),
      handler: (ctx) => {
        const b = ctx.body;
        const p = b.user_preferences ?? {};
        const prefs: Preferences = {
          memory_retention_days: p.memory_retention_days ?? opts.defaultRetentionDays,
          context_depth: p.context_depth ?? opts.defaultContextDepth,
          auto_summarize: p.auto_summarize ?? opts.defaultAutoSummarize,
        };
        const id = newId('sess');
        const t = access.issue(id, b.permissions ?? PERMISSIONS, b.token_ttl_seconds ?? opts.tokenTtlSeconds);
        const now = t.issuedAt;
        store.sessions.create({ id, key: sessionKey(id), now, prefs, initialContext: b.initial_context ?? '' }, { hash: t.hash, issuedAt: now, expiresAt: t.expiresAt, permissions: t.permissions });
        return created({ session_id: id, created_at: iso(now), token: t.token, status: 'active', expires_at: t.expires_at, permissions: t.permissions, user_preferences: prefs });
      },
    }),
    route({
      method: 'GET', path: '/api/v2/sessions/:session_id', summary: 'Session details', onRequest: guard, responses: { 200: R.Session },
      handler: (ctx) => sessionView(access.session(ctx, ctx.params.session_id!, 'read')),
    }),
    route({
      method: 'PUT', path: '/api/v2/sessions/:session_id/preferences', summary: 'Update session preferences', body: S.Preferences, responses: { 200: R.PreferencesUpdated },
      onRequest: guard, validationError: onValidation(),
      handler: (ctx) => {
        const s = access.session(ctx, ctx.params.session_id!, 'write', 'update_preferences');
        const next: Preferences = { ...preferencesOf(s), ...ctx.body };
        const now = d.now();
        store.sessions.updatePreferences(s.id, next, now);
        return { session_id: s.id, updated_preferences: next, updated_at: iso(now) };
      },
    }),
    route({
      method: 'POST', path: '/api/v2/sessions/:session_id/archive', summary: 'Archive a session (read-only from then on)', onRequest: guard, responses: { 200: R.Archived },
      handler: (ctx) => {
        const s = access.session(ctx, ctx.params.session_id!, 'write', 'archive');
        const now = d.now();
        const n = store.sessions.archive(s.id, now);
        return { session_id: s.id, status: 'archived', archived_at: iso(now), conversations_archived: n };
      },
    }),
    route({
      method: 'POST', path: '/api/v2/sessions/:session_id/tokens', summary: 'Issue another token for the session (same or fewer permissions)', body: S.IssueToken, bodyOptional: true, responses: { 201: R.TokenIssued },
      onRequest: guard, validationError: onValidation(),
      handler: (ctx) => {
        const s = access.session(ctx, ctx.params.session_id!, 'read');
        const held = access.auth(ctx).permissions;
        const wanted: readonly Permission[] = ctx.body.permissions ?? [...held];
        const extra = wanted.filter((p) => !held.has(p));
        if (extra.length) throw cccError('INSUFFICIENT_PERMISSIONS', `A token can only grant permissions its issuer holds; missing: ${extra.join(', ')}`, { requested: wanted, granted: [...held] });
        const t = access.issue(s.id, wanted, ctx.body.ttl_seconds ?? opts.tokenTtlSeconds);
        store.sessions.insertToken(s.id, { hash: t.hash, issuedAt: t.issuedAt, expiresAt: t.expiresAt, permissions: t.permissions });
        return created({ session_id: s.id, token: t.token, expires_at: t.expires_at, permissions: t.permissions });
      },
    }),
    route({
      method: 'DELETE', path: '/api/v2/sessions/:session_id/tokens/current', summary: 'Revoke the token making this request', onRequest: guard,
      handler: (ctx) => {
        const s = access.session(ctx, ctx.params.session_id!, 'read');
        const now = d.now();
        store.sessions.revokeToken(access.auth(ctx).tokenHash, now);
        return { session_id: s.id, revoked: true, revoked_at: iso(now) };
      },
    }),
  ];
}
