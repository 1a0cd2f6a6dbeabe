import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/leave-group/handler';
import { issueToken } from '../../shared/adapters/tokens';
import { ORG_ID, organisation, participant } from '../fixtures/domain';
import { httpEvent, lambdaContext } from '../helpers/events';

const SECRET = 'kindred-test-signing-secret-4f9a';
const ddb = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);

const GROUP = 'grief-circle';
const SENT = new Date('2025-03-15T07:00:00.000Z');
const CLICKED = new Date('2025-04-01T19:12:00.000Z');
const person = participant({ programId: GROUP, role: 'member', status: 'verified' });
const id = person.participantId;
const pk = `ORG#${ORG_ID}`;
const orgKey = { pk, sk: 'ORG' };
const participantKey = { pk, sk: `PARTICIPANT#${id}` };
const stateKey = { pk, sk: `GROUP#${GROUP}` };
const memberKey = (who: string) => ({ pk, sk: `GROUP#${GROUP}#MEMBER#${who}` });
const waitKey = (seq: number) => ({ pk, sk: `GROUP#${GROUP}#WAIT#${String(seq).padStart(12, '0')}` });

const tokenFor = (
  options: { subject?: string; issued?: Date; ttl?: number; purpose?: string; secret?: string } = {},
) =>
  issueToken(
    options.secret ?? SECRET,
    {
      purpose: options.purpose ?? 'leave-group',
      orgId: ORG_ID,
      subject: options.subject ?? `${GROUP}:${id}`,
    },
    options.issued ?? SENT,
    options.ttl ?? 400 * 86_400,
  );

const HTML = 'text/html,application/xhtml+xml;q=0.9';

const page = (token: string | undefined, accept = HTML) =>
  httpEvent({
    method: 'GET',
    routeKey: 'GET /v1/groups/leave',
    path: '/v1/groups/leave',
    ...(token ? { query: { token } } : {}),
    headers: { accept },
    now: CLICKED,
  });

const press = (token: string) =>
  httpEvent({
    method: 'POST',
    routeKey: 'POST /v1/groups/leave',
    path: '/v1/groups/leave',
    headers: { accept: HTML, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
    now: CLICKED,
  });

const postJson = (body: unknown) =>
  httpEvent({
    method: 'POST',
    routeKey: 'POST /v1/groups/leave',
    path: '/v1/groups/leave',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body,
    now: CLICKED,
  });

const invoke = async (event: ReturnType<typeof httpEvent>) =>
  (await handler(event, lambdaContext('kindred-test-leave-group'))) as APIGatewayProxyStructuredResultV2;

const membership = (who: string, place: string, extra: object = {}) => ({
  Item: { ...memberKey(who), groupId: GROUP, participantId: who, place, since: SENT.toISOString(), ...extra },
});
const entry = (seq: number, who: string, prev?: number, next?: number) => ({
  Item: { ...waitKey(seq), groupId: GROUP, seq, participantId: who, since: SENT.toISOString(), prev, next },
});

const transactions = () =>
  ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);
const outboxEvents = (items: ReturnType<typeof transactions>[number]) =>
  items
    .filter((i) => i.Put?.Item?.sk === 'EVENT')
    .map((i) => ({ detailType: i.Put?.Item?.detailType, detail: JSON.parse(i.Put?.Item?.detail) }));

beforeEach(() => {
  ddb.reset();
  secrets.reset();
  secrets
    .on(GetSecretValueCommand, { SecretId: 'kindred-test/token-signing' })
    .resolves({ SecretString: SECRET });
  ddb.on(GetCommand).resolves({});
  ddb.on(GetCommand, { Key: orgKey }).resolves({ Item: { ...orgKey, ...organisation } });
  ddb.on(GetCommand, { Key: participantKey }).resolves({ Item: { ...participantKey, ...person } });
  // Eight seats, all taken; two waiting (entries 3 and 4).
  ddb.on(GetCommand, { Key: stateKey }).resolves({
    Item: { ...stateKey, version: 20, seated: 8, waiting: 2, nextSeq: 5, headSeq: 3, tailSeq: 4 },
  });
  ddb.on(GetCommand, { Key: memberKey(id) }).resolves(membership(id, 'seat'));
  ddb.on(GetCommand, { Key: waitKey(3) }).resolves(entry(3, 'first-waiting', undefined, 4));
  ddb.on(GetCommand, { Key: waitKey(4) }).resolves(entry(4, 'second-waiting', 3, undefined));
  ddb.on(TransactWriteCommand).resolves({});
});

