import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type {
  DirectoryEntry,
  DirectoryName,
  DirectorySources,
  DirectoryStore,
  EntryPlan,
  Listing,
  ListingCheck,
  Position,
} from '../domain/directory';
import { dueSortKey, hourBucket } from '../domain/due-work';
import { entryCapacity } from '../domain/match';
import { parseMatchingSettings } from '../matching/settings';
import { dynamoGroups } from './groups';
import { keys } from './keys';
import { dynamoMatching } from './matching';
import { dynamoOrganisations } from './organisations';
import { outboxItem } from './outbox';
import { tableDefinition } from './table';
import { withConflictRetry } from './transactions';

/**
 * Directory listings in the table: `DIRECTORY#<entry>` under the organisation's partition, one per group or
 * program. A visible listing carries `lookupPk = DIRECTORY#<directory>` and a sort key of its name, so a
 * directory is read by one Query of the lookup index, in name order; a hidden or removed one drops out of the
 * index (the attributes are left off) but keeps its item. A group's listing is also its "still running?"
 * check on the due index (`checkStage`, `askedAt`: what the sweep's hand-over reads and moves on).
 */

type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;

/** Name first (a directory reads alphabetically), then the ids that make it unique. */
const listingSortKey = (listing: Listing) =>
  `${listing.name.toLocaleLowerCase('en').slice(0, 200)}#${listing.orgId}#${listing.entryId}`;

const versionConflict = (error: unknown) =>
  error instanceof TransactionCanceledException &&
  (error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed');

const fromItem = (item: Record<string, unknown>): DirectoryEntry & { dueSk?: string } => {
  const check: ListingCheck | undefined = item.checkStage
    ? {
        stage: item.checkStage as ListingCheck['stage'],
        confirmedAt: item.confirmedAt as string,
        ...(item.askedAt ? { askedAt: item.askedAt as string } : {}),
        ...(item.unconfirmed ? { unconfirmed: true } : {}),
      }
    : undefined;
  return {
    orgId: item.orgId as string,
    entryId: item.entryId as string,
    directory: item.directory as DirectoryName,
    kind: item.kind as DirectoryEntry['kind'],
    status: item.status as DirectoryEntry['status'],
    ...(item.listing ? { listing: item.listing as Listing } : {}),
    ...(check ? { check } : {}),
    version: item.version as number,
    ...(item.dueSk ? { dueSk: item.dueSk as string } : {}),
  };
};

export const dynamoDirectory = (client: DynamoDBDocumentClient, tableName: string): DirectoryStore => ({
  async entry(orgId, entryId) {
    const { Item } = await client.send(
      new GetCommand({
        TableName: tableName,
        Key: keys.directoryEntry(orgId, entryId),
        ConsistentRead: true,
      }),
    );
    return Item ? fromItem(Item) : undefined;
  },

  async entriesOf(orgId) {
    const ids: string[] = [];
    const pages = paginateQuery(
      { client },
      {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: {
          ':pk': keys.organisation(orgId).pk,
          ':prefix': keys.directoryEntriesPrefix,
        },
        ProjectionExpression: 'entryId',
      },
    );
    for await (const page of pages) for (const item of page.Items ?? []) ids.push(item.entryId as string);
    return ids;
  },

  async save(plan: EntryPlan, read, now) {
    const { entry, arm } = plan;
    const { check, listing } = entry;
    const visible = entry.status === 'listed' && listing;
    // The due key as it must be after this write: kept as read, moved, or gone.
    const due =
      arm.kind === 'at'
        ? {
            duePk: hourBucket(arm.dueAt),
            dueSk: dueSortKey(arm.dueAt, 'listing-check', entry.orgId, entry.entryId),
            dueKind: 'listing-check',
          }
        : arm.kind === 'keep' && read.dueSk
          ? {
              duePk: hourBucket(new Date(read.dueSk.split('#')[0] ?? '')),
              dueSk: read.dueSk,
              dueKind: 'listing-check',
            }
          : {};
    const item = {
      ...keys.directoryEntry(entry.orgId, entry.entryId),
      orgId: entry.orgId,
      entryId: entry.entryId,
      directory: entry.directory,
      kind: entry.kind,
      status: entry.status,
      version: entry.version,
      updatedAt: now.toISOString(),
      ...(listing ? { listing } : {}),
      ...(visible ? { lookupPk: keys.directory(entry.directory), lookupSk: listingSortKey(listing) } : {}),
      ...(check
        ? {
            checkStage: check.stage,
            confirmedAt: check.confirmedAt,
            ...(check.askedAt ? { askedAt: check.askedAt } : {}),
            ...(check.unconfirmed ? { unconfirmed: true } : {}),
          }
        : {}),
      ...due,
    };
    const names = { '#version': 'version' };
    const condition =
      read.version === 0
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : read.dueSk
          ? {
              ConditionExpression: '#version = :version AND dueSk = :dueSk',
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: { ':version': read.version, ':dueSk': read.dueSk },
            }
          : {
              ConditionExpression: '#version = :version AND attribute_not_exists(dueSk)',
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: { ':version': read.version },
            };
    const transactItems: TransactItems = [
      { Put: { TableName: tableName, Item: item, ...condition } },
      ...(plan.event ? [{ Put: { TableName: tableName, Item: outboxItem(plan.event, now) } }] : []),
    ];
    try {
      await withConflictRetry(() => client.send(new TransactWriteCommand({ TransactItems: transactItems })));
      return true;
    } catch (error) {
      if (versionConflict(error)) return false;
      throw error;
    }
  },

  async *listed(directory, after) {
    const { lookupIndex } = tableDefinition;
    const pages = paginateQuery(
      { client, pageSize: 100 },
      {
        TableName: tableName,
        IndexName: lookupIndex.name,
        KeyConditionExpression: '#pk = :directory',
        ExpressionAttributeNames: { '#pk': lookupIndex.partitionKey },
        ExpressionAttributeValues: { ':directory': keys.directory(directory) },
        ...(after
          ? {
              ExclusiveStartKey: {
                lookupPk: keys.directory(directory),
                lookupSk: after.lookupSk,
                pk: after.pk,
                sk: after.sk,
              },
            }
          : {}),
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        yield {
          listing: item.listing as Listing,
          position: { lookupSk: item.lookupSk as string, pk: item.pk as string, sk: item.sk as string },
        } satisfies { listing: Listing; position: Position };
      }
    }
  },
});

/** The listings' sources in the table: organisations, groups' seat counts, programs' mentor pools. */
export const dynamoDirectorySources = (
  client: DynamoDBDocumentClient,
  tableName: string,
): DirectorySources => {
  const groups = dynamoGroups(client, tableName);
  const matching = dynamoMatching(client, tableName);
  return {
    organisations: dynamoOrganisations(client, tableName),
    async groupState(orgId, groupId) {
      const { seated, waiting, closedAt } = await groups.state(orgId, groupId);
      return { seated, waiting, ...(closedAt ? { closedAt } : {}) };
    },
    async openMentorSlots(orgId, program) {
      let settings: ReturnType<typeof parseMatchingSettings>;
      try {
        settings = parseMatchingSettings(program.matching);
      } catch {
        return 0; // settings the organisation must fix: nobody is matched, so no slot is open
      }
      const mentors = await matching.pool(orgId, program.programId, 'mentor');
      return mentors
        .filter((m) => m.matching.seeking && !m.matching.paused)
        .reduce(
          (sum, m) => sum + Math.max(0, entryCapacity(m, settings) - m.matching.activeMatchIds.length),
          0,
        );
    },
  };
};
