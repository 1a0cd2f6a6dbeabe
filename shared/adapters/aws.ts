import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * SDK clients, created once per cold start. Endpoints come from the SDK's own AWS_ENDPOINT_URL_* variables,
 * which is how the local runtime points the same code at its stand-ins.
 */
export const dynamodb = new DynamoDBClient({});
export const documents = DynamoDBDocumentClient.from(dynamodb, {
  marshallOptions: { removeUndefinedValues: true },
});
export const eventbridge = new EventBridgeClient({});
export const ses = new SESv2Client({});