describe('leave-group: the page a leave link opens', () => {
  it('asks before acting: a form that posts the token, with a button naming the group, and no write', async () => {
    // Act
    const response = await invoke(page(tokenFor()));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    });
    const html = response.body ?? '';
    expect(html).toContain('<title>Leave Grief circle?</title>');
    expect(html).toContain(
      'You have a seat in Grief circle. If you leave, your seat goes to the first person',
    );
    expect(html).toContain('<form method="post" action="/v1/groups/leave">');
    expect(html).toContain(`<input type="hidden" name="token" value="${tokenFor()}">`);
    expect(html).toContain('<button type="submit">Leave Grief circle</button>');
    expect(html).toContain('background:#116644');
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('speaks of the waitlist to someone waiting', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: memberKey(id) }).resolves(membership(id, 'waitlist', { seq: 4 }));

    // Act
    const response = await invoke(page(tokenFor()));

    // Assess
    expect(response.body).toContain('You are on the waitlist for Grief circle.');
  });

  it('refuses a forged token with 400 problem JSON, reading nothing', async () => {
    // Act
    const response = await invoke(page(tokenFor({ secret: 'guessed-secret' }), 'application/json'));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(response.body ?? '')).toEqual({
      type: 'urn:kindred:problem:invalid-link',
      title: 'This link is not valid',
      status: 400,
      detail: 'Please use the link exactly as it came in the email.',
      errors: [{ pointer: '/token', detail: 'The token is not genuine' }],
    });
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses a token signed for another kind of link with 400', async () => {
    // Act
    const response = await invoke(page(tokenFor({ purpose: 'rematch' }), 'application/json'));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses a genuine token that names no membership with 400', async () => {
    // Act
    const response = await invoke(page(tokenFor({ subject: id }), 'application/json'));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '').errors).toEqual([
      { pointer: '/token', detail: 'The token does not name a group membership' },
    ]);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses an expired link with 410, as a page for a browser', async () => {
    // Prepare
    const expired = tokenFor({ issued: new Date(CLICKED.getTime() - 2 * 86_400_000), ttl: 86_400 });

    // Act
    const response = await invoke(page(expired));

    // Assess
    expect(response.statusCode).toBe(410);
    expect(response.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain('<title>This link has expired</title>');
    expect(ddb.calls()).toHaveLength(0);
  });

  it('answers 410 already-left to someone who has left', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: memberKey(id) }).resolves(membership(id, 'left', { leftFrom: 'seat' }));

    // Act
    const response = await invoke(page(tokenFor(), 'application/json'));

    // Assess
    expect(response.statusCode).toBe(410);
    expect(JSON.parse(response.body ?? '')).toMatchObject({
      type: 'urn:kindred:problem:already-left',
      title: 'You have already left this group',
    });
  });

  it('answers 410 when the participant behind a genuine link is gone', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: participantKey }).resolves({});

    // Act
    const response = await invoke(page(tokenFor(), 'application/json'));

    // Assess
    expect(response.statusCode).toBe(410);
    expect(JSON.parse(response.body ?? '').type).toBe('urn:kindred:problem:participant-gone');
  });

  it('answers 410 when the group is no longer a program of the organisation', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: orgKey }).resolves({
      Item: {
        ...orgKey,
        ...organisation,
        programs: organisation.programs.filter((p) => p.kind !== 'peer-group'),
      },
    });

    // Act
    const response = await invoke(page(tokenFor(), 'application/json'));

    // Assess
    expect(response.statusCode).toBe(410);
    expect(JSON.parse(response.body ?? '').type).toBe('urn:kindred:problem:group-gone');
  });

  it('refuses a request without a token with 400 naming it', async () => {
    // Act
    const response = await invoke(page(undefined, 'application/json'));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '')).toMatchObject({ errors: [{ pointer: '/token' }] });
    expect(secrets.calls()).toHaveLength(0);
  });
});

