import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_NUDGE_POLICY,
  type Decision,
  decide,
  EMAIL_CATEGORIES,
  isNudge,
  isQuietHours,
  NUDGE_CATEGORIES,
  type NudgePolicy,
  nextSendableTime,
  type PendingEmail,
  pauseUntil,
  type RecipientState,
  recordNudge,
  stillWanted,
  unsubscribeHeaders,
} from '../../shared/domain/nudge-policy';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (iso: string) => new Date(iso);
const recipient = (overrides: Partial<RecipientState> = {}): RecipientState => ({
  timezone: 'Europe/London',
  unsubscribed: [],
  recentNudges: [],
  ...overrides,
});
const policy = (from: string, to: string, count = 3, days = 7): NudgePolicy => ({
  quietHours: { from, to },
  cap: { count, days },
});
const hoursBetween = (from: Date, to: Date) => (to.getTime() - from.getTime()) / HOUR;

/**
 * An oracle independent of the module (which reads offsets through luxon): the recipient's wall-clock
 * seconds into the day, straight from Intl, and quiet hours checked on it.
 */
const clocks = new Map<string, Intl.DateTimeFormat>();
const localSeconds = (instant: Date, timezone: string) => {
  let clock = clocks.get(timezone);
  if (!clock) {
    clock = new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      hourCycle: 'h23',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    clocks.set(timezone, clock);
  }
  const part = (type: string) => Number(clock.formatToParts(instant).find((p) => p.type === type)?.value);
  return part('hour') * 3600 + part('minute') * 60 + part('second');
};
const hhmmSeconds = (hhmm: string) => Number(hhmm.slice(0, 2)) * 3600 + Number(hhmm.slice(3)) * 60;
const quietByOracle = (instant: Date, timezone: string, p: NudgePolicy) => {
  const t = localSeconds(instant, timezone);
  const from = hhmmSeconds(p.quietHours.from);
  const to = hhmmSeconds(p.quietHours.to);
  if (from === to) return false;
  return from < to ? t >= from && t < to : t >= from || t < to;
};

describe('isNudge', () => {
  it('exempts only verification (transactional) and safeguarding mail', () => {
    expect(EMAIL_CATEGORIES.filter((c) => !isNudge(c))).toEqual(['transactional', 'safeguarding']);
    expect(NUDGE_CATEGORIES).toContain('digest');
  });
});

