import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  capAllows,
  DEFAULT_NUDGE_POLICY,
  type NudgePolicy,
  type RecipientState,
  recordNudge,
} from '../domain/nudge-policy';
import { type UnsubscribeScope, unsubscribedCategories } from '../domain/unsubscribe';
import type { OutgoingEvent } from '../events/catalogue';
import { keys } from './keys';
import { outboxItem } from './outbox';
import { withConflictRetry } from './transactions';

/**
 * Who gets which email: one preferences item per person (`RECIPIENT#<participantId>` in the organisation's
 * partition) and one suppression item per address (`SUPPRESSION#<pseudonym>`, across organisations). Every
 * write is safe under concurrency without a read-modify-write race:
 *
 * - unsubscribing ADDs to a string set, so two unsubscribes at once (one-click and the page, say) both stay;
 * - a pause only ever lengthens (conditional on the stored end being earlier);
 * - the nudges sent (for the frequency cap) are rewritten under a version, so two senders at once each
 *   record theirs, and a slot is taken before the send only if the cap still leaves one;
 * - a suppression is put once (conditional on its absence): the first bounce or complaint is the record.
 */

/** A person's preferences as stored. */
export interface RecipientPreferences {
  /** Scopes unsubscribed from, as stored (`all` included). */
  unsubscribed: UnsubscribeScope[];
  pausedUntil?: string;
  /** ISO instants of the nudges sent, pruned by `recordNudge`. */
  recentNudges: string[];
  /** Raised by every recorded nudge; 0 before the first. */
  nudgeVersion: number;
}

/** Why an address gets nothing more, and since when (SES's own time of the bounce or complaint). */
export interface Suppression {
  reason: 'bounce' | 'complaint';
  at: string;
}

/** What the nudge policy needs to know of a person. */
export interface Recipient {
  participantId: string;
  email: string;
  timezone: string;
}

const conditionFailedAt = (error: unknown, index: number) =>
  error instanceof TransactionCanceledException &&
  error.CancellationReasons?.[index]?.Code === 'ConditionalCheckFailed';

const scopesOf = (value: unknown): UnsubscribeScope[] =>
  value instanceof Set || Array.isArray(value) ? ([...value] as UnsubscribeScope[]) : [];

/** Addresses that must get nothing more, by pseudonym. */
export const dynamoSuppressions = (client: DynamoDBDocumentClient, tableName: string) => ({
  async get(emailHash: string): Promise<Suppression | undefined> {
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: keys.suppression(emailHash), ConsistentRead: true }),
    );
    return Item ? { reason: Item.reason as Suppression['reason'], at: Item.at as string } : undefined;
  },

  /**
   * Suppresses the address (with its event, in the same transaction, when there is one); 'already' when it
   * was suppressed before, and then nothing is written and nothing announced.
   */
  async suppress(
    emailHash: string,
    suppression: Suppression & { subType?: string },
    event: OutgoingEvent<'EmailSuppressed'> | undefined,
    now: Date,
  ): Promise<'suppressed' | 'already'> {
    const put = {
      TableName: tableName,
      Item: {
        ...keys.suppression(emailHash),
        reason: suppression.reason,
        at: suppression.at,
        ...(suppression.subType ? { subType: suppression.subType } : {}),
        suppressedAt: now.toISOString(),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    };
    try {
      if (event) {
        await withConflictRetry(() =>
          client.send(
            new TransactWriteCommand({
              TransactItems: [{ Put: put }, { Put: { TableName: tableName, Item: outboxItem(event, now) } }],
            }),
          ),
        );
      } else {
        await client.send(new PutCommand(put));
      }
      return 'suppressed';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || conditionFailedAt(error, 0)) return 'already';
      throw error;
    }
  },
});

