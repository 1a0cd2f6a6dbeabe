import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Organisation } from '../domain/organisation';
import type { OrganisationStore } from '../domain/ports';
import { keys } from './keys';
import { tableDefinition } from './table';

export const dynamoOrganisations = (client: DynamoDBDocumentClient, tableName: string) => {
  const store = {
    async get(orgId: string) {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: keys.organisation(orgId) }),
      );
      if (!Item) return undefined;
      const { pk: _pk, sk: _sk, lookupPk: _lp, lookupSk: _ls, revision: _r, ...org } = Item;
      return org as Organisation;
    },
    /**
     * Changes an organisation by a function of its current state, conditioned on the revision it read, so two
     * coordinators saving at once cannot undo each other (the later one runs again on the newer state).
     */
    async update(orgId: string, change: (org: Organisation) => Organisation) {
      for (let attempt = 1; ; attempt++) {
        const { Item } = await client.send(
          new GetCommand({ TableName: tableName, Key: keys.organisation(orgId), ConsistentRead: true }),
        );
        if (!Item) return undefined;
        const { pk: _pk, sk: _sk, lookupPk: _lp, lookupSk: _ls, revision, ...current } = Item;
        const next = change(current as Organisation);
        try {
          await client.send(
            new PutCommand({
              TableName: tableName,
              Item: { ...item(next), revision: ((revision as number | undefined) ?? 0) + 1 },
              ConditionExpression:
                revision === undefined ? 'attribute_not_exists(revision)' : 'revision = :revision',
              ...(revision === undefined ? {} : { ExpressionAttributeValues: { ':revision': revision } }),
            }),
          );
          return next;
        } catch (error) {
          if ((error as Error).name !== 'ConditionalCheckFailedException' || attempt >= 5) throw error;
        }
      }
    },
    /** Stores a new organisation; false when one with its id exists already (nothing is overwritten). */
    async create(org: Organisation) {
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: item(org),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return true;
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException') return false;
        throw error;
      }
    },
    async put(org: Organisation) {
      await client.send(new PutCommand({ TableName: tableName, Item: item(org) }));
    },
  };
  return store satisfies OrganisationStore;
};

const item = (org: Organisation) => ({
  ...keys.organisation(org.orgId),
  lookupPk: keys.allOrganisations,
  lookupSk: org.orgId,
  ...org,
});

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
