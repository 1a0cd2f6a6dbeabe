import { describe, expect, it } from 'vitest';
import { firingsBetween, parseAdvance, ratePeriodMs } from '../../infra/local/clock';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('ratePeriodMs', () => {
  it.each([
    ['rate(1 minute)', MINUTE],
    ['rate(5 minutes)', 5 * MINUTE],
    ['rate(1 hour)', HOUR],
    ['rate(12 hours)', 12 * HOUR],
    ['rate(1 day)', DAY],
    ['rate(7 days)', 7 * DAY],
  ])('reads %s', (expression, period) => {
    expect(ratePeriodMs(expression)).toBe(period);
  });

  it.each(['rate(1 minutes)', 'rate(1 days)', 'rate(5 minute)', 'rate(2 hour)'])(
    'refuses %s, as EventBridge wants the singular unit for 1 and the plural otherwise',
    (expression) => {
      expect(() => ratePeriodMs(expression)).toThrow(/singular unit for 1/);
    },
  );

  it.each([
    'rate(0 minutes)',
    'rate(-1 minutes)',
    'rate(1.5 hours)',
    'rate(2 weeks)',
    'rate(5minutes)',
    'rate( 5 minutes)',
    'RATE(5 minutes)',
    'cron(0 12 * * ? *)',
    'rate(5 minutes) ',
    '',
  ])('refuses %j', (expression) => {
    expect(() => ratePeriodMs(expression)).toThrow(/Unsupported schedule expression/);
  });
});

describe('firingsBetween', () => {
  const anchor = 1_000_000;
  const period = 100;

  it('fires at anchor + k × period, strictly after `after` and up to and including `until`', () => {
    expect(firingsBetween(period, anchor, anchor + 150, anchor + 400)).toEqual([
      anchor + 200,
      anchor + 300,
      anchor + 400,
    ]);
  });

  it('does not fire again at `after` when `after` is a firing time', () => {
    expect(firingsBetween(period, anchor, anchor + 200, anchor + 300)).toEqual([anchor + 300]);
  });

  it('does not fire at the anchor itself', () => {
    expect(firingsBetween(period, anchor, anchor, anchor + 100)).toEqual([anchor + 100]);
  });

  it('fires nothing when `until` comes before the next firing', () => {
    expect(firingsBetween(period, anchor, anchor + 101, anchor + 199)).toEqual([]);
    expect(firingsBetween(period, anchor, anchor, anchor)).toEqual([]);
  });

  it('fires once per period over a long advance', () => {
    const week = firingsBetween(HOUR, 0, 0, 7 * DAY);
    expect(week).toHaveLength(7 * 24);
    expect(week[0]).toBe(HOUR);
    expect(week.at(-1)).toBe(7 * DAY);
  });
});

describe('parseAdvance', () => {
  it.each([
    ['P7D', 7 * DAY],
    ['PT2H', 2 * HOUR],
    ['PT90M', 90 * MINUTE],
    ['P1DT12H', 36 * HOUR],
    ['PT0.5S', 500],
    ['P2W', 14 * DAY],
  ])('reads %s', (value, ms) => {
    expect(parseAdvance(value)).toBe(ms);
  });

  it.each(['PT0S', 'P0D', '-P1D', 'P-1D'])('refuses %s, which does not move the clock forward', (value) => {
    expect(() => parseAdvance(value)).toThrow(/forward/);
  });

  it.each(['garbage', '7 days', '7d', 'p7d', 'P7', ''])(
    'refuses %j, which is not an ISO 8601 duration',
    (value) => {
      expect(() => parseAdvance(value)).toThrow(/ISO 8601/);
    },
  );

  it.each([7, null, undefined, { days: 7 }])('refuses the non-string %j', (value) => {
    expect(() => parseAdvance(value)).toThrow('advance must be an ISO 8601 duration such as P7D or PT2H');
  });
});
