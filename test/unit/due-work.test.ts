import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bucketsToSweep,
  dueSortKey,
  dueUntil,
  hourBucket,
  VERIFY_REMINDER_AFTER_MS,
  verifyReminderDue,
} from '../../shared/domain/due-work';

const HOUR = 3_600_000;

/** How DynamoDB orders string keys: by the bytes of their UTF-8 encoding, not by UTF-16 code units as JS does. */
const dynamoCompare = (a: string, b: string) =>
  Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** What a key condition `sk <= :until` selects. */
const selectedBy = (until: string) => (sortKey: string) => dynamoCompare(sortKey, until) <= 0;

/** The start of a bucket, read back from its name. */
const bucketStart = (bucket: string) => Date.parse(`${bucket.slice('DUE#'.length)}:00:00.000Z`);

/** Dates whose ISO form is the fixed-width `yyyy-mm-ddThh:mm:ss.sssZ`. */
const dates = fc.date({
  min: new Date('2001-01-01T00:00:00.000Z'),
  max: new Date('2099-12-31T23:59:59.999Z'),
  noInvalidDate: true,
});

/** Ids as they may come, including characters beyond U+FFFF (four bytes in UTF-8, surrogate pairs in JS). */
const ids = fc.array(fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }), {
  minLength: 1,
  maxLength: 3,
});

describe('hourBucket', () => {
  it('names the UTC hour a moment falls in, from its first to its last millisecond', () => {
    // Act
    const buckets = [
      hourBucket(new Date('2026-11-25T21:00:00.000Z')),
      hourBucket(new Date('2026-11-25T21:59:59.999Z')),
      hourBucket(new Date('2026-11-25T22:00:00.000Z')),
    ];

    // Assess
    expect(buckets).toEqual(['DUE#2026-11-25T21', 'DUE#2026-11-25T21', 'DUE#2026-11-25T22']);
  });

  it('uses UTC whatever offset the moment was written with', () => {
    // Act
    const bucket = hourBucket(new Date('2026-11-26T00:30:00.000+03:00'));

    // Assess
    expect(bucket).toBe('DUE#2026-11-25T21');
  });
});

describe('dueSortKey and dueUntil', () => {
  const NOW = new Date('2026-03-10T12:00:00.000Z');
  const key = (dueAt: Date) => dueSortKey(dueAt, 'verify-reminder', 'riverside-mentors', 'p-1');

  it('puts the due time first, then the kind and the ids', () => {
    // Act
    const sortKey = key(NOW);

    // Assess
    expect(sortKey).toBe('2026-03-10T12:00:00.000Z#verify-reminder#riverside-mentors#p-1');
  });

  it('selects an item due exactly now, or a millisecond before, but not one due a millisecond later', () => {
    // Prepare
    const until = dueUntil(NOW);

    // Act
    const selected = [
      key(new Date(NOW.getTime() - 1)),
      key(NOW),
      key(new Date(NOW.getTime() + 1)),
      key(new Date(NOW.getTime() + HOUR)),
    ].map(selectedBy(until));

    // Assess
    expect(selected).toEqual([true, true, false, false]);
  });

  it('selects an item due now whatever its ids hold, compared byte by byte as DynamoDB does', () => {
    fc.assert(
      fc.property(dates, ids, (at, itemIds) => {
        expect(selectedBy(dueUntil(at))(dueSortKey(at, 'verify-reminder', ...itemIds))).toBe(true);
      }),
    );
  });

  it('selects exactly the items due at or before the bound, compared byte by byte as DynamoDB does', () => {
    fc.assert(
      fc.property(dates, dates, ids, (dueAt, now, itemIds) => {
        // Act
        const selected = selectedBy(dueUntil(now))(dueSortKey(dueAt, 'verify-reminder', ...itemIds));

        // Assess
        expect(selected).toBe(dueAt.getTime() <= now.getTime());
      }),
    );
  });

  it('orders sort keys by due time, compared byte by byte as DynamoDB does', () => {
    fc.assert(
      fc.property(dates, dates, ids, ids, (a, b, idsA, idsB) => {
        fc.pre(a.getTime() !== b.getTime());

        // Act
        const order = Math.sign(
          dynamoCompare(dueSortKey(a, 'verify-reminder', ...idsA), dueSortKey(b, 'verify-reminder', ...idsB)),
        );

        // Assess
        expect(order).toBe(Math.sign(a.getTime() - b.getTime()));
      }),
    );
  });
});

