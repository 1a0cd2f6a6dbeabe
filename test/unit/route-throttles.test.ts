import { describe, expect, it } from 'vitest';
import { routeThrottles } from '../../infra/local/http-api';

describe('local route throttling (API Gateway token buckets)', () => {
  const throttle = { rateLimit: 10, burstLimit: 3 };

  it('lets a burst through, refuses the next, and refills at the rate', () => {
    let elapsed = 0;
    const admit = routeThrottles(() => elapsed);
    expect([1, 2, 3, 4].map(() => admit('POST /signups', throttle))).toStrictEqual([true, true, true, false]);
    elapsed += 100; // one token at 10 a second
    expect(admit('POST /signups', throttle)).toBe(true);
    expect(admit('POST /signups', throttle)).toBe(false);
    elapsed += 10_000; // never more than the burst
    expect([1, 2, 3, 4].map(() => admit('POST /signups', throttle))).toStrictEqual([true, true, true, false]);
  });

  it('keeps one bucket per route', () => {
    const admit = routeThrottles(() => 0);
    for (let i = 0; i < 3; i++) admit('POST /signups', throttle);
    expect(admit('POST /signups', throttle)).toBe(false);
    expect(admit('GET /v1/verify', throttle)).toBe(true);
  });
});
