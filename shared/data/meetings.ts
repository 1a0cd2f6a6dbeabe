import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { dueSortKey, hourBucket } from '../domain/due-work';
import type { Feedback, FeedbackHistory, RatingRecord, RecordFeedbackResult } from '../domain/feedback';
import type { MeetingSlot } from '../domain/meetings';
import type { OutgoingEvent } from '../events/catalogue';
import { keys } from './keys';
import { outboxItem } from './outbox';
import { withConflictRetry } from './transactions';

/** A pair's plan, kept on the match item: the slot, the cadence and the newest meeting's number. */
export interface MeetingPlan {
  slot: MeetingSlot;
  cadence: 'weekly' | 'biweekly' | 'monthly';
  reminderLeadHours: number;
}

export type MeetingStatus = 'planned' | 'held' | 'skipped' | 'cancelled';

/** One planned meeting of a pair; the due index finds it when its reminder is due. */
export interface Meeting {
  orgId: string;
  meetingId: string;
  matchId: string;
  programId: string;
  seq: number;
  startsAt: string;
  durationMinutes: number;
  /** The calendar invite's SEQUENCE: raised on every change. */
  sequence: number;
  status: MeetingStatus;
  loggedBy?: string;
  loggedAt?: string;
  /** The plan's time, kept when the meeting was first moved: the cadence goes on from it. */
  plannedStartsAt?: string;
  /** Who moved it last, and when (links sent before then are stale). */
  movedBy?: string;
  movedAt?: string;
}

/**
 * A meeting as read: whether an invite may be in calendars, i.e. its reminder went out (it left the due
 * index) or it was moved (the move sends the updated invite at once).
 */
export type StoredMeeting = Meeting & { invited: boolean };

type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;

const STRIP = new Set(['pk', 'sk', 'duePk', 'dueSk', 'dueKind', 'invited']);
const strip = <T>(item: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(item).filter(([name]) => !STRIP.has(name))) as T;
const stored = (item: Record<string, unknown>): StoredMeeting => ({
  ...strip<Meeting>(item),
  invited: item.duePk === undefined || item.invited === true,
});

