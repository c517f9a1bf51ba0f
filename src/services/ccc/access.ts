/**
 * Who may touch what. The route hook authenticates the bearer token and takes a rate-limit
 * token (by session, or by client address when there is none yet); handlers then check the
 * target session: it exists, the token was issued for it, the token grants the permission,
 * and a write does not target an archived session.
 */
import type { ApiError } from '../../runtime/errors.ts';
import { bearerToken, hashToken } from '../../runtime/auth.ts';
import type { Hook, RequestContext } from '../../runtime/service.ts';
import { archived, cccError, conversationNotFound, sessionNotFound } from './errors.ts';
import type { CccOptions } from './options.ts';
import type { CccRateLimits, RateClass } from './ratelimit.ts';
import type { CccStore } from './store/index.ts';
import type { TokenSigner } from './tokens.ts';
import { PERMISSIONS, type ConversationRow, type Permission, type SessionRow } from './types.ts';
import { iso } from './ids.ts';

export interface Auth {
  sessionId: string;
  permissions: ReadonlySet<Permission>;
  tokenHash: string;
  expiresAt: number;
}

export interface IssuedToken {
  token: string;
  expires_at: string;
  permissions: Permission[];
}

export class Access {
  constructor(
    private readonly store: CccStore,
    private readonly signer: TokenSigner,
    private readonly opts: CccOptions,
    private readonly limits: CccRateLimits,
    private readonly now: () => number,
  ) {}

  /** Route hook: rate limit always, authentication unless `open`. */
  hook(cls: RateClass, open = false): Hook {
    return (ctx) => {
      let auth: Auth | null = null;
      let failure: ApiError | null = null;
      if (!open) {
        const r = this.authenticate(ctx.request.headers.get('authorization'));
        if ('sessionId' in r) auth = r;
        else failure = r;
      }
      Object.assign(ctx.headers, this.limits.take(cls, auth ? auth.sessionId : `ip:${ctx.ip}`));
      if (failure) throw failure;
      if (auth) ctx.locals.auth = auth;
    };
  }

  authenticate(header: string | null): Auth | ApiError {
    const token = bearerToken(header);
    if (!token) return cccError('INVALID_SESSION_TOKEN', 'Authorization: Bearer <session token> is required', { reason: header ? 'malformed Authorization header' : 'missing Authorization header' });
    const v = this.signer.verify(token);
    if (!v.ok) return cccError('INVALID_SESSION_TOKEN', `Session token is invalid: ${v.reason}`, { reason: v.reason });
    const now = this.now();
    if (v.claims.exp * 1000 <= now) {
      return cccError('SESSION_EXPIRED', `Session token expired at ${v.claims.expires_at}`, { session_id: v.claims.session_token, expired_at: v.claims.expires_at });
    }
    const hash = hashToken(token);
    const row = this.store.sessions.token(hash);
    if (!row || row.revoked_at !== null || row.session_id !== v.claims.session_token) {
      return cccError('INVALID_SESSION_TOKEN', 'Session token has been revoked or its session deleted', { reason: 'revoked' });
    }
    if (row.expires_at <= now) return cccError('SESSION_EXPIRED', `Session token expired at ${iso(row.expires_at)}`, { session_id: row.session_id, expired_at: iso(row.expires_at) });
    return { sessionId: row.session_id, permissions: new Set(JSON.parse(row.permissions) as Permission[]), tokenHash: hash, expiresAt: row.expires_at };
  }

  auth(ctx: RequestContext): Auth {
    const a = ctx.locals.auth as Auth | undefined;
    if (!a) throw new Error('route has no authentication hook');
    return a;
  }

  /**
   * The session a request targets, checked: exists (404), the token is its own (401),
   * grants `need` (403), and a write (`operation` set) does not hit an archived session (409).
   */
  session(ctx: RequestContext, sessionId: string, need: Permission | readonly Permission[], operation: string | null = null): SessionRow {
    const auth = this.auth(ctx);
    const s = this.store.sessions.get(sessionId);
    if (!s) throw sessionNotFound(sessionId);
    if (auth.sessionId !== sessionId) {
      throw cccError('INVALID_SESSION_TOKEN', `The session token was not issued for session ${sessionId}`, { session_id: sessionId, reason: 'token belongs to another session' });
    }
    if (operation !== null && s.status === 'archived') throw archived(sessionId, operation);
    for (const p of typeof need === 'string' ? [need] : need) {
      if (!auth.permissions.has(p)) throw cccError('INSUFFICIENT_PERMISSIONS', `The session token lacks the "${p}" permission`, { required: p, granted: [...auth.permissions] });
    }
    const now = this.now();
    if (now - s.last_active >= 1000) {
      this.store.sessions.touch(s.id, now);
      s.last_active = now;
    }
    return s;
  }

  /** A conversation of the token's session; another session's conversation is reported as not found. */
  conversation(ctx: RequestContext, conversationId: string, need: Permission, operation: string | null = null): { session: SessionRow; conversation: ConversationRow } {
    const auth = this.auth(ctx);
    const c = this.store.conversations.get(conversationId);
    if (!c || c.session_id !== auth.sessionId) throw conversationNotFound(conversationId);
    return { session: this.session(ctx, c.session_id, need, operation), conversation: c };
  }

  issue(sessionId: string, permissions: readonly Permission[], ttlSeconds: number): IssuedToken & { hash: string; issuedAt: number; expiresAt: number } {
    const issuedAt = this.now();
    const expiresAt = issuedAt + ttlSeconds * 1000;
    const ordered = PERMISSIONS.filter((p) => permissions.includes(p));
    const { token } = this.signer.sign(sessionId, ordered, issuedAt, expiresAt);
    return { token, expires_at: iso(expiresAt), permissions: ordered, hash: hashToken(token), issuedAt, expiresAt };
  }

  get options(): CccOptions {
    return this.opts;
  }
}