describe('quiet hours across daylight-saving nights', () => {
  it('lasts 10 hours on the night London springs forward and 12 when it falls back', () => {
    // 29 March 2026: 01:00 GMT becomes 02:00 BST. 25 October 2026: 02:00 BST becomes 01:00 GMT.
    expect(isQuietHours(at('2026-03-28T20:59:59Z'), 'Europe/London')).toBe(false);
    expect(isQuietHours(at('2026-03-28T21:00:00Z'), 'Europe/London')).toBe(true);
    const spring = nextSendableTime(at('2026-03-28T21:00:00Z'), 'Europe/London');
    expect(spring).toEqual(at('2026-03-29T07:00:00Z')); // 08:00 BST
    expect(hoursBetween(at('2026-03-28T21:00:00Z'), spring)).toBe(10);

    const autumn = nextSendableTime(at('2026-10-24T20:00:00Z'), 'Europe/London'); // 21:00 BST
    expect(autumn).toEqual(at('2026-10-25T08:00:00Z')); // 08:00 GMT
    expect(hoursBetween(at('2026-10-24T20:00:00Z'), autumn)).toBe(12);
  });

  it('lasts 10 hours on the night New York springs forward and 12 when it falls back', () => {
    // 8 March 2026: 02:00 EST becomes 03:00 EDT. 1 November 2026: 02:00 EDT becomes 01:00 EST.
    expect(isQuietHours(at('2026-03-08T01:59:00Z'), 'America/New_York')).toBe(false); // 20:59 EST
    const spring = nextSendableTime(at('2026-03-08T02:00:00Z'), 'America/New_York'); // 21:00 EST
    expect(spring).toEqual(at('2026-03-08T12:00:00Z')); // 08:00 EDT
    expect(hoursBetween(at('2026-03-08T02:00:00Z'), spring)).toBe(10);

    const autumn = nextSendableTime(at('2026-11-01T01:00:00Z'), 'America/New_York'); // 21:00 EDT
    expect(autumn).toEqual(at('2026-11-01T13:00:00Z')); // 08:00 EST
    expect(hoursBetween(at('2026-11-01T01:00:00Z'), autumn)).toBe(12);
  });

  it('follows half-hour daylight saving on Lord Howe and the +5:45 offset of Kathmandu', () => {
    // 5 April 2026: 02:00 at +11 becomes 01:30 at +10:30; 21:00 (+11) to 08:00 (+10:30) is 11.5 hours.
    const lordHowe = nextSendableTime(at('2026-04-04T10:00:00Z'), 'Australia/Lord_Howe');
    expect(lordHowe).toEqual(at('2026-04-04T21:30:00Z'));
    expect(hoursBetween(at('2026-04-04T10:00:00Z'), lordHowe)).toBe(11.5);

    expect(isQuietHours(at('2026-06-01T15:14:00Z'), 'Asia/Kathmandu')).toBe(false); // 20:59
    expect(isQuietHours(at('2026-06-01T15:15:00Z'), 'Asia/Kathmandu')).toBe(true); // 21:00
    expect(nextSendableTime(at('2026-06-01T16:00:00Z'), 'Asia/Kathmandu')).toEqual(
      at('2026-06-02T02:15:00Z'),
    );
  });

  it('ends quiet hours that end inside a spring-forward gap at the jump, not an hour later', () => {
    // Quiet until 01:30, but on 29 March London's clocks go from 00:59:59 GMT straight to 02:00 BST.
    const late = policy('21:00', '01:30');
    expect(nextSendableTime(at('2026-03-28T23:00:00Z'), 'Europe/London', late)).toEqual(
      at('2026-03-29T01:00:00Z'),
    );
  });

  it('is quiet again when falling back turns the clock back into quiet hours', () => {
    // Quiet until 01:30; on 25 October 01:45 BST is past it, then at 02:00 BST the clock reads 01:00 GMT.
    const late = policy('21:00', '01:30');
    expect(isQuietHours(at('2026-10-25T00:45:00Z'), 'Europe/London', late)).toBe(false);
    expect(nextSendableTime(at('2026-10-25T01:10:00Z'), 'Europe/London', late)).toEqual(
      at('2026-10-25T01:30:00Z'),
    );
  });

  it('handles quiet hours inside one day, and none when from equals to', () => {
    const lunch = policy('13:00', '14:00');
    expect(isQuietHours(at('2026-07-01T11:59:00Z'), 'Europe/London', lunch)).toBe(false); // 12:59 BST
    expect(isQuietHours(at('2026-07-01T12:00:00Z'), 'Europe/London', lunch)).toBe(true);
    expect(nextSendableTime(at('2026-07-01T12:30:00Z'), 'Europe/London', lunch)).toEqual(
      at('2026-07-01T13:00:00Z'),
    );
    expect(isQuietHours(at('2026-07-01T23:00:00Z'), 'Europe/London', lunch)).toBe(false);

    const none = policy('08:00', '08:00');
    expect(isQuietHours(at('2026-07-01T02:00:00Z'), 'Europe/London', none)).toBe(false);
  });
});

