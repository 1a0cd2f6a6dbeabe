import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { issueToken, type TokenFailure, verifyToken } from '../../shared/adapters/tokens';

const SECRET = 'test-signing-secret-0123456789abcdef';
const ISSUED = new Date('2025-03-14T09:26:53.000Z');
const TTL = 3600;
const claims = {
  purpose: 'verify',
  orgId: 'riverside-mentors',
  subject: '3f1c2b9e-5d4a-4e8b-9c7d-1a2b3c4d5e6f',
};
const token = issueToken(SECRET, claims, ISSUED, TTL);
const exp = Math.floor(ISSUED.getTime() / 1000) + TTL;

/** The reason a token is refused, or 'valid'. */
const outcome = (
  t: string,
  options: { secret?: string; purpose?: string; now?: Date } = {},
): TokenFailure | 'valid' => {
  try {
    verifyToken(options.secret ?? SECRET, t, options.purpose ?? 'verify', options.now ?? ISSUED);
    return 'valid';
  } catch (error) {
    return (error as { reason: TokenFailure }).reason;
  }
};

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const parts = (t: string) => t.split('.') as [string, string];

describe('issueToken / verifyToken', () => {
  it('round-trips the claims', () => {
    expect(verifyToken(SECRET, token, 'verify', ISSUED)).toEqual({
      v: 1,
      pur: 'verify',
      org: 'riverside-mentors',
      sub: claims.subject,
      exp,
    });
  });

  it('is URL-safe and made of two base64url parts', () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(encodeURIComponent(token)).toBe(token);
  });

  it('is deterministic, so a redelivered event renders the same link', () => {
    expect(issueToken(SECRET, claims, ISSUED, TTL)).toBe(token);
  });

  it('holds ids only in its readable payload', () => {
    const payload = JSON.parse(Buffer.from(parts(token)[0], 'base64url').toString('utf8'));
    expect(Object.keys(payload).sort()).toEqual(['exp', 'org', 'pur', 'sub', 'v']);
  });

  it('refuses an altered payload as forged', () => {
    const [payload, signature] = parts(token);
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const altered = b64({ ...decoded, sub: 'someone-else' });
    expect(outcome(`${altered}.${signature}`)).toBe('forged');
    expect(outcome(`${b64({ ...decoded, exp: exp + 10 * 365 * 86400 })}.${signature}`)).toBe('forged');
  });

  it('refuses an altered signature as forged', () => {
    const [payload, signature] = parts(token);
    const flipped = Buffer.from(signature, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 0x01;
    expect(outcome(`${payload}.${flipped.toString('base64url')}`)).toBe('forged');
    expect(outcome(`${payload}.${signature.slice(0, -4)}`)).toBe('forged');
    expect(outcome(`${payload}.${signature}AAAA`)).toBe('forged');
  });

  it('refuses a token signed with another secret as forged', () => {
    expect(outcome(issueToken('another-secret', claims, ISSUED, TTL))).toBe('forged');
    expect(outcome(token, { secret: 'another-secret' })).toBe('forged');
  });

  it('is valid up to one millisecond before its expiry and expired exactly at it', () => {
    expect(outcome(token, { now: new Date(exp * 1000 - 1) })).toBe('valid');
    expect(outcome(token, { now: new Date(exp * 1000) })).toBe('expired');
    expect(outcome(token, { now: new Date(exp * 1000 + 86_400_000) })).toBe('expired');
  });

  it('refuses a genuine token of another purpose', () => {
    const unsubscribe = issueToken(SECRET, { ...claims, purpose: 'unsubscribe' }, ISSUED, TTL);
    expect(outcome(unsubscribe)).toBe('wrong-purpose');
    expect(outcome(token, { purpose: 'unsubscribe' })).toBe('wrong-purpose');
  });

  it.each([
    ['an empty string', ''],
    ['no dot', 'abc'],
    ['an empty signature', 'abc.'],
    ['an empty payload', '.abc'],
    ['three parts', `${token}.extra`],
    ['only dots', '..'],
  ])('refuses %s as malformed', (_, value) => {
    expect(outcome(value)).toBe('malformed');
  });

  it('refuses genuinely signed payloads that are not valid claims as malformed', () => {
    const signed = (payload: string) =>
      `${payload}.${createHmac('sha256', SECRET).update(payload).digest('base64url')}`;
    expect(outcome(signed(Buffer.from('not json').toString('base64url')))).toBe('malformed');
    expect(outcome(signed(b64({ v: 2, pur: 'verify', org: 'o', sub: 's', exp })))).toBe('malformed');
    expect(outcome(signed(b64({ v: 1, pur: 'verify', org: 'o', sub: 's', exp: String(exp) })))).toBe(
      'malformed',
    );
    expect(outcome(signed(b64({ v: 1, pur: 'verify', org: 'o', sub: 's', exp, extra: true })))).toBe(
      'malformed',
    );
    expect(outcome(signed(b64([1, 2, 3])))).toBe('malformed');
  });

  // Every character a URL could carry into the token, plus the separators and padding base64 decoders know.
  const ALPHABET = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.+/=~ '];
  const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const changeAt = (t: string, index: number, c: string) => `${t.slice(0, index)}${c}${t.slice(index + 1)}`;

  it('never verifies the token with any single character changed (every position, every character)', () => {
    const accepted: string[] = [];
    for (let index = 0; index < token.length; index++) {
      for (const c of ALPHABET) {
        if (c !== token[index] && outcome(changeAt(token, index, c)) === 'valid')
          accepted.push(`${index}:${token[index]}->${c}`);
      }
    }
    expect(accepted).toEqual([]);
  });

  it('property: no single-character change of any token verifies', () => {
    const id = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/);
    // A known regression, tried first: the last signature character's unused low bits.
    const last = token.at(-1) as string;
    const sibling = B64URL[B64URL.indexOf(last) ^ 1] as string;
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.record({ purpose: fc.constant('verify'), orgId: id, subject: id }),
        fc.nat(),
        fc.constantFrom(...ALPHABET),
        (secret, tokenClaims, position, replacement) => {
          const t = issueToken(secret, tokenClaims, ISSUED, TTL);
          const index = position % t.length;
          fc.pre(t[index] !== replacement);
          expect(outcome(changeAt(t, index, replacement), { secret })).not.toBe('valid');
        },
      ),
      { numRuns: 500, examples: [[SECRET, claims, token.length - 1, sibling]] },
    );
  });
});
