/**
 * Session tokens: HS256 JSON Web Tokens whose payload is the spec's token format
 * (`session_token` = the session id, `expires_at`, `permissions`) plus `iat`, `exp` and a
 * random `jti`. The HMAC secret comes from CCC_TOKEN_SECRET or a file made on first start.
 * The server also keeps each token's SHA-256 (never the token), so tokens can be revoked.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { PERMISSIONS, type Permission } from './types.ts';
import { SESSION_ID, iso } from './ids.ts';

/** base64url of `{"typ":"JWT","alg":"HS256"}`, as in the spec's example token. */
const HEADER = Buffer.from('{"typ":"JWT","alg":"HS256"}').toString('base64url');

export interface TokenClaims {
  session_token: string;
  expires_at: string;
  permissions: Permission[];
  iat: number;
  exp: number;
  jti: string;
}

export type Verified = { ok: true; claims: TokenClaims } | { ok: false; reason: string };

export class TokenSigner {
  private readonly key: Buffer;

  constructor(secret: string) {
    if (secret.length < 16) throw new Error('token secret must be at least 16 characters');
    this.key = Buffer.from(secret, 'utf8');
  }

  sign(sessionId: string, permissions: readonly Permission[], issuedAtMs: number, expiresAtMs: number): { token: string; claims: TokenClaims } {
    const claims: TokenClaims = {
      session_token: sessionId,
      expires_at: iso(expiresAtMs),
      permissions: [...permissions],
      iat: Math.floor(issuedAtMs / 1000),
      exp: Math.floor(expiresAtMs / 1000),
      jti: randomBytes(12).toString('hex'),
    };
    const body = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return { token: `${body}.${this.mac(body)}`, claims };
  }

  /** Checks shape and signature only; expiry and revocation are the caller's (they need the clock and the store). */
  verify(token: string): Verified {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== HEADER) return { ok: false, reason: 'not a ccc session token' };
    const expected = Buffer.from(this.mac(`${parts[0]}.${parts[1]}`));
    const got = Buffer.from(parts[2]!);
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) return { ok: false, reason: 'signature does not match' };
    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    } catch {
      return { ok: false, reason: 'payload is not JSON' };
    }
    return isClaims(claims) ? { ok: true, claims } : { ok: false, reason: 'payload lacks the session token fields' };
  }

  private mac(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64url');
  }
}

function isClaims(v: unknown): v is TokenClaims {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  return typeof c.session_token === 'string' && SESSION_ID.test(c.session_token) && typeof c.expires_at === 'string' &&
    Number.isInteger(c.exp) && Number.isInteger(c.iat) && typeof c.jti === 'string' &&
    Array.isArray(c.permissions) && c.permissions.every((p) => (PERMISSIONS as readonly unknown[]).includes(p));
}