describe('decide', () => {
  const milestone: PendingEmail = { category: 'milestones' };
  // 12:00 BST on a Wednesday, well outside quiet hours.
  const noon = at('2026-07-01T11:00:00Z');

  it('sends a nudge outside quiet hours, under the cap, to someone who wants it', () => {
    expect(decide(milestone, recipient(), noon)).toEqual({ action: 'send' });
  });

  it('drops everything, transactional and safeguarding mail included, for a suppressed address', () => {
    const bounced = recipient({ suppressed: { reason: 'bounce', at: '2026-06-01T00:00:00Z' } });
    for (const category of EMAIL_CATEGORIES) {
      expect(decide({ category }, bounced, noon)).toEqual({ action: 'drop', reason: 'suppressed' });
    }
  });

  it('sends transactional mail at once, whatever the pause, cap, quiet hours or unsubscribes', () => {
    const unwilling = recipient({
      timezone: 'Not/AZone',
      unsubscribed: [...EMAIL_CATEGORIES],
      pausedUntil: '2026-12-01T00:00:00Z',
      recentNudges: ['2026-06-30T01:00:00Z', '2026-06-30T02:00:00Z', '2026-06-30T03:00:00Z'],
    });
    const midnight = at('2026-07-01T23:00:00Z');
    expect(decide({ category: 'transactional' }, unwilling, midnight)).toEqual({ action: 'send' });
    expect(decide({ category: 'safeguarding', latest: noon }, unwilling, midnight)).toEqual({
      action: 'send',
    });
  });

  it('drops a nudge in a category the person unsubscribed from, and only that category', () => {
    const person = recipient({ unsubscribed: ['milestones'] });
    expect(decide(milestone, person, noon)).toEqual({ action: 'drop', reason: 'unsubscribed' });
    expect(decide({ category: 'feedback' }, person, noon)).toEqual({ action: 'send' });
  });

  it('makes a nudge decided in quiet hours wait for 08:00 in the recipient zone', () => {
    // 22:00 in New York (EDT) is 02:00 UTC; 08:00 EDT is 12:00 UTC.
    expect(
      decide(milestone, recipient({ timezone: 'America/New_York' }), at('2026-07-02T02:00:00Z')),
    ).toEqual({
      action: 'defer',
      until: at('2026-07-02T12:00:00Z'),
      reason: 'quiet-hours',
    });
  });

  it('defers a reminder to the end of quiet hours if that is before the meeting, else drops it as stale', () => {
    const lateEvening = at('2026-07-01T21:00:00Z'); // 22:00 BST
    const at0830 = { category: 'meeting-reminders', latest: at('2026-07-02T07:30:00Z') } as const;
    expect(decide(at0830, recipient(), lateEvening)).toEqual({
      action: 'defer',
      until: at('2026-07-02T07:00:00Z'),
      reason: 'quiet-hours',
    });
    const at0730 = { category: 'meeting-reminders', latest: at('2026-07-02T06:30:00Z') } as const;
    expect(decide(at0730, recipient(), lateEvening)).toEqual({ action: 'drop', reason: 'stale' });
    const at0800 = { category: 'meeting-reminders', latest: at('2026-07-02T07:00:00Z') } as const;
    expect(decide(at0800, recipient(), lateEvening)).toEqual({ action: 'drop', reason: 'stale' });
  });

  it('drops a nudge whose moment has passed', () => {
    expect(decide({ category: 'meeting-reminders', latest: noon }, recipient(), noon)).toEqual({
      action: 'drop',
      reason: 'stale',
    });
  });

  it('defers a nudge to the end of a pause, then past quiet hours if the pause ends in them', () => {
    const endsAtNight = recipient({ pausedUntil: '2026-07-20T22:00:00Z' }); // 23:00 BST
    expect(decide(milestone, endsAtNight, noon)).toEqual({
      action: 'defer',
      until: at('2026-07-21T07:00:00Z'),
      reason: 'paused',
    });
    const endsAtNoon = recipient({ pausedUntil: '2026-07-20T11:00:00Z' });
    expect(decide(milestone, endsAtNoon, noon)).toEqual({
      action: 'defer',
      until: at('2026-07-20T11:00:00Z'),
      reason: 'paused',
    });
    const ended = recipient({ pausedUntil: '2026-06-20T11:00:00Z' });
    expect(decide(milestone, ended, noon)).toEqual({ action: 'send' });
    const reminder = { category: 'meeting-reminders', latest: at('2026-07-10T11:00:00Z') } as const;
    expect(decide(reminder, endsAtNoon, noon)).toEqual({ action: 'drop', reason: 'stale' });
    const atPauseEnd = { category: 'meeting-reminders', latest: at('2026-07-20T11:00:00Z') } as const;
    expect(decide(atPauseEnd, endsAtNoon, noon)).toEqual({ action: 'drop', reason: 'stale' });
  });

  it('folds a nudge over the cap into a digest due when the oldest counted nudge leaves the window', () => {
    // Sent 6, 3 and 1 days ago; the first leaves the 7-day window at 2026-07-02T09:00Z (10:00 BST).
    const capped = recipient({
      recentNudges: [
        '2026-06-25T09:00:00Z',
        '2026-06-28T11:00:00Z',
        '2026-06-30T11:00:00Z',
        '2026-06-01T11:00:00Z',
      ],
    });
    expect(decide(milestone, capped, noon)).toEqual({
      action: 'fold-into-digest',
      reason: 'frequency-cap',
      digestAt: at('2026-07-02T09:00:00Z'),
    });
  });

  it('moves the digest out of quiet hours, and drops a capped email the digest would come too late for', () => {
    // The first counted nudge was sent at 23:00 BST, so the cap frees at night; the digest waits for 08:00.
    const capped = recipient({
      recentNudges: ['2026-06-25T22:00:00Z', '2026-06-28T11:00:00Z', '2026-06-30T11:00:00Z'],
    });
    const fold = decide(milestone, capped, noon);
    expect(fold).toEqual({
      action: 'fold-into-digest',
      reason: 'frequency-cap',
      digestAt: at('2026-07-03T07:00:00Z'),
    });

    const reminder = { category: 'meeting-reminders', latest: at('2026-07-02T18:00:00Z') } as const;
    expect(decide(reminder, capped, noon)).toEqual({ action: 'drop', reason: 'stale' });
  });

  it('makes a digest over the cap wait rather than fold into itself, and drops capped mail for a digest refuser', () => {
    const capped = ['2026-06-25T09:00:00Z', '2026-06-28T11:00:00Z', '2026-06-30T11:00:00Z'];
    expect(decide({ category: 'digest' }, recipient({ recentNudges: capped }), noon)).toEqual({
      action: 'defer',
      until: at('2026-07-02T09:00:00Z'),
      reason: 'frequency-cap',
    });
    const refuser = recipient({ recentNudges: capped, unsubscribed: ['digest'] });
    expect(decide(milestone, refuser, noon)).toEqual({ action: 'drop', reason: 'frequency-cap' });
  });

  it('throws on an unknown time zone for a nudge rather than guess', () => {
    expect(() => decide(milestone, recipient({ timezone: 'Mars/Olympus_Mons' }), noon)).toThrow(RangeError);
  });

  it('refuses a malformed policy or state', () => {
    expect(() => decide(milestone, recipient(), noon, policy('9pm', '08:00'))).toThrow(RangeError);
    expect(() => decide(milestone, recipient(), noon, policy('21:00', '24:00'))).toThrow(RangeError);
    expect(() => decide(milestone, recipient(), noon, policy('21:00', '08:00', 0))).toThrow(RangeError);
    expect(() => decide(milestone, recipient(), noon, policy('21:00', '08:00', 3, 1.5))).toThrow(RangeError);
    expect(() => decide(milestone, recipient({ recentNudges: ['yesterday'] }), noon)).toThrow(RangeError);
    expect(() => decide(milestone, recipient(), new Date(Number.NaN))).toThrow(RangeError);
    // Transactional mail reads neither, so a broken nudge policy never holds up a verification email.
    expect(decide({ category: 'transactional' }, recipient(), noon, policy('9pm', '08:00'))).toEqual({
      action: 'send',
    });
  });
});

