import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/close-group/handler';
import { ORG_ID, organisation } from '../fixtures/domain';
import { httpEvent, lambdaContext } from '../helpers/events';

const ddb = mockClient(DynamoDBDocumentClient);
const GROUP = 'grief-circle';
const pk = `ORG#${ORG_ID}`;
const NOW = new Date('2026-05-01T10:00:00.000Z');

let items: Map<string, Record<string, unknown>>;

const close = async (orgId = ORG_ID, groupId = GROUP, orgKey: string | undefined = ORG_ID) => {
  const response = (await handler(
    httpEvent({
      method: 'POST',
      routeKey: 'POST /v1/admin/orgs/{orgId}/groups/{groupId}/close',
      path: `/v1/admin/orgs/${orgId}/groups/${groupId}/close`,
      pathParameters: { orgId, groupId },
      now: NOW,
      ...(orgKey ? { orgKey } : {}),
    }),
    lambdaContext('kindred-test-close-group'),
  )) as APIGatewayProxyStructuredResultV2;
  return { status: response.statusCode, body: JSON.parse(String(response.body)) };
};

const writes = () => ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);

beforeEach(() => {
  ddb.reset();
  items = new Map([['ORG', { pk, sk: 'ORG', ...organisation }]]);
  ddb.on(GetCommand).callsFake((input) => ({ Item: items.get(input.Key.sk) }));
  ddb.on(TransactWriteCommand).callsFake((input) => {
    for (const entry of input.TransactItems ?? []) {
      const item = entry.Put?.Item;
      if (item && item.sk !== 'EVENT') items.set(String(item.sk), item);
    }
    return {};
  });
});

describe('close-group', () => {
  it('marks the group closed and stores its GroupClosed in the same write', async () => {
    // Act
    const { status, body } = await close();

    // Assess
    expect(status).toBe(200);
    expect(body).toEqual({ groupId: GROUP, status: 'closed', closedAt: NOW.toISOString() });
    const [write] = writes();
    expect(write?.[0]?.Put).toMatchObject({
      Item: { pk, sk: `GROUP#${GROUP}`, closedAt: NOW.toISOString(), closedBy: 'coordinator' },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    const event = write?.find((entry) => entry.Put?.Item?.sk === 'EVENT')?.Put?.Item;
    expect(event?.detailType).toBe('GroupClosed');
    expect(JSON.parse(String(event?.detail))).toMatchObject({ groupId: GROUP, closedBy: 'coordinator' });
  });

  it('answers the same for a group closed before, writing nothing', async () => {
    await close();
    ddb.resetHistory();
    const again = await close();
    expect(again).toEqual({
      status: 200,
      body: { groupId: GROUP, status: 'closed', closedAt: NOW.toISOString() },
    });
    expect(writes()).toEqual([]);
  });

  it('names an unknown group (404) or a mentoring program (409), writing nothing', async () => {
    const unknown = await close(ORG_ID, 'no-such-group');
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors).toEqual([{ pointer: '/groupId', detail: 'Unknown group' }]);
    const mentoring = await close(ORG_ID, 'youth-mentoring');
    expect(mentoring.status).toBe(409);
    expect(mentoring.body.errors[0].pointer).toBe('/groupId');
    const badId = await close(ORG_ID, 'Not An Id!');
    expect(badId.status).toBe(404);
    expect(writes()).toEqual([]);
  });

  it('takes the organisation\u2019s own API key: none is a 401, another organisation\u2019s a 404, writing nothing', async () => {
    const none = await close(ORG_ID, GROUP, '');
    expect(none.status).toBe(401);
    expect(none.body.type).toMatch(/unauthenticated$/);
    const other = await close(ORG_ID, GROUP, 'another-org');
    expect(other.status).toBe(404);
    expect(other.body.errors).toEqual([{ pointer: '/orgId', detail: 'Unknown organisation' }]);
    expect(writes()).toEqual([]);
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
  });
});
