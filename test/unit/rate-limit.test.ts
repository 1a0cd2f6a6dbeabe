import { describe, expect, it } from 'vitest';
import { Problem } from '../../shared/http/problem';
import {
  addressPseudonym,
  admitSignup,
  DEFAULT_SIGNUP_LIMITS,
  type LimitScope,
  limitedAddress,
  limitsFor,
  type RateLimiter,
  type RateRule,
  rateLimited,
  readSignupLimits,
  secondsUntil,
  windowOf,
} from '../../shared/http/rate-limit';

const SECRET = 'unit-test-secret';
const TEN_MINUTES: RateRule = { limit: 5, windowSeconds: 600 };

/** Counts in memory what the DynamoDB limiter counts in the table, window by window. */
const countingLimiter = () => {
  const counts = new Map<string, number>();
  const calls: { scope: LimitScope; subject: string; rule: RateRule }[] = [];
  const limiter: RateLimiter = {
    async take(scope, subject, rule, now) {
      calls.push({ scope, subject, rule });
      const window = windowOf(rule, now);
      const key = `${scope}|${subject}|${window.start.toISOString()}`;
      const hits = counts.get(key) ?? 0;
      if (hits >= rule.limit) return { allowed: false, retryAfterSeconds: secondsUntil(window.end, now) };
      counts.set(key, hits + 1);
      return { allowed: true };
    },
  };
  return { limiter, calls };
};

const refusal = async (attempt: Promise<unknown>) => {
  try {
    await attempt;
  } catch (error) {
    if (error instanceof Problem) return error;
    throw error;
  }
  return undefined;
};

describe('windowOf', () => {
  it('aligns windows to the epoch, so every function instance counts the same window', () => {
    const window = windowOf(TEN_MINUTES, new Date('2026-03-14T09:26:53.250Z'));
    expect(window.start.toISOString()).toBe('2026-03-14T09:20:00.000Z');
    expect(window.end.toISOString()).toBe('2026-03-14T09:30:00.000Z');
  });

  it('starts a new window exactly at the boundary', () => {
    const before = windowOf(TEN_MINUTES, new Date('2026-03-14T09:29:59.999Z'));
    const at = windowOf(TEN_MINUTES, new Date('2026-03-14T09:30:00.000Z'));
    expect(before.end).toStrictEqual(at.start);
    expect(at.start.toISOString()).toBe('2026-03-14T09:30:00.000Z');
  });
});

describe('secondsUntil', () => {
  it('rounds up to whole seconds and never says 0', () => {
    const end = new Date('2026-03-14T09:30:00.000Z');
    expect(secondsUntil(end, new Date('2026-03-14T09:26:53.250Z'))).toBe(187);
    expect(secondsUntil(end, new Date('2026-03-14T09:29:59.999Z'))).toBe(1);
    expect(secondsUntil(end, end)).toBe(1);
  });
});

