import { PARTITIONS } from '../data/table';

/**
 * Due work: things that must happen at a time (a reminder, later a meeting) are indexed by the hour they
 * fall due in, so an hourly sweep reads one or two small partitions instead of scanning the table.
 */

export type DueKind =
  | 'verify-reminder'
  | 'outbox-redrive'
  | 'meeting-due'
  | 'anniversary'
  | 'nudge-due'
  | 'digest-due'
  | 'check-in'
  | 'session-due'
  | 'listing-check';

const HOUR_MS = 3_600_000;

/** The due index's partition for a moment: `DUE#2026-11-25T21`. */
export const hourBucket = (at: Date) => `${PARTITIONS.due}${at.toISOString().slice(0, 13)}`;

/** The due index's sort key: due time first, so one bucket can be read up to a moment. */
export const dueSortKey = (dueAt: Date, kind: DueKind, ...ids: string[]) =>
  `${dueAt.toISOString()}#${kind}#${ids.join('#')}`;

/** Upper bound (inclusive) of sort keys due at or before `at`. */
export const dueUntil = (at: Date) => `${at.toISOString()}#\uffff`;

/**
 * The hour buckets a sweep at `now` reads: every one after the last bucket a sweep finished, up to the
 * current one. With no finished bucket yet it looks back `lookbackHours`.
 */
export const bucketsToSweep = (now: Date, lastFinished: string | undefined, lookbackHours = 24): string[] => {
  const current = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  const first = lastFinished
    ? Date.parse(`${lastFinished.slice(PARTITIONS.due.length)}:00:00.000Z`) + HOUR_MS
    : current - lookbackHours * HOUR_MS;
  const buckets: string[] = [];
  for (let at = Math.max(first, current - 31 * 24 * HOUR_MS); at <= current; at += HOUR_MS) {
    buckets.push(hourBucket(new Date(at)));
  }
  return buckets;
};

/** Unconfirmed signups get one reminder this long after signing up. */
export const VERIFY_REMINDER_AFTER_MS = 48 * HOUR_MS;

export const verifyReminderDue = (createdAt: Date) =>
  new Date(createdAt.getTime() + VERIFY_REMINDER_AFTER_MS);