describe('recordNudge, stillWanted and pauseUntil', () => {
  it('records a send and prunes what can no longer count towards the cap', () => {
    const recent = ['2026-06-20T11:00:00.000Z', '2026-06-30T11:00:00.000Z', '2026-06-24T11:00:01.000Z'];
    expect(recordNudge(recent, at('2026-07-01T11:00:00Z'))).toEqual([
      '2026-06-24T11:00:01.000Z',
      '2026-06-30T11:00:00.000Z',
      '2026-07-01T11:00:00.000Z',
    ]);
  });

  it('keeps in a digest only what is still wanted when it is sent', () => {
    const when = at('2026-07-02T09:00:00Z');
    expect(stillWanted({ category: 'milestones' }, recipient(), when)).toBe(true);
    expect(stillWanted({ category: 'milestones' }, recipient({ unsubscribed: ['milestones'] }), when)).toBe(
      false,
    );
    expect(stillWanted({ category: 'meeting-reminders', latest: when }, recipient(), when)).toBe(false);
    const complained = recipient({ suppressed: { reason: 'complaint', at: '2026-07-01T00:00:00Z' } });
    expect(stillWanted({ category: 'safeguarding' }, complained, when)).toBe(false);
  });

  it('pauses for whole weeks', () => {
    expect(pauseUntil(at('2026-07-01T11:00:00Z'), 2)).toBe('2026-07-15T11:00:00.000Z');
    expect(() => pauseUntil(at('2026-07-01T11:00:00Z'), 0)).toThrow(RangeError);
  });
});