describe('limitedAddress', () => {
  it('keeps an IPv4 address and unwraps an IPv4-mapped IPv6 one', () => {
    expect(limitedAddress('203.0.113.7')).toBe('203.0.113.7');
    expect(limitedAddress('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts IPv6 by its /64, however the address is written', () => {
    expect(limitedAddress('2001:db8:85a3:42::1')).toBe('2001:db8:85a3:42::/64');
    expect(limitedAddress('2001:0db8:85a3:0042:ffff:1:2:3')).toBe('2001:db8:85a3:42::/64');
    expect(limitedAddress('2001:db8:85a3:43::1')).not.toBe(limitedAddress('2001:db8:85a3:42::1'));
  });
});

describe('addressPseudonym', () => {
  it('is stable for one address and secret, and carries no part of the address', () => {
    const pseudonym = addressPseudonym(SECRET, '203.0.113.7');
    expect(pseudonym).toBe(addressPseudonym(SECRET, '203.0.113.7'));
    expect(pseudonym).toMatch(/^[0-9a-f]{32}$/);
    expect(pseudonym).not.toContain('203');
  });

  it('differs between addresses and between secrets', () => {
    expect(addressPseudonym(SECRET, '203.0.113.7')).not.toBe(addressPseudonym(SECRET, '203.0.113.8'));
    expect(addressPseudonym(SECRET, '203.0.113.7')).not.toBe(addressPseudonym('other', '203.0.113.7'));
  });

  it('is one pseudonym for every address of one IPv6 /64', () => {
    expect(addressPseudonym(SECRET, '2001:db8::1')).toBe(addressPseudonym(SECRET, '2001:db8::abcd:1'));
  });
});

describe('readSignupLimits', () => {
  it('gives the defaults when nothing is configured', () => {
    expect(readSignupLimits({})).toStrictEqual(DEFAULT_SIGNUP_LIMITS);
    expect(readSignupLimits({ SIGNUP_RATE_LIMITS: '' })).toStrictEqual(DEFAULT_SIGNUP_LIMITS);
  });

  it('replaces only the rule configured', () => {
    const limits = readSignupLimits({
      SIGNUP_RATE_LIMITS: JSON.stringify({ perOrganisation: { limit: 8, windowSeconds: 60 } }),
    });
    expect(limits).toStrictEqual({
      perAddress: DEFAULT_SIGNUP_LIMITS.perAddress,
      perOrganisation: { limit: 8, windowSeconds: 60 },
    });
  });

  it.each([
    ['not JSON', '{limit'],
    ['a zero limit', JSON.stringify({ perAddress: { limit: 0, windowSeconds: 60 } })],
    ['an unknown rule', JSON.stringify({ perPlanet: { limit: 1, windowSeconds: 60 } })],
    ['a fractional window', JSON.stringify({ perAddress: { limit: 1, windowSeconds: 1.5 } })],
  ])('fails at cold start on %s, naming the variable only', (_, value) => {
    expect(() => readSignupLimits({ SIGNUP_RATE_LIMITS: value })).toThrow(
      /^Invalid function configuration: SIGNUP_RATE_LIMITS$/,
    );
  });
});

describe('limitsFor', () => {
  it('takes an organisation\u2019s own counts and the platform\u2019s windows', () => {
    expect(limitsFor(DEFAULT_SIGNUP_LIMITS, { perAddress: 40 })).toStrictEqual({
      perAddress: { limit: 40, windowSeconds: 600 },
      perOrganisation: DEFAULT_SIGNUP_LIMITS.perOrganisation,
    });
    expect(limitsFor(DEFAULT_SIGNUP_LIMITS, undefined)).toStrictEqual(DEFAULT_SIGNUP_LIMITS);
  });
});

describe('rateLimited', () => {
  it('is a 429 problem with Retry-After, naming which limit was hit', () => {
    const address = rateLimited('address', 187);
    expect(address.status).toBe(429);
    expect(address.headers).toStrictEqual({ 'retry-after': '187' });
    expect(address.toJSON()).toStrictEqual({
      type: 'urn:kindred:problem:rate-limited',
      title: 'Too many signups',
      status: 429,
      detail: 'Too many signups have come from your network in a short time. Please try again in 4 minutes.',
    });
    expect(rateLimited('organisation', 30).detail).toBe(
      'This organisation is receiving more signups than it allows right now. Please try again in a minute.',
    );
  });
});

describe('admitSignup', () => {
  const at = new Date('2026-03-14T09:26:53.000Z');
  const limits = {
    perAddress: { limit: 2, windowSeconds: 600 },
    perOrganisation: { limit: 3, windowSeconds: 3600 },
  };
  const admission = (limiter: RateLimiter) => ({ limiter, limits, secret: async () => SECRET });

  it('counts the address by its pseudonym, then the organisation by its id', async () => {
    const { limiter, calls } = countingLimiter();
    await admitSignup(admission(limiter), { sourceIp: '203.0.113.7', orgId: 'riverside', now: at });
    expect(calls).toStrictEqual([
      { scope: 'address', subject: addressPseudonym(SECRET, '203.0.113.7'), rule: limits.perAddress },
      { scope: 'organisation', subject: 'riverside', rule: limits.perOrganisation },
    ]);
  });

  it('refuses the address over its limit with the seconds left in its window, not counting the organisation', async () => {
    const { limiter, calls } = countingLimiter();
    const request = { sourceIp: '203.0.113.7', orgId: 'riverside', now: at };
    await admitSignup(admission(limiter), request);
    await admitSignup(admission(limiter), request);
    const problem = await refusal(admitSignup(admission(limiter), request));
    expect(problem?.status).toBe(429);
    expect(problem?.headers['retry-after']).toBe('187');
    expect(problem?.detail).toMatch(/your network/);
    expect(calls.filter((c) => c.scope === 'organisation')).toHaveLength(2);
  });

  it('refuses every address once the organisation is over its limit, and lets the next window in', async () => {
    const { limiter } = countingLimiter();
    for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
      await admitSignup(admission(limiter), { sourceIp: ip, orgId: 'riverside', now: at });
    }
    const problem = await refusal(
      admitSignup(admission(limiter), { sourceIp: '203.0.113.4', orgId: 'riverside', now: at }),
    );
    expect(problem?.detail).toMatch(/This organisation/);
    expect(problem?.headers['retry-after']).toBe(String(33 * 60 + 7));
    // Another organisation is unaffected; so is this one in the next hour.
    await admitSignup(admission(limiter), { sourceIp: '203.0.113.4', orgId: 'hillside', now: at });
    const nextHour = new Date('2026-03-14T10:00:00.000Z');
    await admitSignup(admission(limiter), { sourceIp: '203.0.113.4', orgId: 'riverside', now: nextHour });
  });

  it('uses the organisation\u2019s own limits', async () => {
    const { limiter, calls } = countingLimiter();
    await admitSignup(admission(limiter), {
      sourceIp: '203.0.113.7',
      orgId: 'campus',
      own: { perAddress: 50 },
      now: at,
    });
    expect(calls[0]?.rule).toStrictEqual({ limit: 50, windowSeconds: 600 });
    expect(calls[1]?.rule).toStrictEqual(limits.perOrganisation);
  });
});
