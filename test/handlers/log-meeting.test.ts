import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import ICAL from 'ical.js';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/log-meeting/handler';
import { issueToken } from '../../shared/adapters/tokens';
import type { StoredMeeting } from '../../shared/data/meetings';
import { LOG_MEETING_PURPOSE, linkSubject, RELATIONSHIP_LINK_TTL_SECONDS } from '../../shared/domain/links';
import type { Match } from '../../shared/domain/match';
import { ORG_ID, organisation, participant } from '../fixtures/domain';
import { httpEvent, lambdaContext } from '../helpers/events';
import { captureOutput } from '../helpers/output';
import { mockSecrets, TEST_SECRET } from '../helpers/secrets';

// DEBUG, so the logging test sees every line the function can write (the level is read at module load).
vi.hoisted(() => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
});
afterAll(() => {
  vi.unstubAllEnvs();
});

const ddb = mockClient(DynamoDBDocumentClient);
const { secrets, serve } = mockSecrets();

const MATCH_ID = 'c0ffee00-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
const MEETING_ID = `${MATCH_ID}-1`;
/** Tuesday 18 March 2025, 18:00 in London (GMT), 14:00 in New York (EDT). */
const STARTS_AT = '2025-03-18T18:00:00.000Z';
const REMINDED = new Date('2025-03-17T18:00:00.000Z');
const CLICKED = new Date('2025-03-18T19:30:00.000Z');

const mentor = participant({
  participantId: 'b7e0c6a2-4d1f-4c8e-9a3b-5f6e7d8c9b0a',
  role: 'mentor',
  status: 'verified',
  email: 'Priya.Shah@Example.org',
  name: 'Priya Shah',
  timezone: 'Europe/London',
});
const mentee = participant({
  participantId: '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d',
  role: 'mentee',
  status: 'verified',
  email: 'sam.okoro@example.org',
  name: 'Sam Okoro',
  timezone: 'America/New_York',
});

const pk = `ORG#${ORG_ID}`;
const orgKey = { pk, sk: 'ORG' };
const matchKey = { pk, sk: `MATCH#${MATCH_ID}` };
const meetingKey = { pk, sk: `MEETING#${MEETING_ID}` };
const participantKey = (id: string) => ({ pk, sk: `PARTICIPANT#${id}` });

const match = (overrides: Partial<Match> = {}) => ({
  ...matchKey,
  orgId: ORG_ID,
  matchId: MATCH_ID,
  programId: 'youth-mentoring',
  mentorId: mentor.participantId,
  menteeId: mentee.participantId,
  status: 'active',
  score: 80,
  madeBy: 'rolling',
  createdAt: '2025-03-10T09:00:00.000Z',
  ...overrides,
});

const meeting = (overrides: Partial<StoredMeeting> = {}) => ({
  ...meetingKey,
  orgId: ORG_ID,
  meetingId: MEETING_ID,
  matchId: MATCH_ID,
  programId: 'youth-mentoring',
  seq: 1,
  startsAt: STARTS_AT,
  durationMinutes: 60,
  sequence: 0,
  status: 'planned',
  ...overrides,
});

const tokenFor = (
  options: {
    who?: string;
    subject?: string;
    issued?: Date;
    ttl?: number;
    purpose?: string;
    secret?: string;
  } = {},
) =>
  issueToken(
    options.secret ?? TEST_SECRET,
    {
      purpose: options.purpose ?? LOG_MEETING_PURPOSE,
      orgId: ORG_ID,
      subject: options.subject ?? linkSubject(MEETING_ID, options.who ?? mentee.participantId),
    },
    options.issued ?? REMINDED,
    options.ttl ?? RELATIONSHIP_LINK_TTL_SECONDS,
  );

const HTML = 'text/html,application/xhtml+xml;q=0.9';
const PATH = '/v1/meetings/log';

const page = (query: Record<string, string> | undefined, accept = HTML, now = CLICKED) =>
  httpEvent({
    method: 'GET',
    routeKey: `GET ${PATH}`,
    path: PATH,
    ...(query ? { query } : {}),
    headers: { accept },
    now,
  });

