import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import {
  emptyGroupState,
  type GroupChange,
  type GroupContext,
  type GroupSnapshot,
  type GroupState,
  type GroupStore,
  type Membership,
  MissingWaitEntry,
  planClose,
  planFill,
  planJoin,
  planLeave,
  type WaitEntry,
} from '../domain/groups';
import { EVENT_ARCHIVE_RETENTION_DAYS } from '../events/rules';
import { DAY_SECONDS, epochSeconds, keys } from './keys';
import { outboxItem } from './outbox';

/**
 * Peer groups in the table, under the organisation's partition:
 *
 * - `GROUP#<group>`: the group's state (seated, waiting, waitlist head and tail, next entry number, version);
 * - `GROUP#<group>#MEMBER#<participant>`: one person's place (seat, waitlist with its entry number, or left);
 * - `GROUP#<group>#WAIT#<entry number, zero-padded>`: the waitlist in order, each entry naming its neighbours.
 *
 * Every change is one transaction: the state (conditioned on the version read), the memberships and waitlist
 * entries it changes, and the outbox items of its events. Two changes of one group never both land on the
 * same read, so the seats are never exceeded however many members verify at once; the loser reads again.
 */

type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;

/** A left membership outlives EventBridge's retries and the archive, so a replayed signup seats nobody. */
export const LEFT_MEMBERSHIP_TTL_SECONDS = (EVENT_ARCHIVE_RETENTION_DAYS + 5) * DAY_SECONDS;

/** Enough for every member of a busy group verifying at the same moment. */
const MAX_ATTEMPTS = 30;

const waitKey = (orgId: string, groupId: string, seq: number) => ({
  pk: keys.group(orgId, groupId).pk,
  sk: `${keys.groupWaitlistPrefix(groupId)}${String(seq).padStart(12, '0')}`,
});

/** Attributes without the undefined ones, whatever the client's marshalling options. */
const defined = <T extends object>(value: T) =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

/** A transaction refused only because another change of the group (or the same fact) came first. */
const lostRace = (error: unknown) =>
  error instanceof TransactionCanceledException &&
  (error.CancellationReasons ?? []).every(
    (r) =>
      !r.Code || r.Code === 'None' || r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict',
  );

/** A waitlist entry another change removed after the state was read: that change also moved the version. */
class StaleRead extends Error {}

const pause = (attempt: number) =>
  new Promise((resolve) =>
    setTimeout(resolve, Math.random() * Math.min(200, 10 * 2 ** Math.min(attempt, 5))),
  );

