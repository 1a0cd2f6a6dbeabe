import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Organisation } from '../domain/organisation';
import type { OrganisationStore } from '../domain/ports';
import { keys } from './keys';

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
