import { randomUUID } from 'node:crypto';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayProxyEventV2, Context, DynamoDBRecord, EventBridgeEvent } from 'aws-lambda';

/**
 * Builders for the events Lambda hands our functions, shaped as the services send them, so handler tests
 * exercise the same parsing a deployed function does.
 */

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

/** A Lambda context with a deadline, as the runtime passes it. */
export const lambdaContext = (functionName = 'kindred-test-fn', timeoutMs = 10_000): Context => {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2025/01/01/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
};

export interface HttpEventOptions {
  method?: string;
  /** The route as configured on the API, e.g. `POST /v1/orgs/{orgId}/signups`. */
  routeKey?: string;
  path: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  /** Header names as a client sends them; API Gateway v2 delivers them lower-cased. */
  headers?: Record<string, string>;
  /** A string is sent as is; anything else is JSON-encoded. */
  body?: unknown;
  isBase64Encoded?: boolean;
  /** When API Gateway received the request. */
  now?: Date;
  /** The organisation whose API key the org-key authorizer found (`requestContext.authorizer.lambda`). */
  orgKey?: string;
}

/** An API Gateway HTTP API (payload format 2.0) event. */
export const httpEvent = (options: HttpEventOptions): APIGatewayProxyEventV2 => {
  const method = options.method ?? 'GET';
  const now = options.now ?? new Date();
  const headers: Record<string, string> = {
    accept: 'application/json',
    host: 'api.kindred.test',
    'user-agent': 'vitest',
    'x-forwarded-for': '203.0.113.7',
    'x-forwarded-proto': 'https',
  };
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  if (body !== undefined && !options.isBase64Encoded) {
    headers['content-length'] ??= String(Buffer.byteLength(body));
  }
  const rawQueryString = new URLSearchParams(options.query ?? {}).toString();
  return {
    version: '2.0',
    routeKey: options.routeKey ?? `${method} ${options.path}`,
    rawPath: options.path,
    rawQueryString,
    headers,
    ...(options.query ? { queryStringParameters: options.query } : {}),
    ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
    requestContext: {
      accountId: ACCOUNT,
      apiId: 'a1b2c3d4e5',
      domainName: 'api.kindred.test',
      domainPrefix: 'api',
      http: {
        method,
        path: options.path,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'vitest',
      },
      requestId: randomUUID(),
      routeKey: options.routeKey ?? `${method} ${options.path}`,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      ...(options.orgKey ? { authorizer: { lambda: { orgId: options.orgKey, keyId: 'k1' } } } : {}),
    } as APIGatewayProxyEventV2['requestContext'],
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: options.isBase64Encoded ?? false,
  };
};

/** An event as an EventBridge rule delivers it to a Lambda target. */
export const eventBridgeEvent = <T extends string, D>(
  detailType: T,
  detail: D,
  overrides: Partial<EventBridgeEvent<T, D>> = {},
): EventBridgeEvent<T, D> => ({
  version: '0',
  id: randomUUID(),
  'detail-type': detailType,
  source: 'kindred',
  account: ACCOUNT,
  time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region: REGION,
  resources: [],
  detail,
  ...overrides,
});

/** A DynamoDB stream record (view type NEW_IMAGE) for an item as it was written. */
export const streamRecord = (
  item: Record<string, unknown> | undefined,
  sequenceNumber: string,
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE' = 'INSERT',
): DynamoDBRecord => ({
  eventID: randomUUID().replace(/-/g, ''),
  eventName,
  eventVersion: '1.1',
  eventSource: 'aws:dynamodb',
  awsRegion: REGION,
  dynamodb: {
    ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
    ...(item ? { Keys: marshall({ pk: item.pk, sk: item.sk }) as never } : {}),
    ...(item ? { NewImage: marshall(item, { removeUndefinedValues: true }) as never } : {}),
    SequenceNumber: sequenceNumber,
    SizeBytes: 256,
    StreamViewType: 'NEW_IMAGE',
  },
  eventSourceARN: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/kindred-test/stream/2025-01-01T00:00:00.000`,
});

/**
 * What an EventBridge schedule rule sends its target: `time` is when the schedule fired (whole seconds, as
 * EventBridge writes it), `detail` is empty and `resources` names the rule.
 */
export const scheduledEvent = (time: string, ruleName = 'kindred-test-sweep-due-work') =>
  eventBridgeEvent(
    'Scheduled Event',
    {},
    { source: 'aws.events', time, resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/${ruleName}`] },
  );