export const dynamoRecipients = (
  client: DynamoDBDocumentClient,
  tableName: string,
  /** The address's pseudonym (`emailHasher` in Lambda), to find its suppression. */
  hashEmail: (email: string) => Promise<string>,
) => {
  const suppressions = dynamoSuppressions(client, tableName);

  const preferences = async (orgId: string, participantId: string): Promise<RecipientPreferences> => {
    const { Item } = await client.send(
      new GetCommand({
        TableName: tableName,
        Key: keys.recipient(orgId, participantId),
        ConsistentRead: true,
      }),
    );
    return {
      unsubscribed: scopesOf(Item?.unsubscribed),
      ...(typeof Item?.pausedUntil === 'string' ? { pausedUntil: Item.pausedUntil } : {}),
      recentNudges: Array.isArray(Item?.recentNudges) ? (Item.recentNudges as string[]) : [],
      nudgeVersion: typeof Item?.nudgeVersion === 'number' ? Item.nudgeVersion : 0,
    };
  };

  /** The nudges sent, replaced only if no other writer changed them since `version` was read. */
  const writeNudges = (orgId: string, participantId: string, version: number, recentNudges: string[]) =>
    client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.recipient(orgId, participantId),
        UpdateExpression:
          'SET recentNudges = :nudges, nudgeVersion = :next, orgId = :org, participantId = :id',
        ConditionExpression: version === 0 ? 'attribute_not_exists(nudgeVersion)' : 'nudgeVersion = :version',
        ExpressionAttributeValues: {
          ':nudges': recentNudges,
          ':next': version + 1,
          ':org': orgId,
          ':id': participantId,
          ...(version === 0 ? {} : { ':version': version }),
        },
      }),
    );

  return {
    preferences,

    /** The nudge policy's view of a person: their preferences and whether their address is suppressed. */
    async recipientState(orgId: string, recipient: Recipient): Promise<RecipientState> {
      const [prefs, suppressed] = await Promise.all([
        preferences(orgId, recipient.participantId),
        hashEmail(recipient.email).then((hash) => suppressions.get(hash)),
      ]);
      return {
        timezone: recipient.timezone,
        ...(suppressed ? { suppressed } : {}),
        unsubscribed: unsubscribedCategories(prefs.unsubscribed),
        ...(prefs.pausedUntil ? { pausedUntil: prefs.pausedUntil } : {}),
        recentNudges: prefs.recentNudges,
      };
    },

    /**
     * Adds `scope` to the person's unsubscribed set together with its event, in one transaction; 'unchanged'
     * (nothing written, nothing announced) when it, or `all`, is in the set already.
     */
    async unsubscribe(
      orgId: string,
      participantId: string,
      scope: UnsubscribeScope,
      event: OutgoingEvent<'EmailSuppressed'>,
      now: Date,
    ): Promise<'unsubscribed' | 'unchanged'> {
      try {
        await withConflictRetry(() =>
          client.send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  Update: {
                    TableName: tableName,
                    Key: keys.recipient(orgId, participantId),
                    UpdateExpression:
                      'ADD unsubscribed :scopes SET orgId = :org, participantId = :id, updatedAt = :now',
                    ConditionExpression:
                      'attribute_not_exists(unsubscribed) OR NOT (contains(unsubscribed, :scope) OR contains(unsubscribed, :all))',
                    ExpressionAttributeValues: {
                      ':scopes': new Set([scope]),
                      ':scope': scope,
                      ':all': 'all',
                      ':org': orgId,
                      ':id': participantId,
                      ':now': now.toISOString(),
                    },
                  },
                },
                { Put: { TableName: tableName, Item: outboxItem(event, now) } },
              ],
            }),
          ),
        );
        return 'unsubscribed';
      } catch (error) {
        if (conditionFailedAt(error, 0)) return 'unchanged';
        throw error;
      }
    },

    /**
     * Pauses nudges until `until`, unless they were paused until then or later already ('unchanged'); answers
     * the pause's end as stored.
     */
    async pause(
      orgId: string,
      participantId: string,
      until: string,
      now: Date,
    ): Promise<{ outcome: 'paused' | 'unchanged'; pausedUntil: string }> {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.recipient(orgId, participantId),
            UpdateExpression: 'SET pausedUntil = :until, orgId = :org, participantId = :id, updatedAt = :now',
            // ISO instants from toISOString() compare as strings.
            ConditionExpression: 'attribute_not_exists(pausedUntil) OR pausedUntil < :until',
            ExpressionAttributeValues: {
              ':until': until,
              ':org': orgId,
              ':id': participantId,
              ':now': now.toISOString(),
            },
          }),
        );
        return { outcome: 'paused', pausedUntil: until };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const { pausedUntil } = await preferences(orgId, participantId);
        return { outcome: 'unchanged', pausedUntil: pausedUntil ?? until };
      }
    },

    /**
     * Records a nudge (or digest) sent at `at` for the frequency cap and returns the new list. Rewritten under
     * the item's version: a sender that lost a race reads again and adds its nudge to the winner's list.
     */
    async recordNudge(
      orgId: string,
      participantId: string,
      at: Date,
      policy: NudgePolicy = DEFAULT_NUDGE_POLICY,
      attempts = 5,
    ): Promise<string[]> {
      for (let attempt = 1; ; attempt++) {
        const current = await preferences(orgId, participantId);
        // The same send recorded again (a redelivered event replays its email's result): counted once.
        if (current.recentNudges.includes(at.toISOString())) return current.recentNudges;
        const recentNudges = recordNudge(current.recentNudges, at, policy);
        try {
          await writeNudges(orgId, participantId, current.nudgeVersion, recentNudges);
          return recentNudges;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException) || attempt >= attempts) throw error;
        }
      }
    },

    /**
     * Takes a slot under the cap for a nudge about to be sent at `at`, if the stored history still leaves one
     * ('capped' otherwise: ask the policy again). Written under the item's version, so of two senders after
     * the last slot one wins and the other reads again and finds none. Unlike `recordNudge`, equal instants
     * are separate nudges: emails released by one sweep share their time.
     */
    async claimNudge(
      orgId: string,
      participantId: string,
      at: Date,
      policy: NudgePolicy = DEFAULT_NUDGE_POLICY,
      attempts = 5,
    ): Promise<'claimed' | 'capped'> {
      for (let attempt = 1; ; attempt++) {
        const current = await preferences(orgId, participantId);
        if (!capAllows(current.recentNudges, at, policy)) return 'capped';
        try {
          await writeNudges(
            orgId,
            participantId,
            current.nudgeVersion,
            recordNudge(current.recentNudges, at, policy),
          );
          return 'claimed';
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException) || attempt >= attempts) throw error;
        }
      }
    },

    /** Gives back a slot `claimNudge` took at `at` whose email was not sent (SES failed, or it went before). */
    async releaseNudge(orgId: string, participantId: string, at: Date, attempts = 5): Promise<void> {
      for (let attempt = 1; ; attempt++) {
        const current = await preferences(orgId, participantId);
        const index = current.recentNudges.indexOf(at.toISOString());
        if (index < 0) return;
        const recentNudges = current.recentNudges.filter((_, i) => i !== index);
        try {
          await writeNudges(orgId, participantId, current.nudgeVersion, recentNudges);
          return;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException) || attempt >= attempts) throw error;
        }
      }
    },
  };
};

export type RecipientStore = ReturnType<typeof dynamoRecipients>;
