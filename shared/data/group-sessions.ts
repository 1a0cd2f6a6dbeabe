import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { dueSortKey, hourBucket } from '../domain/due-work';
import type { Attendance, GroupSession, SessionStore, StoredSession } from '../domain/group-sessions';
import type { OutgoingEvent } from '../events/catalogue';
import { keys } from './keys';
import { outboxItem } from './outbox';
import { withConflictRetry } from './transactions';

/**
 * Group sessions in the table, under the organisation's partition:
 *
 * - `MEETING#<group>-<n>`: a session, keyed like a pair's meeting (so a waiting reminder's "still planned?"
 *   check reads it the same way), with `groupId` and, once reminded, the members who got its invite;
 * - `GROUP#<group>#SESSIONS`: the plan: the newest session's number, and when it stopped (the group closed);
 * - `GROUP#<group>#ATTENDED#<participant>#<session>`: one member's answer about one session.
 */

type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;

const planKey = (orgId: string, groupId: string) => {
  const group = keys.group(orgId, groupId);
  return { pk: group.pk, sk: `${group.sk}#SESSIONS` };
};

const attendancePrefix = (groupId: string, participantId: string) =>
  `${keys.group('', groupId).sk}#ATTENDED#${participantId}#`;

const attendanceKey = (orgId: string, groupId: string, participantId: string, meetingId: string) => ({
  pk: keys.group(orgId, groupId).pk,
  sk: `${attendancePrefix(groupId, participantId)}${meetingId}`,
});

const sessionItem = (session: GroupSession, remindAt: Date) => ({
  ...keys.meeting(session.orgId, session.meetingId),
  ...session,
  duePk: hourBucket(remindAt),
  dueSk: dueSortKey(remindAt, 'session-due', session.orgId, session.meetingId),
  dueKind: 'session-due',
});

