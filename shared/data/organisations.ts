import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Organisation } from '../domain/organisation';
import type { OrganisationStore } from '../domain/ports';
import { keys } from './keys';
import { tableDefinition } from './table';

export const dynamoOrganisations = (client: DynamoDBDocumentClient, tableName: string) =>
  ({
    async get(orgId: string) {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: keys.organisation(orgId) }),
      );
      if (!Item) return undefined;
      const { pk: _pk, sk: _sk, lookupPk: _lp, lookupSk: _ls, ...org } = Item;
      return org as Organisation;
    },
    async put(org: Organisation) {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...keys.organisation(org.orgId),
            lookupPk: keys.allOrganisations,
            lookupSk: org.orgId,
            ...org,
          },
        }),
      );
    },
  }) satisfies OrganisationStore & { put(org: Organisation): Promise<void> };

/** Every organisation, from the lookup index's organisation list (eventually consistent; for daily sweeps). */
export const dynamoOrganisationList = (client: DynamoDBDocumentClient, tableName: string) => ({
  async *all(): AsyncIterable<Organisation> {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: tableDefinition.lookupIndex.name,
          KeyConditionExpression: 'lookupPk = :all',
          ExpressionAttributeValues: { ':all': keys.allOrganisations },
          ExclusiveStartKey,
        }),
      );
      for (const { pk: _pk, sk: _sk, lookupPk: _lp, lookupSk: _ls, ...org } of page.Items ?? []) {
        yield org as Organisation;
      }
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  },
});