const conditionFailed = (error: unknown) =>
  error instanceof TransactionCanceledException &&
  (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed');

/** The meeting item, on the due index at its reminder time. */
const meetingItem = (meeting: Meeting, remindAt: Date) => ({
  ...keys.meeting(meeting.orgId, meeting.meetingId),
  ...meeting,
  ...dueEntry(meeting, remindAt),
});

const dueEntry = (meeting: Pick<Meeting, 'orgId' | 'meetingId'>, remindAt: Date) => ({
  duePk: hourBucket(remindAt),
  dueSk: dueSortKey(remindAt, 'meeting-due', meeting.orgId, meeting.meetingId),
  dueKind: 'meeting-due',
});

export const dynamoMeetings = (client: DynamoDBDocumentClient, tableName: string) => {
  /** One transaction; false when a condition no longer held (someone else did it first, or it ended). */
  const write = async (items: TransactItems) => {
    try {
      await withConflictRetry(() => client.send(new TransactWriteCommand({ TransactItems: items })));
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  };

  return {
    async meeting(orgId: string, meetingId: string): Promise<StoredMeeting | undefined> {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: keys.meeting(orgId, meetingId), ConsistentRead: true }),
      );
      return Item ? stored(Item) : undefined;
    },

    async meetingsOfMatch(orgId: string, matchId: string): Promise<StoredMeeting[]> {
      const { Items } = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: {
            ':pk': keys.organisation(orgId).pk,
            ':prefix': keys.meetingsOfMatch(matchId),
          },
          ConsistentRead: true,
        }),
      );
      return (Items ?? []).map(stored).sort((a, b) => a.seq - b.seq);
    },

    /**
     * The plan, its first meeting and the pair's first anniversary on the due index, once per match (a
     * redelivered MatchMade changes nothing).
     */
    startPlan(
      meeting: Meeting,
      plan: MeetingPlan,
      remindAt: Date,
      anniversary: { mentorId: string; menteeId: string; matchedAt: string; months: number; dueAt: Date },
    ) {
      return write([
        {
          Put: {
            TableName: tableName,
            Item: {
              ...keys.anniversary(meeting.orgId, meeting.matchId),
              orgId: meeting.orgId,
              matchId: meeting.matchId,
              mentorId: anniversary.mentorId,
              menteeId: anniversary.menteeId,
              matchedAt: anniversary.matchedAt,
              months: anniversary.months,
              duePk: hourBucket(anniversary.dueAt),
              dueSk: dueSortKey(anniversary.dueAt, 'anniversary', meeting.orgId, meeting.matchId),
              dueKind: 'anniversary',
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Update: {
            TableName: tableName,
            Key: keys.match(meeting.orgId, meeting.matchId),
            UpdateExpression: 'SET #plan = :plan, lastMeetingSeq = :seq',
            ConditionExpression: '#status = :active AND attribute_not_exists(#plan)',
            ExpressionAttributeNames: { '#plan': 'plan', '#status': 'status' },
            ExpressionAttributeValues: { ':plan': plan, ':seq': meeting.seq, ':active': 'active' },
          },
        },
        {
          Put: {
            TableName: tableName,
            Item: meetingItem(meeting, remindAt),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ]);
    },

    /** The meeting after the newest one, once, and only while the match is active. */
    planNext(meeting: Meeting, remindAt: Date) {
      return write([
        {
          Update: {
            TableName: tableName,
            Key: keys.match(meeting.orgId, meeting.matchId),
            UpdateExpression: 'SET lastMeetingSeq = :seq',
            ConditionExpression: '#status = :active AND lastMeetingSeq = :previous',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':seq': meeting.seq,
              ':previous': meeting.seq - 1,
              ':active': 'active',
            },
          },
        },
        {
          Put: {
            TableName: tableName,
            Item: meetingItem(meeting, remindAt),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ]);
    },

    /**
     * Cancels a planned meeting (off the due index, its invite's sequence raised) together with its
     * MeetingCancelled; false when it changed since it was read (held, cancelled, or just reminded).
     */
    cancel(meeting: StoredMeeting, event: OutgoingEvent, now: Date) {
      const { invited, ...item } = meeting;
      return write([
        {
          Update: {
            TableName: tableName,
            Key: keys.meeting(item.orgId, item.meetingId),
            UpdateExpression: 'SET #status = :cancelled, #sequence = :sequence REMOVE duePk, dueSk, dueKind',
            // Read as not invited: only while its reminder has not gone out meanwhile (the sequence
            // condition covers a move, which marks it invited).
            ConditionExpression: `#status = :planned AND #sequence = :previous${invited ? '' : ' AND attribute_exists(duePk)'}`,
            ExpressionAttributeNames: { '#status': 'status', '#sequence': 'sequence' },
            ExpressionAttributeValues: {
              ':cancelled': 'cancelled',
              ':planned': 'planned',
              ':sequence': item.sequence + 1,
              ':previous': item.sequence,
            },
          },
        },
        { Put: { TableName: tableName, Item: outboxItem(event, now) } },
      ]);
    },

    /**
     * Moves a planned meeting with its MeetingRescheduled, only while it is still planned at the sequence read:
     * a new time, the invite's sequence raised, the plan's own time kept, and its reminder due again at
     * `remindAt`. False when it changed since it was read (moved by the other person, logged, cancelled).
     */
    move(
      meeting: StoredMeeting,
      to: { startsAt: string; movedBy: string },
      remindAt: Date,
      event: OutgoingEvent,
      now: Date,
    ) {
      const due = dueEntry(meeting, remindAt);
      return write([
        {
          Update: {
            TableName: tableName,
            Key: keys.meeting(meeting.orgId, meeting.meetingId),
            UpdateExpression:
              'SET startsAt = :startsAt, #sequence = :sequence, plannedStartsAt = if_not_exists(plannedStartsAt, :planned), movedBy = :by, movedAt = :at, invited = :invited, duePk = :duePk, dueSk = :dueSk, dueKind = :dueKind',
            ConditionExpression: '#status = :plannedStatus AND #sequence = :previous',
            ExpressionAttributeNames: { '#status': 'status', '#sequence': 'sequence' },
            ExpressionAttributeValues: {
              ':startsAt': to.startsAt,
              ':sequence': meeting.sequence + 1,
              ':previous': meeting.sequence,
              ':planned': meeting.plannedStartsAt ?? meeting.startsAt,
              ':plannedStatus': 'planned',
              ':by': to.movedBy,
              ':at': now.toISOString(),
              ':invited': true,
              ':duePk': due.duePk,
              ':dueSk': due.dueSk,
              ':dueKind': due.dueKind,
            },
          },
        },
        { Put: { TableName: tableName, Item: outboxItem(event, now) } },
      ]);
    },

    /** An ended pair has no more anniversaries: the item leaves the due index. */
    async stopAnniversaries(orgId: string, matchId: string) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.anniversary(orgId, matchId),
            UpdateExpression: 'REMOVE duePk, dueSk, dueKind',
            ConditionExpression: 'attribute_exists(pk)',
          }),
        );
      } catch (error) {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      }
    },

    /** Records a meeting as held or skipped, once, with its MeetingLogged. */
    log(
      meeting: Meeting,
      status: 'held' | 'skipped',
      participantId: string,
      event: OutgoingEvent,
      now: Date,
    ) {
      return write([
        {
          Update: {
            TableName: tableName,
            Key: keys.meeting(meeting.orgId, meeting.meetingId),
            UpdateExpression:
              'SET #status = :status, loggedBy = :by, loggedAt = :at REMOVE duePk, dueSk, dueKind',
            ConditionExpression: '#status = :planned',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':status': status,
              ':planned': 'planned',
              ':by': participantId,
              ':at': now.toISOString(),
            },
          },
        },
        { Put: { TableName: tableName, Item: outboxItem(event, now) } },
      ]);
    },

    /** The milestones a subject (a pair's match, or a person) has reached, by name. */
    async reached(orgId: string, subjectId: string): Promise<string[]> {
      const prefix = keys.milestone(orgId, subjectId, '').sk;
      const names: string[] = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': keys.organisation(orgId).pk, ':prefix': prefix },
            ProjectionExpression: '#sk',
            ExpressionAttributeNames: { '#sk': 'sk' },
            ConsistentRead: true,
            ExclusiveStartKey,
          }),
        );
        for (const item of page.Items ?? []) names.push(String(item.sk).slice(prefix.length));
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return names;
    },

    /** A milestone and its event, once per subject. */
    reach(orgId: string, subjectId: string, milestone: string, event: OutgoingEvent, now: Date) {
      return write([
        {
          Put: {
            TableName: tableName,
            Item: { ...keys.milestone(orgId, subjectId, milestone), reachedAt: now.toISOString() },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        { Put: { TableName: tableName, Item: outboxItem(event, now) } },
      ]);
    },

    /** One person's rating of one meeting of their match (with their comment), if they gave one. */
    async feedback(
      orgId: string,
      matchId: string,
      participantId: string,
      meetingId: string,
    ): Promise<Feedback | undefined> {
      const { Item } = await client.send(
        new GetCommand({
          TableName: tableName,
          Key: keys.feedback(orgId, matchId, participantId, meetingId),
          ConsistentRead: true,
        }),
      );
      return Item ? strip<Feedback>(Item) : undefined;
    },

    /** The ratings one person gave one match (ids and numbers), with the version a new rating is written on. */
    async feedbackHistory(orgId: string, matchId: string, participantId: string): Promise<FeedbackHistory> {
      const { Item } = await client.send(
        new GetCommand({
          TableName: tableName,
          Key: keys.feedbackHistory(orgId, matchId, participantId),
          ConsistentRead: true,
        }),
      );
      return Item
        ? { ratings: (Item.ratings ?? []) as RatingRecord[], version: Number(Item.version) }
        : { ratings: [], version: 0 };
    },

    /**
     * A rating, once per meeting and person, with the person's history of the match moved on from the version
     * it was assessed on and the events it sets off, in one write. `already-given` when the meeting was rated
     * by the person before; `history-changed` when another of their ratings of the match landed meanwhile.
     */
    async recordFeedback(
      feedback: Feedback,
      history: { version: number; ratings: RatingRecord[] },
      events: OutgoingEvent[],
      now: Date,
    ): Promise<RecordFeedbackResult> {
      const { orgId, matchId, participantId, meetingId } = feedback;
      const historyKey = keys.feedbackHistory(orgId, matchId, participantId);
      const items: TransactItems = [
        {
          Put: {
            TableName: tableName,
            Item: { ...keys.feedback(orgId, matchId, participantId, meetingId), ...feedback },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: tableName,
            Item: {
              ...historyKey,
              orgId,
              matchId,
              participantId,
              ratings: history.ratings,
              version: history.version + 1,
              updatedAt: now.toISOString(),
            },
            ...(history.version === 0
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : {
                  ConditionExpression: '#version = :version',
                  ExpressionAttributeNames: { '#version': 'version' },
                  ExpressionAttributeValues: { ':version': history.version },
                }),
          },
        },
        ...events.map((event) => ({ Put: { TableName: tableName, Item: outboxItem(event, now) } })),
      ];
      try {
        await withConflictRetry(() => client.send(new TransactWriteCommand({ TransactItems: items })));
        return 'recorded';
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const [given, changed] = (error.CancellationReasons ?? []).map((r) => r.Code);
        if (given === 'ConditionalCheckFailed') return 'already-given';
        if (changed === 'ConditionalCheckFailed') return 'history-changed';
        throw error;
      }
    },
  };
};

export type MeetingStore = ReturnType<typeof dynamoMeetings>;
