import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { GroupSeatCounts } from '../domain/signup-form';
import { keys } from './keys';

/**
 * Seats taken in a peer group, read from its state item (see groups.ts) for the form's open/full label.
 * Eventually consistent: the label is a hint; the seat itself is decided by assign-group-seat.
 */
export const dynamoGroupSeats = (client: DynamoDBDocumentClient, tableName: string): GroupSeatCounts => ({
  async seated(orgId, groupId) {
    const { Item } = await client.send(
      new GetCommand({
        TableName: tableName,
        Key: keys.group(orgId, groupId),
        ProjectionExpression: 'seated',
      }),
    );
    return typeof Item?.seated === 'number' ? Item.seated : 0;
  },
});
