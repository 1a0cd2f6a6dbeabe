import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { keys } from './keys';

/**
 * Organisation admin API keys. The token (`kdk_<keyId>_<secret>`) is shown once, at issue; only a SHA-256 of
 * its secret is kept. The secret is 32 random bytes, so a plain hash is enough: there is nothing to guess.
 */

const TOKEN = /^kdk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface ApiKeySummary {
  keyId: string;
  label: string;
  createdAt: string;
  revokedAt?: string;
}

export interface ApiKeyIdentity {
  orgId: string;
  keyId: string;
}

export const hashSecret = (secret: string) => createHash('sha256').update(secret, 'utf8').digest();

/** The key id and secret of a well-formed token; undefined for anything else. */
export const parseToken = (token: string) => {
  const match = TOKEN.exec(token);
  return match ? { keyId: match[1] as string, secret: match[2] as string } : undefined;
};

export const dynamoApiKeys = (client: DynamoDBDocumentClient, tableName: string) => ({
  async issue(orgId: string, label: string, now = new Date()): Promise<{ keyId: string; token: string }> {
    const keyId = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const createdAt = now.toISOString();
    await client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: tableName,
              Item: {
                ...keys.apiKey(keyId),
                orgId,
                keyId,
                secretHash: hashSecret(secret).toString('base64url'),
                createdAt,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              TableName: tableName,
              Item: { ...keys.orgApiKey(orgId, keyId), keyId, label, createdAt },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    );
    return { keyId, token: `kdk_${keyId}_${secret}` };
  },

  /** False when the organisation has no such key, or it was revoked already. */
  async revoke(orgId: string, keyId: string, now = new Date()): Promise<boolean> {
    const revokedAt = now.toISOString();
    const revoke = (
      Key: Record<string, string>,
      condition: string,
      values: Record<string, unknown> = {},
    ) => ({
      Update: {
        TableName: tableName,
        Key,
        UpdateExpression: 'SET revokedAt = :at',
        ConditionExpression: `attribute_exists(pk) AND attribute_not_exists(revokedAt)${condition}`,
        ExpressionAttributeValues: { ':at': revokedAt, ...values },
      },
    });
    try {
      await client.send(
        new TransactWriteCommand({
          TransactItems: [
            revoke(keys.apiKey(keyId), ' AND orgId = :org', { ':org': orgId }),
            revoke(keys.orgApiKey(orgId, keyId), ''),
          ],
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'TransactionCanceledException') return false;
      throw error;
    }
  },

  async list(orgId: string): Promise<ApiKeySummary[]> {
    const summaries: ApiKeySummary[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: {
            ':pk': keys.organisation(orgId).pk,
            ':prefix': keys.orgApiKeysPrefix,
          },
          ConsistentRead: true,
          ExclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) {
        summaries.push({
          keyId: item.keyId as string,
          label: item.label as string,
          createdAt: item.createdAt as string,
          ...(item.revokedAt ? { revokedAt: item.revokedAt as string } : {}),
        });
      }
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return summaries;
  },

  /** The organisation a live key belongs to; undefined for a malformed, unknown, wrong or revoked token. */
  async verify(token: string, now = new Date()): Promise<ApiKeyIdentity | undefined> {
    const parsed = parseToken(token);
    if (!parsed) return undefined;
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: keys.apiKey(parsed.keyId), ConsistentRead: true }),
    );
    if (!Item || typeof Item.secretHash !== 'string') return undefined;
    const stored = Buffer.from(Item.secretHash, 'base64url');
    const given = hashSecret(parsed.secret);
    if (stored.length !== given.length || !timingSafeEqual(stored, given)) return undefined;
    if (Item.revokedAt && new Date(Item.revokedAt as string) <= now) return undefined;
    return { orgId: Item.orgId as string, keyId: parsed.keyId };
  },
});

export type ApiKeyStore = ReturnType<typeof dynamoApiKeys>;
