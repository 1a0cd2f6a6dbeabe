import { createHash } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { dueSortKey, hourBucket } from '../domain/due-work';
import type { EmailCategory } from '../domain/nudge-policy';
import type { DigestAction } from '../email/digest-templates';
import { type DeferralRequirements, deferralId } from './deferrals';
import { DAY_SECONDS, epochSeconds, keys } from './keys';
import { withConflictRetry } from './transactions';

/**
 * Digests of capped nudges. A person has at most one digest collecting at a time; each folded email is stored
 * in it as what the digest shows (its subject and links) and what decides whether it still belongs (its
 * category, `latest` and requirements), so sending the digest reads no other email state.
 *
 * Two kinds of item, both under the person's recipient key (erasure finds them by the person):
 * - the ledger (`RECIPIENT#<id>#DIGESTS`): the digest collecting now, and every email folded in the last 35
 *   days by its key's digest, so a redelivered email is folded once, whatever digest it went to;
 * - a digest (`RECIPIENT#<id>#DIGEST#<digestId>`): its entries, its state, and while it waits its place on the
 *   due index (kind `digest-due`, handed to DigestDue by the sweep).
 *
 * A digest is `open` while it collects, `closed` once its sender froze it (folds then start a new one), and
 * `sent` or `dropped` at the end. Folding writes the ledger and the digest in one transaction, conditional on
 * the ledger's version and the digest being open; closing flips both, so no entry lands in a digest after
 * it was frozen.
 */

export type DigestStatus = 'open' | 'closed' | 'sent' | 'dropped';

export interface DigestEntry {
  /** The folded email's idempotency key (its business fact and template version). */
  key: string;
  category: EmailCategory;
  subject: string;
  actions: DigestAction[];
  /** When it stops being useful (ISO). */
  latest?: string;
  /** What must still hold when the digest is sent. */
  requires?: DeferralRequirements;
  foldedAt: string;
}

export interface Digest {
  orgId: string;
  participantId: string;
  digestId: string;
  status: DigestStatus;
  /** When it started collecting: its links (the unsubscribe footer) are signed at this time on every attempt. */
  createdAt: string;
  dueAt: string;
  /** In the order they were folded. */
  entries: DigestEntry[];
}

export type FoldOutcome =
  | { outcome: 'folded'; digestId: string; dueAt: Date }
  | { outcome: 'already'; digestId?: string }
  | { outcome: 'full' };

/** Entries one digest holds at most: it stays far below DynamoDB's 400 KB item limit. */
export const MAX_DIGEST_ENTRIES = 50;

/** Folded keys are remembered as long as an email's idempotency record, past redeliveries and replays. */
const REMEMBER_SECONDS = 35 * DAY_SECONDS;

/** An entry's name in a digest's map: a digest of the email's key (which may be long or hold colons). */
export const foldId = deferralId;

const digestIdOf = (participantId: string, ledgerVersion: number) =>
  createHash('sha256').update(`${participantId}:digest:${ledgerVersion}`).digest('hex').slice(0, 40);

const due = (orgId: string, participantId: string, digestId: string, at: Date) => ({
  duePk: hourBucket(at),
  dueSk: dueSortKey(at, 'digest-due', orgId, participantId, digestId),
  dueKind: 'digest-due',
  dueAt: at.toISOString(),
});

const failedAt = (error: unknown): number[] =>
  error instanceof TransactionCanceledException
    ? (error.CancellationReasons ?? []).flatMap((r, i) => (r.Code === 'ConditionalCheckFailed' ? [i] : []))
    : [];

interface Ledger {
  version: number;
  openDigestId?: string;
  folded: Record<string, string>;
}

