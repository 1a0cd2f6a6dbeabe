import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Signed, expiring tokens for links in emails: base64url(JSON claims) "." base64url(HMAC-SHA256).
 * Claims hold ids only. The purpose is signed too, so a token for one kind of link opens no other.
 */

const Claims = z.strictObject({
  v: z.literal(1),
  /** What the link does, e.g. 'verify'. */
  pur: z.string(),
  org: z.string(),
  sub: z.string(),
  /** Expiry, epoch seconds. */
  exp: z.number().int(),
});
export type TokenClaims = z.infer<typeof Claims>;

export type TokenFailure = 'malformed' | 'forged' | 'expired' | 'wrong-purpose';

export class TokenError extends Error {
  constructor(readonly reason: TokenFailure) {
    super(`token ${reason}`);
    this.name = 'TokenError';
  }
}

const sign = (secret: string, payload: string) => createHmac('sha256', secret).update(payload).digest();

export const issueToken = (
  secret: string,
  claims: { purpose: string; orgId: string; subject: string },
  now: Date,
  ttlSeconds: number,
) => {
  const body: TokenClaims = {
    v: 1,
    pur: claims.purpose,
    org: claims.orgId,
    sub: claims.subject,
    exp: Math.floor(now.getTime() / 1000) + ttlSeconds,
  };
  const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
  return `${payload}.${sign(secret, payload).toString('base64url')}`;
};

export const verifyToken = (secret: string, token: string, purpose: string, now: Date): TokenClaims => {
  const [payload, signature, ...rest] = token.split('.');
  if (!payload || !signature || rest.length > 0) throw new TokenError('malformed');
  // Compared as text: base64url decoding is lenient (unused bits, '+' for '-'), so bytes would let
  // several spellings of one signature through.
  const given = Buffer.from(signature);
  const expected = Buffer.from(sign(secret, payload).toString('base64url'));
  // Checked before the claims are even parsed: an altered token is forged whatever it says.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new TokenError('forged');
  let claims: TokenClaims;
  try {
    claims = Claims.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  } catch {
    throw new TokenError('malformed');
  }
  if (claims.pur !== purpose) throw new TokenError('wrong-purpose');
  if (claims.exp * 1000 <= now.getTime()) throw new TokenError('expired');
  return claims;
};