describe('unsubscribeHeaders', () => {
  it('gives the RFC 8058 one-click pair, with an optional mailto', () => {
    expect(unsubscribeHeaders('https://api.kindred.test/v1/unsubscribe?token=abc')).toEqual({
      'List-Unsubscribe': '<https://api.kindred.test/v1/unsubscribe?token=abc>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    expect(
      unsubscribeHeaders('https://api.kindred.test/u?t=a,b', 'unsubscribe@kindred.test')['List-Unsubscribe'],
    ).toBe('<https://api.kindred.test/u?t=a%2Cb>, <mailto:unsubscribe@kindred.test>');
  });

  it('requires HTTPS except on loopback, and refuses what could break the header', () => {
    expect(() => unsubscribeHeaders('http://api.kindred.test/u?t=a')).toThrow(RangeError);
    expect(() => unsubscribeHeaders('not a url')).toThrow(RangeError);
    expect(unsubscribeHeaders('http://127.0.0.1:3000/u?t=a')['List-Unsubscribe']).toBe(
      '<http://127.0.0.1:3000/u?t=a>',
    );
    expect(() => unsubscribeHeaders('https://api.kindred.test/u', 'a@b.test>, <https://evil.test')).toThrow(
      RangeError,
    );
    expect(unsubscribeHeaders('https://x.test/u?t=<a>\r\nBcc: c@d.test')['List-Unsubscribe']).toMatch(
      /^<[^<>\s,]+>$/,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// Properties over zones with awkward offsets and instants around the 2026–2027 daylight-saving changes.

const ZONES = [
  'Europe/London',
  'America/New_York',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'America/St_Johns',
  'Pacific/Auckland',
  'UTC',
];
/** Weekends on which some zone above changes its clocks (US, EU, Australia/NZ, both ways, both years). */
const TRANSITIONS = [
  '2026-03-08',
  '2026-03-29',
  '2026-04-05',
  '2026-09-27',
  '2026-10-04',
  '2026-10-25',
  '2026-11-01',
  '2027-03-14',
  '2027-03-28',
  '2027-04-04',
  '2027-09-26',
  '2027-10-03',
  '2027-10-31',
  '2027-11-07',
].map(Date.parse);
const START = Date.parse('2026-01-01T00:00:00Z');
const END = Date.parse('2028-01-01T00:00:00Z');

const instant = fc.oneof(
  fc.integer({ min: START, max: END }),
  fc
    .tuple(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -3 * DAY, max: 3 * DAY }))
    .map(([day, offset]) => day + offset),
);
const zone = fc.constantFrom(...ZONES);
const clock = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45))
  .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
const anyPolicy: fc.Arbitrary<NudgePolicy> = fc.oneof(
  fc.constant(DEFAULT_NUDGE_POLICY),
  fc.record({
    quietHours: fc.record({ from: clock, to: clock }),
    cap: fc.record({ count: fc.integer({ min: 1, max: 5 }), days: fc.integer({ min: 1, max: 10 }) }),
  }),
);
const category = fc.constantFrom(...EMAIL_CATEGORIES);
const nudgeCategory = fc.constantFrom(...NUDGE_CATEGORIES.filter((c) => c !== 'digest'));

describe('properties', () => {
  it('nextSendableTime gives the first instant outside quiet hours', () => {
    fc.assert(
      fc.property(zone, instant, anyPolicy, (timezone, start, p) => {
        const from = new Date(start);
        const next = nextSendableTime(from, timezone, p);
        expect(next.getTime()).toBeGreaterThanOrEqual(start);
        expect(quietByOracle(next, timezone, p)).toBe(false);
        expect(isQuietHours(next, timezone, p)).toBe(false);
        if (next.getTime() > start) {
          // Everything before it, back to the start, is quiet (just before it, and a spread of samples).
          expect(quietByOracle(new Date(next.getTime() - 1), timezone, p)).toBe(true);
          for (let k = 0; k < 8; k++) {
            const sample = new Date(start + Math.floor(((next.getTime() - start) * k) / 8));
            expect(quietByOracle(sample, timezone, p)).toBe(true);
          }
          expect(next.getTime() - start).toBeLessThanOrEqual(DAY);
        }
      }),
      { numRuns: 400 },
    );
  });

  const state: fc.Arbitrary<{ r: RecipientState; now: number }> = fc
    .record({
      timezone: zone,
      now: instant,
      suppressed: fc.option(fc.constantFrom('bounce', 'complaint'), { nil: undefined }),
      unsubscribed: fc.subarray([...EMAIL_CATEGORIES]),
      pauseFor: fc.option(fc.integer({ min: -7 * DAY, max: 21 * DAY }), { nil: undefined }),
      sentAgo: fc.array(fc.integer({ min: 0, max: 12 * DAY }), { maxLength: 6 }),
    })
    .map(({ timezone, now, suppressed, unsubscribed, pauseFor, sentAgo }) => ({
      now,
      r: {
        timezone,
        unsubscribed,
        ...(suppressed && { suppressed: { reason: suppressed, at: new Date(now - DAY).toISOString() } }),
        ...(pauseFor !== undefined && { pausedUntil: new Date(now + pauseFor).toISOString() }),
        recentNudges: sentAgo.map((ago) => new Date(now - ago).toISOString()),
      },
    }));
  const latestIn = fc.option(fc.integer({ min: -DAY, max: 10 * DAY }), { nil: undefined });

  it('never sends, defers or schedules a digest into quiet hours; suppressed is dropped; transactional is sent', () => {
    fc.assert(
      fc.property(state, category, latestIn, anyPolicy, ({ r, now }, kind, lastUseful, p) => {
        const pending: PendingEmail = {
          category: kind,
          ...(lastUseful !== undefined && { latest: new Date(now + lastUseful) }),
        };
        const decision = decide(pending, r, new Date(now), p);
        if (r.suppressed) {
          expect(decision).toEqual({ action: 'drop', reason: 'suppressed' });
          return;
        }
        if (!isNudge(kind)) {
          expect(decision).toEqual({ action: 'send' });
          return;
        }
        const latest = pending.latest?.getTime() ?? Number.POSITIVE_INFINITY;
        const target =
          decision.action === 'send'
            ? now
            : decision.action === 'defer'
              ? decision.until.getTime()
              : decision.action === 'fold-into-digest'
                ? decision.digestAt.getTime()
                : undefined;
        if (target === undefined) return;
        expect(quietByOracle(new Date(target), r.timezone, p)).toBe(false);
        expect(target).toBeLessThan(latest);
        if (decision.action !== 'send') expect(target).toBeGreaterThan(now);
        if (decision.action === 'defer' && decision.reason === 'paused') {
          expect(target).toBeGreaterThanOrEqual(Date.parse(r.pausedUntil ?? ''));
        }
        if (decision.action === 'send') {
          expect(r.unsubscribed).not.toContain(kind);
          const window = p.cap.days * DAY;
          expect(r.recentNudges.filter((s) => Date.parse(s) > now - window).length).toBeLessThan(p.cap.count);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('keeps at most cap.count nudges, digests included, in any window when decisions are applied in turn', () => {
    const arrivals = fc.array(
      fc.record({
        after: fc.integer({ min: 0, max: 28 * DAY }),
        category: nudgeCategory,
        latestIn: fc.option(fc.integer({ min: HOUR, max: 3 * DAY }), { nil: undefined }),
      }),
      { minLength: 1, maxLength: 30 },
    );
    const pause = fc.option(fc.integer({ min: 0, max: 10 * DAY }), { nil: undefined });

    fc.assert(
      fc.property(zone, instant, anyPolicy, arrivals, pause, (timezone, start, p, incoming, pauseFor) => {
        // Prepare: a queue of (time, email) to decide; a deferral or a digest puts an entry back on it.
        type Job = { at: number; email: PendingEmail };
        const queue: Job[] = incoming.map(({ after, category, latestIn }) => ({
          at: start + after,
          email: { category, ...(latestIn !== undefined && { latest: new Date(start + after + latestIn) }) },
        }));
        const person: RecipientState = {
          timezone,
          unsubscribed: [],
          recentNudges: [],
          ...(pauseFor !== undefined && { pausedUntil: new Date(start + pauseFor).toISOString() }),
        };
        const sent: number[] = [];
        let digestDue = false;

        // Act: decide in time order, doing what each decision says.
        for (let steps = 0; queue.length > 0; steps++) {
          expect(steps).toBeLessThan(1_000);
          queue.sort((a, b) => a.at - b.at);
          const job = queue.shift() as Job;
          const decision: Decision = decide(job.email, person, new Date(job.at), p);
          if (decision.action === 'send') {
            sent.push(job.at);
            person.recentNudges = recordNudge(person.recentNudges, new Date(job.at), p);
            if (job.email.category === 'digest') digestDue = false;
          } else if (decision.action === 'defer') {
            expect(decision.until.getTime()).toBeGreaterThan(job.at);
            queue.push({ at: decision.until.getTime(), email: job.email });
          } else if (decision.action === 'fold-into-digest' && !digestDue) {
            digestDue = true;
            queue.push({ at: decision.digestAt.getTime(), email: { category: 'digest' } });
          }
        }

        // Assess: no window of cap.days holds more than cap.count sends, and none is in quiet hours.
        expect(digestDue).toBe(false);
        for (let i = 0; i + p.cap.count < sent.length; i++) {
          expect((sent[i + p.cap.count] as number) - (sent[i] as number)).toBeGreaterThanOrEqual(
            p.cap.days * DAY,
          );
        }
        for (const s of sent) expect(quietByOracle(new Date(s), timezone, p)).toBe(false);
      }),
      { numRuns: 150 },
    );
  });
});

describe('a digest over the cap', () => {
  it('waits for room, or is dropped as stale when room comes after it stops being useful', () => {
    // Found by the property above: three nudges just sent, a digest useful for one more millisecond.
    const now = new Date('2026-01-01T00:00:00.000Z');
    const recipient = {
      timezone: 'Pacific/Auckland',
      unsubscribed: [],
      recentNudges: [now.toISOString(), now.toISOString(), now.toISOString()],
    };
    const policy = { quietHours: { from: '21:00', to: '08:00' }, cap: { count: 3, days: 7 } };
    expect(decide({ category: 'digest' }, recipient, now, policy)).toEqual({
      action: 'defer',
      until: new Date('2026-01-08T00:00:00.000Z'),
      reason: 'frequency-cap',
    });
    expect(
      decide({ category: 'digest', latest: new Date(now.getTime() + 1) }, recipient, now, policy),
    ).toEqual({ action: 'drop', reason: 'stale' });
  });
});
