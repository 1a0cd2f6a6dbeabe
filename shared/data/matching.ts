import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Match, MatchRole, PoolEntry } from '../domain/match';
import type { MatchingState, Participant } from '../domain/participant';
import type { OutgoingEvent } from '../events/catalogue';
import { keys } from './keys';
import { outboxItem } from './outbox';
import { withConflictRetry } from './transactions';

type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;

/** One person's side of a matching write: their state as read (the condition) and as it becomes. */
export interface SideChange {
  participantId: string;
  role: MatchRole;
  before: MatchingState;
  after: MatchingState;
  /** Their pool entry afterwards; undefined when they leave (or stay out of) the pool. */
  pool: PoolEntry | undefined;
}

export interface MatchingWrite {
  orgId: string;
  programId: string;
  mentor: SideChange;
  mentee: SideChange;
  event: OutgoingEvent;
  /** Events of the same fact stored with it (e.g. the check-in answer that ended a match). */
  alsoEvents?: OutgoingEvent[];
  now: Date;
}

export interface MatchingStore {
  /** Everyone of one role in a program's pool (strongly consistent). */
  pool(orgId: string, programId: string, role: MatchRole): Promise<PoolEntry[]>;
  participant(orgId: string, participantId: string): Promise<Participant | undefined>;
  /** Whether anyone of the role waits in the program's pool (one item read). */
  anyInPool(orgId: string, programId: string, role: MatchRole): Promise<boolean>;
  match(orgId: string, matchId: string): Promise<Match | undefined>;
  /** Stores the match, both sides and MatchMade at once; false when either side changed since it was read. */
  makeMatch(write: MatchingWrite & { match: Match }): Promise<boolean>;
  /** Ends the match (it must still be active), both sides and MatchEnded at once; false on a lost race. */
  endMatch(write: MatchingWrite & { match: Match; ended: NonNullable<Match['ended']> }): Promise<boolean>;
  /** Whether a whole-pool run already finished. */
  runFinished(orgId: string, runId: string): Promise<boolean>;
  /** Records a run as finished with its MatchingRunCompleted, once; false when it already was. */
  finishRun(orgId: string, runId: string, event: OutgoingEvent, now: Date): Promise<boolean>;
  /**
   * Changes people's matching states (e.g. a do-not-match entry, a pause), with the events that announce the
   * change in the same write; false on a lost race.
   */
  updateStates(
    orgId: string,
    programId: string,
    sides: SideChange[],
    events?: OutgoingEvent[],
    now?: Date,
  ): Promise<boolean>;
}

const STRIP = new Set(['pk', 'sk', 'lookupPk', 'lookupSk', 'expiresAt', 'duePk', 'dueSk', 'dueKind']);
const strip = <T>(item: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(item).filter(([name]) => !STRIP.has(name))) as T;

const versionConflict = (error: unknown) =>
  error instanceof TransactionCanceledException &&
  (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed');

/**
 * The participant's matching state moves from `before` to `after`, or the whole write fails; for other stores
 * whose writes change a matching state in the same transaction (a check-in's escalation pauses a mentor).
 */
export const matchingSideItems = (
  tableName: string,
  orgId: string,
  programId: string,
  side: SideChange,
): TransactItems => {
  const poolKey = keys.poolEntry(orgId, programId, side.role, side.participantId);
  return [
    {
      Update: {
        TableName: tableName,
        Key: keys.participant(orgId, side.participantId),
        UpdateExpression: 'SET matching = :after',
        ConditionExpression: 'matching.version = :version',
        ExpressionAttributeValues: { ':after': side.after, ':version': side.before.version },
      },
    },
    side.pool
      ? { Put: { TableName: tableName, Item: { ...poolKey, ...side.pool } } }
      : { Delete: { TableName: tableName, Key: poolKey } },
  ];
};

export const dynamoMatching = (client: DynamoDBDocumentClient, tableName: string): MatchingStore => {
  const sideItems = (orgId: string, programId: string, side: SideChange) =>
    matchingSideItems(tableName, orgId, programId, side);

  const write = async (items: TransactItems) => {
    try {
      await withConflictRetry(() => client.send(new TransactWriteCommand({ TransactItems: items })));
      return true;
    } catch (error) {
      if (versionConflict(error)) return false;
      throw error;
    }
  };

  return {
    async pool(orgId, programId, role) {
      const entries: PoolEntry[] = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: {
              ':pk': keys.organisation(orgId).pk,
              ':prefix': keys.poolPrefix(programId, role),
            },
            ConsistentRead: true,
            ExclusiveStartKey,
          }),
        );
        for (const item of page.Items ?? []) entries.push(strip<PoolEntry>(item));
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return entries;
    },

    async anyInPool(orgId, programId, role) {
      const { Items } = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: {
            ':pk': keys.organisation(orgId).pk,
            ':prefix': keys.poolPrefix(programId, role),
          },
          Limit: 1,
        }),
      );
      return (Items ?? []).length > 0;
    },

    async participant(orgId, participantId) {
      const { Item } = await client.send(
        new GetCommand({
          TableName: tableName,
          Key: keys.participant(orgId, participantId),
          ConsistentRead: true,
        }),
      );
      return Item ? strip<Participant>(Item) : undefined;
    },

    async match(orgId, matchId) {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: keys.match(orgId, matchId), ConsistentRead: true }),
      );
      return Item ? strip<Match>(Item) : undefined;
    },

    makeMatch({ orgId, programId, mentor, mentee, match, event, now }) {
      return write([
        ...sideItems(orgId, programId, mentor),
        ...sideItems(orgId, programId, mentee),
        {
          Put: {
            TableName: tableName,
            Item: { ...keys.match(orgId, match.matchId), ...match },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        { Put: { TableName: tableName, Item: outboxItem(event, now) } },
      ]);
    },

    async runFinished(orgId, runId) {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: keys.matchingRun(orgId, runId), ConsistentRead: true }),
      );
      return Item !== undefined;
    },

    finishRun(orgId, runId, event, now) {
      return write([
        {
          Put: {
            TableName: tableName,
            Item: { ...keys.matchingRun(orgId, runId), finishedAt: now.toISOString() },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        { Put: { TableName: tableName, Item: outboxItem(event, now) } },
      ]);
    },

    updateStates(orgId, programId, sides, events = [], now = new Date()) {
      return write([
        ...sides.flatMap((side) => sideItems(orgId, programId, side)),
        ...events.map((event) => ({ Put: { TableName: tableName, Item: outboxItem(event, now) } })),
      ]);
    },

    endMatch({ orgId, programId, mentor, mentee, match, ended, event, alsoEvents = [], now }) {
      return write([
        ...sideItems(orgId, programId, mentor),
        ...sideItems(orgId, programId, mentee),
        {
          Update: {
            TableName: tableName,
            Key: keys.match(orgId, match.matchId),
            UpdateExpression: 'SET #status = :ended, ended = :details',
            ConditionExpression: '#status = :active',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':ended': 'ended', ':active': 'active', ':details': ended },
          },
        },
        ...[event, ...alsoEvents].map((e) => ({ Put: { TableName: tableName, Item: outboxItem(e, now) } })),
      ]);
    },
  };
};