export const dynamoGroups = (client: DynamoDBDocumentClient, tableName: string) => {
  const read = async (Key: Record<string, string>) =>
    (await client.send(new GetCommand({ TableName: tableName, Key, ConsistentRead: true }))).Item;

  const state = async (orgId: string, groupId: string): Promise<GroupState> => {
    const item = await read(keys.group(orgId, groupId));
    if (!item) return emptyGroupState();
    return defined({
      version: item.version as number,
      seated: item.seated as number,
      waiting: item.waiting as number,
      nextSeq: item.nextSeq as number,
      headSeq: item.headSeq as number | undefined,
      tailSeq: item.tailSeq as number | undefined,
      closedAt: item.closedAt as string | undefined,
      closedBy: item.closedBy as GroupState['closedBy'],
    });
  };

  const membership = async (orgId: string, groupId: string, participantId: string) => {
    const item = await read(keys.groupMember(orgId, groupId, participantId));
    if (!item) return undefined;
    return defined({
      groupId: item.groupId as string,
      participantId: item.participantId as string,
      place: item.place as Membership['place'],
      since: item.since as string,
      seq: item.seq as number | undefined,
      leftFrom: item.leftFrom as Membership['leftFrom'],
    });
  };

  const waitEntry = async (orgId: string, groupId: string, seq: number): Promise<WaitEntry> => {
    const item = await read(waitKey(orgId, groupId, seq));
    if (!item) throw new StaleRead(`waitlist entry ${seq} is gone`);
    return defined({
      seq: item.seq as number,
      participantId: item.participantId as string,
      since: item.since as string,
      prev: item.prev as number | undefined,
      next: item.next as number | undefined,
    });
  };

  const transactItems = (ctx: GroupContext, change: GroupChange<unknown>): TransactItems => {
    const { orgId, group, now } = ctx;
    const groupId = group.programId;
    const { version, seated, waiting, nextSeq, headSeq, tailSeq, closedAt, closedBy } = change.state;
    const stateItem: TransactItems[number] = {
      Put: {
        TableName: tableName,
        Item: defined({
          ...keys.group(orgId, groupId),
          groupId,
          version,
          seated,
          waiting,
          nextSeq,
          headSeq,
          tailSeq,
          closedAt,
          closedBy,
          updatedAt: now.toISOString(),
        }),
        ...(change.expectedVersion === 0
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : {
              ConditionExpression: 'version = :version',
              ExpressionAttributeValues: { ':version': change.expectedVersion },
            }),
      },
    };
    const memberItems: TransactItems = change.members.map(({ membership: m, expect }) => ({
      Put: {
        TableName: tableName,
        Item: defined({
          ...keys.groupMember(orgId, groupId, m.participantId),
          ...m,
          expiresAt: m.place === 'left' ? epochSeconds(now) + LEFT_MEMBERSHIP_TTL_SECONDS : undefined,
        }),
        ...(expect === 'absent'
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : {
              ConditionExpression: 'place = :place',
              ExpressionAttributeValues: { ':place': expect },
            }),
      },
    }));
    const waitItems: TransactItems = [
      ...change.waitsPut.map((entry) => ({
        Put: {
          TableName: tableName,
          Item: defined({ ...waitKey(orgId, groupId, entry.seq), groupId, ...entry }),
        },
      })),
      ...change.waitsDeleted.map((seq) => ({
        Delete: {
          TableName: tableName,
          Key: waitKey(orgId, groupId, seq),
          ConditionExpression: 'attribute_exists(pk)',
        },
      })),
    ];
    const outbox: TransactItems = change.events.map((event) => ({
      Put: { TableName: tableName, Item: outboxItem(event, now) },
    }));
    return [stateItem, ...memberItems, ...waitItems, ...outbox];
  };

  /**
   * Reads the group (and the subject's membership), runs the rule, reading any waitlist entry it asks for,
   * and stores the change in one transaction; reads and runs it again when another change came first.
   */
  const change = async <O>(
    ctx: GroupContext,
    subject: string | undefined,
    plan: (snapshot: GroupSnapshot) => GroupChange<O>,
  ): Promise<O> => {
    const { orgId } = ctx;
    const groupId = ctx.group.programId;
    for (let attempt = 1; ; attempt++) {
      try {
        const [current, member] = await Promise.all([
          state(orgId, groupId),
          subject ? membership(orgId, groupId, subject) : undefined,
        ]);
        const members = new Map(member ? [[member.participantId, member]] : []);
        const waits = new Map<number, WaitEntry>();
        let planned: GroupChange<O>;
        for (;;) {
          try {
            planned = plan({ state: current, members, waits });
            break;
          } catch (error) {
            if (!(error instanceof MissingWaitEntry)) throw error;
            // Asked again for an entry it was given: a defect in the rule, never a reason to read forever.
            if (waits.has(error.seq))
              throw new Error(`group rule asked twice for waitlist entry ${error.seq}`);
            waits.set(error.seq, await waitEntry(orgId, groupId, error.seq));
          }
        }
        if (planned.unchanged) return planned.outcome;
        await client.send(new TransactWriteCommand({ TransactItems: transactItems(ctx, planned) }));
        return planned.outcome;
      } catch (error) {
        if (!(error instanceof StaleRead || lostRace(error)) || attempt >= MAX_ATTEMPTS) throw error;
        await pause(attempt);
      }
    }
  };

  /** The ids of the members who have a seat now (a query of the group's memberships). */
  const seatedMembers = async (orgId: string, groupId: string): Promise<string[]> => {
    const { pk, sk } = keys.groupMember(orgId, groupId, '');
    const seated: string[] = [];
    const pages = paginateQuery(
      { client },
      {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        FilterExpression: 'place = :seat',
        ProjectionExpression: 'participantId',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': sk, ':seat': 'seat' },
        ConsistentRead: true,
      },
    );
    for await (const page of pages)
      for (const item of page.Items ?? []) seated.push(item.participantId as string);
    return seated;
  };

  return {
    state,
    membership,
    seatedMembers,
    join: (ctx, participantId) => change(ctx, participantId, (s) => planJoin(ctx, s, participantId)),
    leave: (ctx, participantId) => change(ctx, participantId, (s) => planLeave(ctx, s, participantId)),
    async fill(ctx) {
      const promoted: string[] = [];
      for (;;) {
        const outcome = await change(ctx, undefined, (s) => planFill(ctx, s));
        promoted.push(...outcome.promoted);
        if (!outcome.more) return { promoted, more: false };
      }
    },
    close: (ctx, closedBy) => change(ctx, undefined, (s) => planClose(ctx, s, closedBy)),
  } satisfies GroupStore & { state: typeof state; seatedMembers: typeof seatedMembers };
};
