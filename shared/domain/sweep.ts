import { isDetailType } from '../events/catalogue';
import { handOverCheckIn } from './check-ins';
import { handOverListingCheck } from './directory';
import { bucketsToSweep, dueSortKey, hourBucket } from './due-work';
import { anniversaryAt, nextAnniversary } from './meetings';
import type { DueEntry, DueWorkStore } from './ports';

/**
 * The hourly sweep of the due index: each item due by `now` is handed over to its event exactly once
 * (the hand-over and the event are one transaction), and the cursor moves past every finished hour so a
 * missed or late run catches up instead of losing work.
 */
export const sweepDueWork = async (store: DueWorkStore, now: Date) => {
  const current = hourBucket(now);
  const counts = { due: 0, handedOver: 0, unknown: 0 };
  // Once a bucket stays open, the cursor must not pass it, so no later bucket is marked finished either.
  let open = false;
  // The cursor moves once, past the last finished bucket: a sweep catching up on a day writes it once, not
  // 24 times (a crash before the write only means those buckets are read again; hand-overs are idempotent).
  let finished: string | undefined;
  for (const bucket of bucketsToSweep(now, await store.lastFinishedBucket())) {
    let unknown = 0;
    for await (const entry of store.due(bucket, now)) {
      counts.due += 1;
      const handedOver = await handOver(store, entry, now);
      if (handedOver === undefined) unknown += 1;
      else if (handedOver) counts.handedOver += 1;
    }
    counts.unknown += unknown;
    // A bucket holding work this code does not know stays open for the code that will.
    open ||= unknown > 0;
    if (bucket < current && !open) finished = bucket;
  }
  if (finished) await store.finishBucket(finished);
  return counts;
};

const handOver = (store: DueWorkStore, entry: DueEntry, now: Date) => {
  switch (entry.dueKind) {
    case 'verify-reminder': {
      const { orgId, participantId, programId } = entry as DueEntry &
        Record<'orgId' | 'participantId' | 'programId', string>;
      return store.handOver(
        entry,
        {
          detailType: 'VerificationReminderDue',
          detail: { version: 1, orgId, occurredAt: now.toISOString(), participantId, programId },
        },
        now,
        // Only someone still unconfirmed is reminded.
        {
          expression: '#status = :pending',
          values: { ':pending': 'pending' },
          names: { '#status': 'status' },
        },
      );
    }
    case 'meeting-due': {
      const { orgId, meetingId, matchId, startsAt, sequence } = entry as DueEntry &
        Record<'orgId' | 'meetingId' | 'matchId' | 'startsAt', string> & { sequence: number };
      return store.handOver(
        entry,
        {
          detailType: 'MeetingDue',
          detail: {
            version: 1,
            orgId,
            occurredAt: now.toISOString(),
            meetingId,
            matchId,
            startsAt,
            sequence,
          },
        },
        now,
        // Only a meeting still planned is announced (one logged early, or cancelled, is not), and only as
        // read: one moved meanwhile is announced by its own new entry, with its new time and sequence.
        {
          expression: '#status = :planned AND #sequence = :sequence',
          values: { ':planned': 'planned', ':sequence': sequence },
          names: { '#status': 'status', '#sequence': 'sequence' },
        },
      );
    }
    case 'session-due': {
      const { orgId, meetingId, groupId, startsAt, sequence } = entry as DueEntry &
        Record<'orgId' | 'meetingId' | 'groupId' | 'startsAt', string> & { sequence: number };
      return store.handOver(
        entry,
        {
          detailType: 'MeetingDue',
          detail: {
            version: 1,
            orgId,
            occurredAt: now.toISOString(),
            meetingId,
            groupId,
            startsAt,
            sequence,
          },
        },
        now,
        // Only a session still planned is announced (one of a closed group is not).
        {
          expression: '#status = :planned',
          values: { ':planned': 'planned' },
          names: { '#status': 'status' },
        },
      );
    }
    case 'anniversary': {
      const { orgId, matchId, mentorId, menteeId, months } = entry as DueEntry &
        Record<'orgId' | 'matchId' | 'mentorId' | 'menteeId', string> & { months: number };
      const following = nextAnniversary(months);
      const nextAt =
        following === undefined ? undefined : anniversaryAt(new Date(entry.matchedAt as string), following);
      return store.handOver(
        entry,
        {
          detailType: 'MilestoneReached',
          detail: {
            version: 1,
            orgId,
            occurredAt: now.toISOString(),
            milestone: `months-${months}` as 'months-1',
            participantIds: [mentorId, menteeId],
            matchId,
          },
        },
        now,
        undefined,
        nextAt && {
          duePk: hourBucket(nextAt),
          dueSk: dueSortKey(nextAt, 'anniversary', orgId, matchId),
          set: { months: following },
        },
      );
    }
    case 'nudge-due': {
      const { orgId, participantId, deferralId } = entry as DueEntry &
        Record<'orgId' | 'participantId' | 'deferralId', string>;
      return store.handOver(
        entry,
        {
          detailType: 'NudgeDue',
          detail: { version: 1, orgId, occurredAt: now.toISOString(), participantId, deferralId },
        },
        now,
      );
    }
    case 'check-in':
      return handOverCheckIn(store, entry, now);
    case 'listing-check':
      return handOverListingCheck(store, entry, now);
    case 'digest-due': {
      const { orgId, participantId, digestId } = entry as DueEntry &
        Record<'orgId' | 'participantId' | 'digestId', string>;
      return store.handOver(
        entry,
        {
          detailType: 'DigestDue',
          detail: { version: 1, orgId, occurredAt: now.toISOString(), participantId, digestId },
        },
        now,
        // A digest already sent or dropped is not announced again.
        {
          expression: '#status IN (:open, :closed)',
          values: { ':open': 'open', ':closed': 'closed' },
          names: { '#status': 'status' },
        },
      );
    }
    case 'outbox-redrive': {
      // An event the relay never published: stored again as a new outbox item, which the relay then sends.
      const { detailType, detail } = entry as DueEntry & Record<'detailType' | 'detail', string>;
      if (!isDetailType(detailType)) return undefined;
      return store.handOver(entry, { detailType, detail: JSON.parse(detail) }, now);
    }
    default:
      return undefined;
  }
};