export const dynamoDigests = (client: DynamoDBDocumentClient, tableName: string) => {
  const ledger = async (orgId: string, participantId: string): Promise<Ledger> => {
    const { Item } = await client.send(
      new GetCommand({
        TableName: tableName,
        Key: keys.digestLedger(orgId, participantId),
        ConsistentRead: true,
      }),
    );
    return {
      version: typeof Item?.version === 'number' ? Item.version : 0,
      ...(typeof Item?.openDigestId === 'string' ? { openDigestId: Item.openDigestId } : {}),
      folded: (Item?.folded as Record<string, string> | undefined) ?? {},
    };
  };

  const get = async (orgId: string, participantId: string, digestId: string) => {
    const { Item } = await client.send(
      new GetCommand({
        TableName: tableName,
        Key: keys.digest(orgId, participantId, digestId),
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    const entries = Object.values((Item.entries ?? {}) as Record<string, DigestEntry>).sort((a, b) =>
      a.foldedAt < b.foldedAt ? -1 : a.foldedAt > b.foldedAt ? 1 : 0,
    );
    return {
      orgId: Item.orgId,
      participantId: Item.participantId,
      digestId: Item.digestId,
      status: Item.status,
      createdAt: Item.createdAt,
      dueAt: Item.dueAt,
      entries,
    } as Digest;
  };

  const ledgerUpdate = (orgId: string, participantId: string, version: number) => ({
    TableName: tableName,
    Key: keys.digestLedger(orgId, participantId),
    ConditionExpression: version === 0 ? 'attribute_not_exists(version)' : 'version = :version',
  });

  return {
    get,

    /**
     * Adds an email to the person's digest: the one collecting, or a new one due at `digestAt`. 'already' when
     * the email was folded before (a redelivery), 'full' when the collecting digest holds all it may.
     */
    async fold(
      orgId: string,
      participantId: string,
      entry: Omit<DigestEntry, 'foldedAt'>,
      digestAt: Date,
      now: Date,
      attempts = 5,
    ): Promise<FoldOutcome> {
      const id = foldId(entry.key);
      const item = { ...entry, foldedAt: now.toISOString() };
      for (let attempt = 1; ; attempt++) {
        const current = await ledger(orgId, participantId);
        if (current.folded[id]) return { outcome: 'already' };
        const next = current.version + 1;
        const versioned = current.version === 0 ? {} : { ':version': current.version };
        const digestId = current.openDigestId ?? digestIdOf(participantId, next);
        const digestKey = keys.digest(orgId, participantId, digestId);
        const transactItems: TransactWriteCommandInput['TransactItems'] = current.openDigestId
          ? [
              {
                Update: {
                  TableName: tableName,
                  Key: digestKey,
                  UpdateExpression: 'SET entries.#fold = :entry',
                  ConditionExpression: '#status = :open AND size(entries) < :max',
                  ExpressionAttributeNames: { '#fold': id, '#status': 'status' },
                  ExpressionAttributeValues: { ':entry': item, ':open': 'open', ':max': MAX_DIGEST_ENTRIES },
                },
              },
              {
                Update: {
                  ...ledgerUpdate(orgId, participantId, current.version),
                  UpdateExpression: 'SET folded.#fold = :now, version = :next',
                  ExpressionAttributeNames: { '#fold': id },
                  ExpressionAttributeValues: { ':now': item.foldedAt, ':next': next, ...versioned },
                },
              },
            ]
          : [
              {
                Put: {
                  TableName: tableName,
                  Item: {
                    ...digestKey,
                    orgId,
                    participantId,
                    digestId,
                    status: 'open',
                    createdAt: item.foldedAt,
                    entries: { [id]: item },
                    ...due(orgId, participantId, digestId, digestAt),
                  },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Update: {
                  ...ledgerUpdate(orgId, participantId, current.version),
                  // Keys folded longer ago than any redelivery or replay are forgotten as a new digest starts.
                  UpdateExpression:
                    'SET folded = :folded, openDigestId = :digest, version = :next, orgId = :org, participantId = :id',
                  ExpressionAttributeValues: {
                    ':folded': {
                      ...Object.fromEntries(
                        Object.entries(current.folded).filter(
                          ([, at]) => Date.parse(at) > now.getTime() - REMEMBER_SECONDS * 1000,
                        ),
                      ),
                      [id]: item.foldedAt,
                    },
                    ':digest': digestId,
                    ':next': next,
                    ':org': orgId,
                    ':id': participantId,
                    ...versioned,
                  },
                },
              },
            ];
        try {
          await withConflictRetry(() =>
            client.send(new TransactWriteCommand({ TransactItems: transactItems })),
          );
          const dueAt = current.openDigestId
            ? new Date((await get(orgId, participantId, digestId))?.dueAt ?? digestAt)
            : digestAt;
          return { outcome: 'folded', digestId, dueAt };
        } catch (error) {
          const failed = failedAt(error);
          if (failed.length === 0 || attempt >= attempts) throw error;
          // The collecting digest is full (rather than closed since the ledger was read): nothing more fits.
          if (failed.includes(0) && current.openDigestId) {
            const open = await get(orgId, participantId, current.openDigestId);
            if (open?.status === 'open' && open.entries.length >= MAX_DIGEST_ENTRIES)
              return { outcome: 'full' };
          }
        }
      }
    },

    /**
     * Freezes the digest for sending: later folds start a new one. Answers it as frozen (also when it was
     * closed already, by an earlier attempt), or undefined when it is gone or finished.
     */
    async close(
      orgId: string,
      participantId: string,
      digestId: string,
      attempts = 5,
    ): Promise<Digest | undefined> {
      for (let attempt = 1; ; attempt++) {
        const current = await get(orgId, participantId, digestId);
        if (current?.status !== 'open') return current?.status === 'closed' ? current : undefined;
        const { version, openDigestId } = await ledger(orgId, participantId);
        try {
          await withConflictRetry(() =>
            client.send(
              new TransactWriteCommand({
                TransactItems: [
                  {
                    Update: {
                      TableName: tableName,
                      Key: keys.digest(orgId, participantId, digestId),
                      UpdateExpression: 'SET #status = :closed',
                      ConditionExpression: '#status = :open',
                      ExpressionAttributeNames: { '#status': 'status' },
                      ExpressionAttributeValues: { ':closed': 'closed', ':open': 'open' },
                    },
                  },
                  {
                    Update: {
                      ...ledgerUpdate(orgId, participantId, version),
                      UpdateExpression:
                        openDigestId === digestId
                          ? 'REMOVE openDigestId SET version = :next'
                          : 'SET version = :next',
                      ExpressionAttributeValues: {
                        ':next': version + 1,
                        ...(version === 0 ? {} : { ':version': version }),
                      },
                    },
                  },
                ],
              }),
            ),
          );
          // Read after the write: every fold that made it in committed before it.
          const frozen = await get(orgId, participantId, digestId);
          return frozen?.status === 'closed' ? frozen : undefined;
        } catch (error) {
          // A fold or another closer got there first: look again at what stands now.
          if (failedAt(error).length === 0 || attempt >= attempts) throw error;
        }
      }
    },

    /** Puts an unfinished digest back on the due index at `until` (quiet hours, a pause, the cap). */
    async rearm(orgId: string, participantId: string, digestId: string, until: Date) {
      const { duePk, dueSk, dueKind, dueAt } = due(orgId, participantId, digestId, until);
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.digest(orgId, participantId, digestId),
            UpdateExpression: 'SET duePk = :pk, dueSk = :sk, dueKind = :kind, dueAt = :at',
            ConditionExpression: '#status IN (:open, :closed)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':pk': duePk,
              ':sk': dueSk,
              ':kind': dueKind,
              ':at': dueAt,
              ':open': 'open',
              ':closed': 'closed',
            },
          }),
        );
        return true;
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException') return false;
        throw error;
      }
    },

    /**
     * Marks a closed digest sent or dropped; it is then kept only as long as an email's idempotency record (a
     * redelivered DigestDue finds it finished), and its entries go with it.
     */
    async finish(
      orgId: string,
      participantId: string,
      digestId: string,
      status: 'sent' | 'dropped',
      now: Date,
    ) {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.digest(orgId, participantId, digestId),
          UpdateExpression: 'SET #status = :status, finishedAt = :now, expiresAt = :expires REMOVE entries',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': status,
            ':now': now.toISOString(),
            ':expires': epochSeconds(now) + REMEMBER_SECONDS,
          },
        }),
      );
    },
  };
};

export type DigestStore = ReturnType<typeof dynamoDigests>;