describe('bucketsToSweep', () => {
  const NOW = new Date('2026-03-10T12:34:56.789Z');

  it('with no finished bucket, reads the last 24 hours and the current one', () => {
    // Act
    const buckets = bucketsToSweep(NOW, undefined);

    // Assess
    expect(buckets).toHaveLength(25);
    expect(buckets[0]).toBe('DUE#2026-03-09T12');
    expect(buckets.at(-1)).toBe('DUE#2026-03-10T12');
  });

  it('with no finished bucket, looks back as many hours as it is told', () => {
    // Act
    const buckets = bucketsToSweep(NOW, undefined, 2);

    // Assess
    expect(buckets).toEqual(['DUE#2026-03-10T10', 'DUE#2026-03-10T11', 'DUE#2026-03-10T12']);
  });

  it('reads every bucket after the last finished one, up to the current one', () => {
    // Act
    const buckets = bucketsToSweep(NOW, 'DUE#2026-03-10T09');

    // Assess
    expect(buckets).toEqual(['DUE#2026-03-10T10', 'DUE#2026-03-10T11', 'DUE#2026-03-10T12']);
  });

  it('catches up across midnight and the end of a month', () => {
    // Act
    const buckets = bucketsToSweep(new Date('2026-03-01T01:00:00.000Z'), 'DUE#2026-02-28T22');

    // Assess
    expect(buckets).toEqual(['DUE#2026-02-28T23', 'DUE#2026-03-01T00', 'DUE#2026-03-01T01']);
  });

  it('reads just the current bucket when the previous hour is finished', () => {
    // Act
    const buckets = bucketsToSweep(NOW, 'DUE#2026-03-10T11');

    // Assess
    expect(buckets).toEqual(['DUE#2026-03-10T12']);
  });

  it('reads nothing when a sweep of a later hour already finished the current bucket', () => {
    // Act: e.g. a retried invocation of this hour's schedule, after next hour's sweep read this bucket whole
    const buckets = bucketsToSweep(NOW, 'DUE#2026-03-10T12');

    // Assess
    expect(buckets).toEqual([]);
  });

  it('reads at most 31 days back however old the last finished bucket is', () => {
    // Act
    const buckets = bucketsToSweep(NOW, 'DUE#2026-01-01T00');

    // Assess
    expect(buckets).toHaveLength(31 * 24 + 1);
    expect(buckets[0]).toBe('DUE#2026-02-07T12');
    expect(buckets.at(-1)).toBe('DUE#2026-03-10T12');
  });

  it('reads from the hour after a last finished bucket exactly 31 days back', () => {
    // Act
    const buckets = bucketsToSweep(NOW, 'DUE#2026-02-07T12');

    // Assess
    expect(buckets).toHaveLength(31 * 24);
    expect(buckets[0]).toBe('DUE#2026-02-07T13');
  });

  it('always gives contiguous hours, oldest first, ending with the current bucket', () => {
    const cursors = fc.option(fc.integer({ min: 1, max: 40 * 24 }), { nil: undefined });
    fc.assert(
      fc.property(dates, cursors, (now, hoursBack) => {
        // Prepare
        const current = Math.floor(now.getTime() / HOUR) * HOUR;
        const cursor = hoursBack === undefined ? undefined : hourBucket(new Date(current - hoursBack * HOUR));

        // Act
        const buckets = bucketsToSweep(now, cursor);

        // Assess
        expect(buckets.at(-1)).toBe(hourBucket(now));
        const misfits = buckets.filter((bucket, i) => {
          const previous = buckets[i - 1];
          if (previous === undefined) return false;
          return dynamoCompare(previous, bucket) >= 0 || bucketStart(bucket) - bucketStart(previous) !== HOUR;
        });
        expect(misfits).toEqual([]);
        const expectedHours = hoursBack === undefined ? 24 : Math.min(hoursBack - 1, 31 * 24);
        expect(bucketStart(buckets[0] as string)).toBe(current - expectedHours * HOUR);
      }),
    );
  });
});

describe('verifyReminderDue', () => {
  it('falls due two days after the signup', () => {
    // Act
    const due = verifyReminderDue(new Date('2026-03-08T12:00:00.000Z'));

    // Assess
    expect(VERIFY_REMINDER_AFTER_MS).toBe(48 * HOUR);
    expect(due.toISOString()).toBe('2026-03-10T12:00:00.000Z');
  });
});