const conditionFailed = (error: unknown) =>
  error instanceof TransactionCanceledException &&
  (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed');

export const dynamoGroupSessions = (client: DynamoDBDocumentClient, tableName: string) => {
  /** One transaction; false when a condition no longer held (someone else did it first, or the plan stopped). */
  const write = async (items: TransactItems) => {
    try {
      await withConflictRetry(() => client.send(new TransactWriteCommand({ TransactItems: items })));
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  };

  const get = async (Key: Record<string, string>) =>
    (await client.send(new GetCommand({ TableName: tableName, Key, ConsistentRead: true }))).Item;

  const store = {
    async session(orgId: string, meetingId: string): Promise<StoredSession | undefined> {
      const item = await get(keys.meeting(orgId, meetingId));
      if (!item?.groupId) return undefined; // a pair's meeting, not a session
      return {
        orgId: item.orgId,
        meetingId: item.meetingId,
        groupId: item.groupId,
        seq: item.seq,
        startsAt: item.startsAt,
        durationMinutes: item.durationMinutes,
        sequence: item.sequence,
        status: item.status,
        invited: item.duePk === undefined,
        invitees: [...((item.invitees as Set<string> | undefined) ?? [])].sort(),
      };
    },

    async plan(orgId: string, groupId: string) {
      const item = await get(planKey(orgId, groupId));
      if (!item) return undefined;
      return {
        lastSeq: (item.lastSeq as number | undefined) ?? 0,
        ...(item.closedAt ? { closedAt: item.closedAt as string } : {}),
      };
    },

    start(session: GroupSession, remindAt: Date) {
      return write([
        {
          Put: {
            TableName: tableName,
            Item: {
              ...planKey(session.orgId, session.groupId),
              groupId: session.groupId,
              lastSeq: session.seq,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: tableName,
            Item: sessionItem(session, remindAt),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ]);
    },

    planNext(session: GroupSession, remindAt: Date) {
      return write([
        {
          Update: {
            TableName: tableName,
            Key: planKey(session.orgId, session.groupId),
            UpdateExpression: 'SET lastSeq = :seq',
            ConditionExpression: 'lastSeq = :previous AND attribute_not_exists(closedAt)',
            ExpressionAttributeValues: { ':seq': session.seq, ':previous': session.seq - 1 },
          },
        },
        {
          Put: {
            TableName: tableName,
            Item: sessionItem(session, remindAt),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ]);
    },

    async stop(orgId: string, groupId: string, now: Date) {
      const { Attributes } = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: planKey(orgId, groupId),
          UpdateExpression: 'SET closedAt = if_not_exists(closedAt, :now), groupId = :groupId',
          ExpressionAttributeValues: { ':now': now.toISOString(), ':groupId': groupId },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { lastSeq: (Attributes?.lastSeq as number | undefined) ?? 0 };
    },

    cancel(session: StoredSession, event: OutgoingEvent, now: Date) {
      return write([
        {
          Update: {
            TableName: tableName,
            Key: keys.meeting(session.orgId, session.meetingId),
            UpdateExpression: 'SET #status = :cancelled, #sequence = :sequence REMOVE duePk, dueSk, dueKind',
            ConditionExpression: `#status = :planned AND #sequence = :previous AND ${session.invited ? 'attribute_not_exists(duePk)' : 'attribute_exists(duePk)'}`,
            ExpressionAttributeNames: { '#status': 'status', '#sequence': 'sequence' },
            ExpressionAttributeValues: {
              ':cancelled': 'cancelled',
              ':planned': 'planned',
              ':sequence': session.sequence + 1,
              ':previous': session.sequence,
            },
          },
        },
        { Put: { TableName: tableName, Item: outboxItem(event, now) } },
      ]);
    },

    /** Recorded before the reminders go out, so a cancellation reaches everyone who may have the invite. */
    async markInvited(orgId: string, meetingId: string, participantIds: readonly string[]) {
      if (participantIds.length === 0) return;
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.meeting(orgId, meetingId),
          UpdateExpression: 'ADD invitees :ids',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':ids': new Set(participantIds) },
        }),
      );
    },

    async attendance(orgId: string, groupId: string, participantId: string, meetingId: string) {
      const item = await get(attendanceKey(orgId, groupId, participantId, meetingId));
      if (!item) return undefined;
      const { orgId: org, groupId: group, meetingId: meeting, participantId: person, status, at } = item;
      return {
        orgId: org,
        groupId: group,
        meetingId: meeting,
        participantId: person,
        status,
        at,
      } as Attendance;
    },

    recordAttendance(attendance: Attendance, event: OutgoingEvent, now: Date) {
      const { orgId, groupId, participantId, meetingId } = attendance;
      return write([
        {
          Put: {
            TableName: tableName,
            Item: { ...attendanceKey(orgId, groupId, participantId, meetingId), ...attendance },
            // "I can't make it" may become "I was there"; nothing else replaces an answer.
            ...(attendance.status === 'held'
              ? {
                  ConditionExpression: 'attribute_not_exists(pk) OR #status = :skipped',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: { ':skipped': 'skipped' },
                }
              : { ConditionExpression: 'attribute_not_exists(pk)' }),
          },
        },
        { Put: { TableName: tableName, Item: outboxItem(event, now) } },
      ]);
    },

    async attendedCount(orgId: string, groupId: string, participantId: string) {
      let count = 0;
      const pages = paginateQuery(
        { client },
        {
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          FilterExpression: '#status = :held',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':pk': keys.group(orgId, groupId).pk,
            ':prefix': attendancePrefix(groupId, participantId),
            ':held': 'held',
          },
          Select: 'COUNT',
          ConsistentRead: true,
        },
      );
      for await (const page of pages) count += page.Count ?? 0;
      return count;
    },
  };
  return store satisfies SessionStore & Record<string, unknown>;
};

export type GroupSessionStore = ReturnType<typeof dynamoGroupSessions>;
