import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type RateLimiter, secondsUntil, windowOf } from '../http/rate-limit';
import { epochSeconds, keys } from './keys';

/** Counters outlive their window a little, so a late request never finds a half-expired one. */
const EXPIRY_SLACK_SECONDS = 300;

/**
 * Fixed-window counters in the table: one conditional UpdateItem per check, which DynamoDB applies to the item
 * one at a time, so N requests at once against a limit of K let exactly K through. A refused request adds
 * nothing. (rate-limiter-flexible's DynamoDB store wants a table of its own; this is the same idea in ours.)
 */
export const dynamoRateLimiter = (client: DynamoDBDocumentClient, tableName: string): RateLimiter => ({
  async take(scope, subject, rule, now) {
    const window = windowOf(rule, now);
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.rateWindow(scope, subject, window.start),
          UpdateExpression: 'ADD hits :one SET expiresAt = if_not_exists(expiresAt, :expiresAt)',
          ConditionExpression: 'attribute_not_exists(hits) OR hits < :limit',
          ExpressionAttributeValues: {
            ':one': 1,
            ':limit': rule.limit,
            ':expiresAt': epochSeconds(window.end) + EXPIRY_SLACK_SECONDS,
          },
        }),
      );
      return { allowed: true };
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      return { allowed: false, retryAfterSeconds: secondsUntil(window.end, now) };
    }
  },
});