describe('leave-group: the button press', () => {
  it('gives the seat to the first waiting in the same transaction as the leave, and says so', async () => {
    // Act
    const response = await invoke(press(tokenFor()));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<title>You have left Grief circle</title>');
    expect(response.body).toContain('Your seat now goes to the next person waiting.');
    const all = transactions();
    expect(all).toHaveLength(1);
    const items = all[0] ?? [];
    expect(items[0]?.Put).toMatchObject({
      Item: { version: 21, seated: 8, waiting: 1, nextSeq: 5, headSeq: 4, tailSeq: 4 },
      ConditionExpression: 'version = :version',
      ExpressionAttributeValues: { ':version': 20 },
    });
    const leaver = items.find((i) => i.Put?.Item?.participantId === id)?.Put;
    expect(leaver).toMatchObject({
      Item: { ...memberKey(id), place: 'left', leftFrom: 'seat', since: CLICKED.toISOString() },
      ConditionExpression: 'place = :place',
      ExpressionAttributeValues: { ':place': 'seat' },
    });
    // Kept past the bus archive's retention, so a replayed verification seats nobody; then it expires.
    expect(leaver?.Item?.expiresAt).toBe(CLICKED.getTime() / 1000 + 35 * 86_400);
    expect(items.find((i) => i.Put?.Item?.participantId === 'first-waiting')?.Put).toMatchObject({
      Item: { place: 'seat', since: CLICKED.toISOString() },
      ExpressionAttributeValues: { ':place': 'waitlist' },
    });
    expect(items.filter((i) => i.Delete).map((i) => i.Delete?.Key)).toEqual([waitKey(3)]);
    expect(outboxEvents(items)).toEqual([
      {
        detailType: 'GroupLeft',
        detail: {
          version: 1,
          orgId: ORG_ID,
          occurredAt: CLICKED.toISOString(),
          groupId: GROUP,
          participantId: id,
          from: 'seat',
        },
      },
      {
        detailType: 'GroupJoined',
        detail: expect.objectContaining({ participantId: 'first-waiting', seatsLeft: 0 }),
      },
    ]);
  });

  it('takes a waiting member off the waitlist for a JSON client, linking their neighbours', async () => {
    // Prepare: the person is the second of three waiting (entries 3, 4, 6)
    ddb.on(GetCommand, { Key: memberKey(id) }).resolves(membership(id, 'waitlist', { seq: 4 }));
    ddb.on(GetCommand, { Key: stateKey }).resolves({
      Item: { ...stateKey, version: 20, seated: 8, waiting: 3, nextSeq: 7, headSeq: 3, tailSeq: 6 },
    });
    ddb.on(GetCommand, { Key: waitKey(4) }).resolves(entry(4, id, 3, 6));
    ddb.on(GetCommand, { Key: waitKey(6) }).resolves(entry(6, 'last-waiting', 4, undefined));

    // Act
    const response = await invoke(postJson({ token: tokenFor() }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toEqual({ status: 'left', groupId: GROUP, from: 'waitlist' });
    const items = transactions()[0] ?? [];
    expect(items[0]?.Put?.Item).toMatchObject({ waiting: 2, headSeq: 3, tailSeq: 6 });
    const puts = items.filter((i) => i.Put?.Item?.seq !== undefined && i.Put?.Item?.place === undefined);
    expect(puts.map((i) => [i.Put?.Item?.seq, i.Put?.Item?.prev, i.Put?.Item?.next])).toEqual([
      [3, undefined, 6],
      [6, 3, undefined],
    ]);
    expect(items.filter((i) => i.Delete).map((i) => i.Delete?.Key)).toEqual([waitKey(4)]);
    expect(outboxEvents(items).map((e) => [e.detailType, e.detail.from])).toEqual([
      ['GroupLeft', 'waitlist'],
    ]);
  });

  it('answers a second press (a reused link) with 410 and writes nothing', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: memberKey(id) }).resolves(membership(id, 'left', { leftFrom: 'seat' }));

    // Act
    const response = await invoke(press(tokenFor()));

    // Assess
    expect(response.statusCode).toBe(410);
    expect(response.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain('You have already left this group');
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('answers 410 when another press of the same link won the race', async () => {
    // Prepare: the first read sees the seat; the write finds it given up; the read again sees it left
    ddb
      .on(GetCommand, { Key: memberKey(id) })
      .resolvesOnce(membership(id, 'seat'))
      .resolves(membership(id, 'left', { leftFrom: 'seat' }));
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'ConditionalCheckFailed' }],
      }),
    );

    // Act
    const response = await invoke(postJson({ token: tokenFor() }));

    // Assess
    expect(response.statusCode).toBe(410);
    expect(JSON.parse(response.body ?? '').type).toBe('urn:kindred:problem:already-left');
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('refuses a forged token with 400 and reads nothing', async () => {
    // Act
    const response = await invoke(postJson({ token: tokenFor({ secret: 'guessed-secret' }) }));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('names each bad field of the body', async () => {
    // Act
    const response = await invoke(postJson({ token: '', isAdmin: true }));

    // Assess
    expect(response.statusCode).toBe(422);
    expect(JSON.parse(response.body ?? '').errors).toEqual([
      { pointer: '/token', detail: expect.any(String) },
      { pointer: '/isAdmin', detail: 'Unknown field' },
    ]);
    expect(ddb.calls()).toHaveLength(0);
  });
});
