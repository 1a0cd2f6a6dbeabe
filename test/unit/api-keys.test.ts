import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { dynamoApiKeys, parseToken } from '../../shared/data/api-keys';

vi.mock('node:crypto', async (original) => {
  const actual = await original<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const ddb = mockClient(DynamoDBDocumentClient);
const NOW = new Date('2026-11-26T03:00:00.000Z');
let table: Map<string, Record<string, unknown>>;
const at = (key: { pk: string; sk: string }) => `${key.pk}|${key.sk}`;

class TransactionCanceledException extends Error {
  override name = 'TransactionCanceledException';
}

beforeEach(() => {
  ddb.reset();
  table = new Map();
  ddb.on(GetCommand).callsFake((input) => ({ Item: table.get(at(input.Key)) }));
  ddb.on(QueryCommand).callsFake((input) => ({
    Items: [...table.values()].filter(
      (item) =>
        item.pk === input.ExpressionAttributeValues[':pk'] &&
        String(item.sk).startsWith(input.ExpressionAttributeValues[':prefix']),
    ),
  }));
  // Puts and revocations as DynamoDB applies them: all or nothing, each under its condition.
  ddb.on(TransactWriteCommand).callsFake((input) => {
    const next = new Map(table);
    for (const { Put, Update } of input.TransactItems) {
      if (Put) {
        if (table.has(at(Put.Item))) throw new TransactionCanceledException('exists');
        next.set(at(Put.Item), Put.Item);
      } else {
        const item = table.get(at(Update.Key));
        const org = Update.ExpressionAttributeValues[':org'];
        if (!item || item.revokedAt || (org !== undefined && item.orgId !== org)) {
          throw new TransactionCanceledException('condition');
        }
        next.set(at(Update.Key), { ...item, revokedAt: Update.ExpressionAttributeValues[':at'] });
      }
    }
    table = next;
    return {};
  });
});

const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
const keys = () => dynamoApiKeys(client, 'kindred-test');

describe('organisation API keys', () => {
  it('issues a token once and keeps only the SHA-256 of its secret', async () => {
    const { keyId, token } = await keys().issue('demo-university', 'reporting', NOW);

    const parsed = parseToken(token);
    expect(parsed?.keyId).toBe(keyId);
    const stored = [...table.values()];
    expect(JSON.stringify(stored)).not.toContain(parsed?.secret);
    const secretItem = stored.find((item) => item.pk === `APIKEY#${keyId}`);
    expect(secretItem?.secretHash).toBe(
      createHash('sha256')
        .update(parsed?.secret ?? '')
        .digest('base64url'),
    );
    expect(await keys().list('demo-university')).toEqual([
      { keyId, label: 'reporting', createdAt: NOW.toISOString() },
    ]);
  });

  it('verifies a live key to its organisation, comparing hashes in constant time', async () => {
    const { keyId, token } = await keys().issue('demo-university', 'reporting', NOW);
    vi.mocked(crypto.timingSafeEqual).mockClear();

    expect(await keys().verify(token, NOW)).toEqual({ orgId: 'demo-university', keyId });
    expect(crypto.timingSafeEqual).toHaveBeenCalledTimes(1);
  });

  it('refuses forged, malformed and unknown tokens', async () => {
    const { keyId, token } = await keys().issue('demo-university', 'reporting', NOW);
    const secret = parseToken(token)?.secret ?? '';
    const forged = `kdk_${keyId}_${secret.startsWith('A') ? 'B' : 'A'}${secret.slice(1)}`;

    expect(await keys().verify(forged, NOW)).toBeUndefined();
    expect(await keys().verify(`kdk_0123456789abcdef_${secret}`, NOW)).toBeUndefined();
    expect(await keys().verify('Bearer nonsense', NOW)).toBeUndefined();
    expect(await keys().verify('', NOW)).toBeUndefined();
  });

  it('revokes a key for its own organisation only, once', async () => {
    const { keyId, token } = await keys().issue('demo-university', 'reporting', NOW);

    expect(await keys().revoke('demo-nonprofit', keyId, NOW)).toBe(false);
    expect(await keys().verify(token, NOW)).toEqual({ orgId: 'demo-university', keyId });
    expect(await keys().revoke('demo-university', keyId, NOW)).toBe(true);
    expect(await keys().revoke('demo-university', keyId, NOW)).toBe(false);
    expect(await keys().verify(token, NOW)).toBeUndefined();
    expect(await keys().list('demo-university')).toEqual([
      { keyId, label: 'reporting', createdAt: NOW.toISOString(), revokedAt: NOW.toISOString() },
    ]);
  });
});