const press = (fields: Record<string, string>, now = CLICKED) =>
  httpEvent({
    method: 'POST',
    routeKey: `POST ${PATH}`,
    path: PATH,
    headers: { accept: HTML, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    now,
  });

const postJson = (body: unknown, now = CLICKED) =>
  httpEvent({
    method: 'POST',
    routeKey: `POST ${PATH}`,
    path: PATH,
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body,
    now,
  });

const invoke = async (event: ReturnType<typeof httpEvent>) =>
  (await handler(event, lambdaContext('kindred-test-log-meeting'))) as APIGatewayProxyStructuredResultV2;

const json = (response: APIGatewayProxyStructuredResultV2) => JSON.parse(response.body ?? '');

const transactions = () =>
  ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);

/** Every command the function sent that could change the table. */
const writes = () => ddb.calls().filter((call) => !(call.args[0] instanceof GetCommand));

const conditionFailed = () =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
  });

let output: string[];
const logLines = () => output.join('').split('\n').filter(Boolean);

beforeEach(() => {
  ddb.reset();
  secrets.reset();
  serve();
  ddb.on(GetCommand).resolves({});
  ddb.on(GetCommand, { Key: orgKey }).resolves({ Item: { ...orgKey, ...organisation } });
  ddb.on(GetCommand, { Key: matchKey }).resolves({ Item: match() });
  ddb.on(GetCommand, { Key: meetingKey }).resolves({ Item: meeting() });
  for (const person of [mentor, mentee]) {
    const Key = participantKey(person.participantId);
    ddb.on(GetCommand, { Key }).resolves({ Item: { ...Key, ...person } });
  }
  ddb.on(TransactWriteCommand).resolves({});

  output = captureOutput();
});

describe('log-meeting: the page a "we met" / "we skipped" link opens', () => {
  it('asks "Did you meet?" with the clicked answer preselected, the time in the person’s zone, and writes nothing', async () => {
    // Act
    const response = await invoke(page({ token: tokenFor(), status: 'held' }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-robots-tag': 'noindex',
    });
    const html = response.body ?? '';
    expect(html).toContain('<title>Did you meet?</title>');
    // Sam reads it in New York: 14:00 there is 18:00 in London.
    expect(html).toContain('Your meeting with Priya: Tuesday 18 March, 14:00 (America/New York).');
    expect(html).toContain(`<form method="post" action="${PATH}">`);
    expect(html).toContain(`<input type="hidden" name="token" value="${tokenFor()}">`);
    expect(html).toContain(
      '<input type="radio" id="choice-0" name="status" value="held" checked> <label for="choice-0">Yes, we met</label>',
    );
    expect(html).toContain(
      '<input type="radio" id="choice-1" name="status" value="skipped"> <label for="choice-1">No, we skipped this one</label>',
    );
    expect(html).toContain('background:#116644');
    expect(writes()).toEqual([]);
  });

  it('preselects "we skipped" when that was the link clicked, and shows the mentor their own time', async () => {
    // Act
    const response = await invoke(
      page({ token: tokenFor({ who: mentor.participantId }), status: 'skipped' }),
    );

    // Assess
    const html = response.body ?? '';
    expect(html).toContain('Your meeting with Sam: Tuesday 18 March, 18:00 (Europe/London).');
    expect(html).toContain('name="status" value="skipped" checked>');
    expect(html).not.toContain('value="held" checked');
    expect(writes()).toEqual([]);
  });

  it('preselects "we met" when the link names no answer', async () => {
    // Act
    const response = await invoke(page({ token: tokenFor() }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('name="status" value="held" checked>');
  });

  it('ignores query parameters it does not know (mail systems add tracking ones)', async () => {
    // Act
    const response = await invoke(page({ token: tokenFor(), status: 'held', utm_source: 'newsletter' }));

    // Assess
    expect(response.statusCode).toBe(200);
  });

  it('refuses an answer that is neither held nor skipped with 400 naming it, reading nothing', async () => {
    // Act
    const response = await invoke(page({ token: tokenFor(), status: 'cancelled' }, 'application/json'));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(json(response)).toMatchObject({
      type: 'urn:kindred:problem:invalid-query',
      errors: [{ pointer: '/status', detail: 'held or skipped' }],
    });
    expect(ddb.calls()).toHaveLength(0);
  });

  it('answers a link whose meeting is already recorded with a 410 page saying what was recorded', async () => {
    // Prepare: Priya (the mentor) already said they met.
    ddb.on(GetCommand, { Key: meetingKey }).resolves({
      Item: meeting({ status: 'held', loggedBy: mentor.participantId, loggedAt: CLICKED.toISOString() }),
    });

    // Act
    const response = await invoke(page({ token: tokenFor(), status: 'skipped' }));

    // Assess
    expect(response.statusCode).toBe(410);
    expect(response.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain('<title>This meeting has already been recorded</title>');
    expect(response.body).toContain('Your mentor already told us that you met. Nothing was changed.');
    expect(writes()).toEqual([]);
  });

  it('answers 409 "not happened yet" more than two hours before the start, with the time it opens', async () => {
    // Act
    const response = await invoke(
      page({ token: tokenFor(), status: 'held' }, 'application/json', new Date('2025-03-18T15:59:59.000Z')),
    );

    // Assess
    expect(response.statusCode).toBe(409);
    expect(json(response)).toEqual({
      type: 'urn:kindred:problem:meeting-not-yet',
      title: 'This meeting has not happened yet',
      status: 409,
      detail:
        'You can record it from two hours before it starts, that is from Tuesday 18 March, 12:00 (America/New York). Nothing was changed.',
    });
    expect(writes()).toEqual([]);
  });

  it('refuses a forged token with 400, reading nothing', async () => {
    // Act
    const response = await invoke(
      page({ token: tokenFor({ secret: 'guessed-secret' }) }, 'application/json'),
    );

    // Assess
    expect(response.statusCode).toBe(400);
    expect(json(response)).toEqual({
      type: 'urn:kindred:problem:invalid-link',
      title: 'This link is not valid',
      status: 400,
      detail: 'Please use the link exactly as it came in the email.',
      errors: [{ pointer: '/token', detail: 'The token is not genuine' }],
    });
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses an altered token (another meeting swapped into a genuine one) with 400', async () => {
    // Prepare: the claims of a genuine token, rewritten to name meeting 2, under the original signature.
    const [payload, signature] = tokenFor().split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
    claims.sub = linkSubject(`${MATCH_ID}-2`, mentee.participantId);
    const altered = `${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;

    // Act
    const response = await invoke(page({ token: altered }, 'application/json'));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses a token signed for another kind of link with 400', async () => {
    // Act
    const response = await invoke(page({ token: tokenFor({ purpose: 'rematch' }) }, 'application/json'));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses a genuine token that names no meeting and person with 400', async () => {
    // Act
    const response = await invoke(page({ token: tokenFor({ subject: MEETING_ID }) }, 'application/json'));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(json(response).errors).toEqual([
      { pointer: '/token', detail: 'The token does not name a meeting' },
    ]);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses an expired link with a 410 page', async () => {
    // Act
    const response = await invoke(
      page({ token: tokenFor({ issued: new Date(CLICKED.getTime() - 2 * 86_400_000), ttl: 86_400 }) }),
    );

    // Assess
    expect(response.statusCode).toBe(410);
    expect(response.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain('<title>This link has expired</title>');
    expect(response.body).toContain('You can still tell your program coordinator how the meeting went.');
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses a request without a token with 400 naming it, before reading the secret', async () => {
    // Act
    const response = await invoke(page(undefined, 'application/json'));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(json(response)).toMatchObject({ errors: [{ pointer: '/token' }] });
    expect(secrets.calls()).toHaveLength(0);
  });

  it.each([
    ['someone outside the pair', () => tokenFor({ who: 'd4c3b2a1-0000-4000-8000-000000000001' })],
    [
      'a meeting that does not exist',
      () => tokenFor({ subject: linkSubject(`${MATCH_ID}-9`, mentee.participantId) }),
    ],
  ])('answers 404 to %s', async (_, token) => {
    // Prepare
    const stranger = participant({ participantId: 'd4c3b2a1-0000-4000-8000-000000000001' });
    const Key = participantKey(stranger.participantId);
    ddb.on(GetCommand, { Key }).resolves({ Item: { ...Key, ...stranger } });

    // Act
    const response = await invoke(page({ token: token() }, 'application/json'));

    // Assess
    expect(response.statusCode).toBe(404);
    expect(json(response).type).toBe('urn:kindred:problem:meeting-not-found');
    expect(writes()).toEqual([]);
  });

  it('answers 404 when the person behind a genuine link is gone', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: participantKey(mentee.participantId) }).resolves({});

    // Act
    const response = await invoke(page({ token: tokenFor() }, 'application/json'));

    // Assess
    expect(response.statusCode).toBe(404);
  });

  it('answers 410 for a cancelled meeting', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: meetingKey }).resolves({ Item: meeting({ status: 'cancelled', sequence: 1 }) });

    // Act
    const response = await invoke(page({ token: tokenFor() }, 'application/json'));

    // Assess
    expect(response.statusCode).toBe(410);
    expect(json(response).type).toBe('urn:kindred:problem:meeting-cancelled');
  });

  it('reads the meeting and the match consistently', async () => {
    // Act
    await invoke(page({ token: tokenFor() }));

    // Assess
    const reads = ddb.commandCalls(GetCommand).map((c) => c.args[0].input);
    expect(reads).toContainEqual(expect.objectContaining({ Key: meetingKey, ConsistentRead: true }));
    expect(reads).toContainEqual(expect.objectContaining({ Key: matchKey, ConsistentRead: true }));
  });
});

describe('log-meeting: the button press', () => {
  it('records "we met" and its MeetingLogged in one conditional write, and thanks the person', async () => {
    // Act
    const response = await invoke(press({ token: tokenFor(), status: 'held' }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<title>Thank you: we have recorded that you met</title>');
    const all = transactions();
    expect(all).toHaveLength(1);
    const [update, outbox] = all[0] ?? [];
    expect(update?.Update).toMatchObject({
      TableName: 'kindred-test',
      Key: meetingKey,
      ConditionExpression: '#status = :planned',
      ExpressionAttributeValues: {
        ':status': 'held',
        ':planned': 'planned',
        ':by': mentee.participantId,
        ':at': CLICKED.toISOString(),
      },
    });
    expect(outbox?.Put?.Item).toMatchObject({ sk: 'EVENT', detailType: 'MeetingLogged' });
    expect(JSON.parse(outbox?.Put?.Item?.detail)).toEqual({
      version: 1,
      orgId: ORG_ID,
      occurredAt: CLICKED.toISOString(),
      meetingId: MEETING_ID,
      matchId: MATCH_ID,
      participantId: mentee.participantId,
      status: 'held',
    });
  });

  it('records "we skipped" for a JSON client and answers with JSON', async () => {
    // Act
    const response = await invoke(
      postJson({ token: tokenFor({ who: mentor.participantId }), status: 'skipped' }),
    );

    // Assess
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({ meetingId: MEETING_ID, matchId: MATCH_ID, status: 'skipped' });
    const [update, outbox] = transactions()[0] ?? [];
    expect(update?.Update?.ExpressionAttributeValues).toMatchObject({
      ':status': 'skipped',
      ':by': mentor.participantId,
    });
    expect(JSON.parse(outbox?.Put?.Item?.detail)).toMatchObject({
      participantId: mentor.participantId,
      status: 'skipped',
    });
  });

  it('thanks a person who skipped without making them feel bad', async () => {
    // Act
    const response = await invoke(press({ token: tokenFor(), status: 'skipped' }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<title>Thank you for letting us know</title>');
    expect(response.body).toContain('we will remind you before the next one.');
  });

  it('accepts a press exactly two hours before the start', async () => {
    // Act
    const response = await invoke(
      postJson({ token: tokenFor(), status: 'held' }, new Date('2025-03-18T16:00:00.000Z')),
    );

    // Assess
    expect(response.statusCode).toBe(200);
    expect(transactions()).toHaveLength(1);
  });

  it('refuses a press earlier than that with 409 and records nothing', async () => {
    // Act
    const response = await invoke(
      postJson({ token: tokenFor(), status: 'held' }, new Date('2025-03-18T15:59:00.000Z')),
    );

    // Assess
    expect(response.statusCode).toBe(409);
    expect(json(response).title).toBe('This meeting has not happened yet');
    expect(writes()).toEqual([]);
  });

  it('answers a reused link (the meeting is already recorded) with 410 and writes nothing', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: meetingKey }).resolves({
      Item: meeting({ status: 'held', loggedBy: mentee.participantId, loggedAt: CLICKED.toISOString() }),
    });

    // Act
    const response = await invoke(press({ token: tokenFor(), status: 'skipped' }));

    // Assess
    expect(response.statusCode).toBe(410);
    expect(response.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain('This meeting has already been recorded');
    expect(response.body).toContain('You already told us that you met. Nothing was changed.');
    expect(writes()).toEqual([]);
  });

  it('answers 410 saying what the other person recorded when their press won the race', async () => {
    // Prepare: read as planned; the write finds it logged; read again, the mentor said they skipped.
    ddb
      .on(GetCommand, { Key: meetingKey })
      .resolvesOnce({ Item: meeting() })
      .resolves({ Item: meeting({ status: 'skipped', loggedBy: mentor.participantId }) });
    ddb.on(TransactWriteCommand).rejects(conditionFailed());

    // Act
    const response = await invoke(postJson({ token: tokenFor(), status: 'held' }));

    // Assess
    expect(response.statusCode).toBe(410);
    expect(json(response)).toMatchObject({
      type: 'urn:kindred:problem:meeting-already-logged',
      detail: expect.stringContaining('Your mentor already told us that you skipped this meeting.'),
    });
    expect(transactions()).toHaveLength(1);
  });

  it('answers 410 and records nothing for a planned meeting of a match that has ended', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: matchKey }).resolves({ Item: match({ status: 'ended' }) });

    // Act
    const response = await invoke(postJson({ token: tokenFor(), status: 'held' }));

    // Assess
    expect(response.statusCode).toBe(410);
    expect(json(response).type).toBe('urn:kindred:problem:match-ended');
    expect(writes()).toEqual([]);
  });

  it('answers 410 and records nothing for a cancelled meeting', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: meetingKey }).resolves({ Item: meeting({ status: 'cancelled' }) });

    // Act
    const response = await invoke(postJson({ token: tokenFor(), status: 'held' }));

    // Assess
    expect(response.statusCode).toBe(410);
    expect(writes()).toEqual([]);
  });

  it('refuses a status other than held or skipped with 422, reading nothing', async () => {
    // Act
    const response = await invoke(postJson({ token: tokenFor(), status: 'cancelled' }));

    // Assess
    expect(response.statusCode).toBe(422);
    expect(json(response).errors).toEqual([{ pointer: '/status', detail: 'held or skipped' }]);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('names each bad field of the body', async () => {
    // Act
    const response = await invoke(postJson({ token: '', isAdmin: true }));

    // Assess
    expect(response.statusCode).toBe(422);
    expect(json(response).errors).toEqual([
      { pointer: '/token', detail: expect.any(String) },
      { pointer: '/status', detail: 'held or skipped' },
      { pointer: '/isAdmin', detail: 'Unknown field' },
    ]);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses a forged token with 400, reading and writing nothing', async () => {
    // Act
    const response = await invoke(press({ token: tokenFor({ secret: 'guessed-secret' }), status: 'held' }));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('This link is not valid');
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses an expired token with 410, writing nothing', async () => {
    // Act
    const response = await invoke(
      postJson({
        token: tokenFor({ issued: new Date(CLICKED.getTime() - 2 * 86_400_000), ttl: 86_400 }),
        status: 'held',
      }),
    );

    // Assess
    expect(response.statusCode).toBe(410);
    expect(json(response).type).toBe('urn:kindred:problem:link-expired');
    expect(ddb.calls()).toHaveLength(0);
  });

  it('answers 404 to someone outside the pair, writing nothing', async () => {
    // Prepare
    const strangerId = 'd4c3b2a1-0000-4000-8000-000000000001';
    const Key = participantKey(strangerId);
    ddb.on(GetCommand, { Key }).resolves({ Item: { ...Key, ...participant({ participantId: strangerId }) } });

    // Act
    const response = await invoke(postJson({ token: tokenFor({ who: strangerId }), status: 'held' }));

    // Assess
    expect(response.statusCode).toBe(404);
    expect(writes()).toEqual([]);
  });
});

describe('log-meeting logging, at DEBUG level', () => {
  /** Both people's addresses, local parts and names, as whole words. */
  const personal = [
    'priya.shah@example.org',
    'sam.okoro@example.org',
    'priya.shah',
    'sam.okoro',
    'priya',
    'shah',
    'sam',
    'okoro',
  ].map((value) => new RegExp(`(^|[^a-z0-9])${value.replace(/\./g, '\\.')}([^a-z0-9]|$)`, 'i'));

  it('writes ids and outcomes, never a name, an address or a token', async () => {
    // Act: a page, a press, a reused link and a forged one.
    await invoke(page({ token: tokenFor(), status: 'held' }));
    await invoke(press({ token: tokenFor(), status: 'held' }));
    ddb.on(GetCommand, { Key: meetingKey }).resolves({
      Item: meeting({ status: 'held', loggedBy: mentee.participantId }),
    });
    await invoke(press({ token: tokenFor(), status: 'held' }));
    await invoke(press({ token: tokenFor({ secret: 'guessed-secret' }), status: 'held' }));

    // Assess
    const lines = logLines();
    const logged = lines.filter((l) => l.includes('"meeting logged"'));
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0] ?? '')).toMatchObject({
      orgId: ORG_ID,
      meetingId: MEETING_ID,
      matchId: MATCH_ID,
      participantId: mentee.participantId,
      status: 'held',
    });
    expect(lines.filter((l) => l.includes('"request refused"'))).toHaveLength(2);
    const token = tokenFor();
    for (const line of lines) {
      expect(() => JSON.parse(line), line).not.toThrow();
      for (const pattern of personal) expect(line, line).not.toMatch(pattern);
      expect(line).not.toContain(token.split('.')[1]);
      expect(line).not.toMatch(/token=/);
    }
  });
});

describe('log-meeting: the meeting’s invite from "Add it to your calendar"', () => {
  const download = (token: string, now = REMINDED) =>
    invoke(
      httpEvent({
        method: 'GET',
        routeKey: 'GET /v1/meetings/invite.ics',
        path: '/v1/meetings/invite.ics',
        query: { token },
        headers: { accept: HTML },
        now,
      }),
    );

  it('answers the invite as it stands: its time, and the UID and SEQUENCE the emailed one had', async () => {
    ddb.on(GetCommand, { Key: meetingKey }).resolves({ Item: meeting({ sequence: 2 }) });

    const response = await download(tokenFor());

    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toBe('text/calendar; charset=utf-8; method=REQUEST');
    expect(response.headers?.['content-disposition']).toBe('attachment; filename="meeting.ics"');
    const [, properties = []] = ICAL.parse(String(response.body)) as [
      string,
      [string, unknown, string, string][],
    ];
    expect(properties.find(([name]) => name === 'method')?.[3]).toBe('REQUEST');
    const event = new ICAL.Component(ICAL.parse(String(response.body))).getFirstSubcomponent('vevent');
    expect(event?.getFirstPropertyValue('uid')).toBe(`${MEETING_ID}@kindred`);
    expect(event?.getFirstPropertyValue('sequence')).toBe(2);
    const start = event?.getFirstPropertyValue('dtstart') as ICAL.Time | undefined;
    expect(start?.toJSDate().toISOString()).toBe(STARTS_AT);
    expect(writes()).toStrictEqual([]);
  });

  it('answers 410 once the meeting was logged, and 400 for a forged link, changing nothing', async () => {
    ddb.on(GetCommand, { Key: meetingKey }).resolves({ Item: meeting({ status: 'held' }) });

    const logged = await download(tokenFor());
    const forged = await download(tokenFor({ secret: 'not-the-secret' }));

    expect(logged.statusCode).toBe(410);
    expect(forged.statusCode).toBe(400);
    expect(writes()).toStrictEqual([]);
  });
});
