import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/reschedule-meeting/handler';
import { issueToken } from '../../shared/adapters/tokens';
import type { MeetingPlan, StoredMeeting } from '../../shared/data/meetings';
import { linkSubject, RESCHEDULE_PURPOSE } from '../../shared/domain/links';
import type { Match } from '../../shared/domain/match';
import { RESCHEDULE_LINK_TTL_SECONDS } from '../../shared/domain/meeting-moves';
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
const MEETING_ID = `${MATCH_ID}-2`;
/** Tuesday 18 March 2025, 18:00 in London (GMT), 14:00 in New York (EDT). */
const STARTS_AT = '2025-03-18T18:00:00.000Z';
const REMINDED = new Date('2025-03-17T18:00:00.000Z');
const CLICKED = new Date('2025-03-17T19:00:00.000Z');

/** Priya mentors from London (free 17:00–21:00 on Tuesdays), Sam is mentored from New York (13:00–17:00). */
const mentor = participant({
  participantId: 'b7e0c6a2-4d1f-4c8e-9a3b-5f6e7d8c9b0a',
  role: 'mentor',
  status: 'verified',
  email: 'Priya.Shah@Example.org',
  name: 'Priya Shah',
  timezone: 'Europe/London',
  profile: { availability: [{ day: 'tue', from: '17:00', to: '21:00' }] },
});
const mentee = participant({
  participantId: '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d',
  role: 'mentee',
  status: 'verified',
  email: 'sam.okoro@example.org',
  name: 'Sam Okoro',
  timezone: 'America/New_York',
  profile: { availability: [{ day: 'tue', from: '13:00', to: '17:00' }] },
});

const pk = `ORG#${ORG_ID}`;
const orgKey = { pk, sk: 'ORG' };
const matchKey = { pk, sk: `MATCH#${MATCH_ID}` };
const meetingKey = { pk, sk: `MEETING#${MEETING_ID}` };
const participantKey = (id: string) => ({ pk, sk: `PARTICIPANT#${id}` });

const plan = (cadence: MeetingPlan['cadence']): MeetingPlan => ({
  slot: { weekday: 2, time: '14:00', timezone: 'America/New_York', durationMinutes: 60 },
  cadence,
  reminderLeadHours: 24,
});

const match = (overrides: Partial<Match> & { plan?: MeetingPlan } = {}) => ({
  ...matchKey,
  orgId: ORG_ID,
  matchId: MATCH_ID,
  programId: 'youth-mentoring',
  mentorId: mentor.participantId,
  menteeId: mentee.participantId,
  status: 'active',
  score: 80,
  madeBy: 'rolling',
  createdAt: '2025-03-01T09:00:00.000Z',
  plan: plan('weekly'),
  lastMeetingSeq: 3,
  ...overrides,
});

/** As stored: its reminder went out, so it is off the due index. */
const meeting = (overrides: Partial<StoredMeeting> = {}) => ({
  ...meetingKey,
  orgId: ORG_ID,
  meetingId: MEETING_ID,
  matchId: MATCH_ID,
  programId: 'youth-mentoring',
  seq: 2,
  startsAt: STARTS_AT,
  durationMinutes: 60,
  sequence: 0,
  status: 'planned',
  ...overrides,
});

const tokenFor = (options: { who?: string; subject?: string; issued?: Date; secret?: string } = {}) =>
  issueToken(
    options.secret ?? TEST_SECRET,
    {
      purpose: RESCHEDULE_PURPOSE,
      orgId: ORG_ID,
      subject: options.subject ?? linkSubject(MEETING_ID, options.who ?? mentee.participantId),
    },
    options.issued ?? REMINDED,
    RESCHEDULE_LINK_TTL_SECONDS,
  );

const HTML = 'text/html,application/xhtml+xml;q=0.9';
const PATH = '/v1/meetings/reschedule';

const page = (query: Record<string, string>, accept = HTML, now = CLICKED) =>
  httpEvent({ method: 'GET', routeKey: `GET ${PATH}`, path: PATH, query, headers: { accept }, now });

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
  (await handler(
    event,
    lambdaContext('kindred-test-reschedule-meeting'),
  )) as APIGatewayProxyStructuredResultV2;

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

describe('reschedule-meeting: the page a "reschedule" link opens', () => {
  it('offers the times that suit both, in the reader’s own zone, and writes nothing', async () => {
    // Act
    const response = await invoke(page({ token: tokenFor() }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'referrer-policy': 'no-referrer',
      'x-robots-tag': 'noindex',
    });
    const html = response.body ?? '';
    expect(html).toContain('<title>Move your meeting</title>');
    expect(html).toContain(
      'Your meeting with Priya is planned for Tuesday 18 March, 14:00 (America/New York).',
    );
    expect(html).toContain(`<form method="post" action="${PATH}">`);
    expect(html).toContain(`<input type="hidden" name="token" value="${tokenFor()}">`);
    // Weekly: only until a day before the next regular meeting; its own time is not offered.
    expect(html).toContain(
      '<input type="radio" id="choice-0" name="startsAt" value="2025-03-18T17:00:00.000Z" checked> <label for="choice-0">Tuesday 18 March, 13:00 (America/New York)</label>',
    );
    expect(html).toContain(
      '<input type="radio" id="choice-1" name="startsAt" value="2025-03-18T19:00:00.000Z"> <label for="choice-1">Tuesday 18 March, 15:00 (America/New York)</label>',
    );
    expect(html).not.toContain('choice-2');
    expect(writes()).toEqual([]);
  });

  it('shows the mentor the same times in London', async () => {
    // Act
    const response = await invoke(page({ token: tokenFor({ who: mentor.participantId }) }));

    // Assess
    expect(response.body).toContain('<label for="choice-0">Tuesday 18 March, 17:00 (Europe/London)</label>');
  });

  it('says so, without a form, when no other time suits both', async () => {
    // Prepare: Sam is free only at the meeting's own time
    const Key = participantKey(mentee.participantId);
    ddb.on(GetCommand, { Key }).resolves({
      Item: { ...Key, ...mentee, profile: { availability: [{ day: 'tue', from: '14:00', to: '15:00' }] } },
    });

    // Act
    const response = await invoke(page({ token: tokenFor() }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<title>No other time fits you both soon</title>');
    expect(response.body).not.toContain('<form');
  });

  it('refuses a forged link with 400, reading nothing', async () => {
    // Act
    const response = await invoke(page({ token: tokenFor({ secret: 'guessed' }) }, 'application/json'));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(json(response).type).toBe('urn:kindred:problem:invalid-link');
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
  });

  it.each([
    [
      'recorded as held',
      { status: 'held' as const, loggedBy: mentor.participantId },
      'meeting-already-logged',
    ],
    [
      'recorded as skipped',
      { status: 'skipped' as const, loggedBy: mentee.participantId },
      'meeting-already-logged',
    ],
    ['cancelled', { status: 'cancelled' as const, sequence: 1 }, 'meeting-cancelled'],
  ])('answers a meeting %s with a 410 page, writing nothing', async (_, change, slug) => {
    // Prepare
    ddb.on(GetCommand, { Key: meetingKey }).resolves({ Item: meeting(change) });

    // Act
    const page410 = await invoke(page({ token: tokenFor() }));
    const api410 = await invoke(page({ token: tokenFor() }, 'application/json'));

    // Assess
    expect(page410.statusCode).toBe(410);
    expect(page410.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(json(api410).type).toBe(`urn:kindred:problem:${slug}`);
    expect(writes()).toEqual([]);
  });

  it('answers 404 to someone outside the pair', async () => {
    // Prepare
    const stranger = participant({ participantId: 'd4c3b2a1-0000-4000-8000-000000000001' });
    const Key = participantKey(stranger.participantId);
    ddb.on(GetCommand, { Key }).resolves({ Item: { ...Key, ...stranger } });

    // Act
    const response = await invoke(
      page({ token: tokenFor({ who: stranger.participantId }) }, 'application/json'),
    );

    // Assess
    expect(response.statusCode).toBe(404);
  });

  it('refuses a link from before the latest move with 409, naming the new time', async () => {
    // Prepare: Priya moved it an hour after the reminder went out
    ddb.on(GetCommand, { Key: meetingKey }).resolves({
      Item: meeting({
        startsAt: '2025-03-18T19:00:00.000Z',
        plannedStartsAt: STARTS_AT,
        sequence: 1,
        movedBy: mentor.participantId,
        movedAt: '2025-03-17T18:30:00.000Z',
      }),
    });

    // Act
    const response = await invoke(page({ token: tokenFor() }, 'application/json'));

    // Assess
    expect(response.statusCode).toBe(409);
    expect(json(response)).toMatchObject({
      type: 'urn:kindred:problem:meeting-moved',
      detail: expect.stringContaining('Tuesday 18 March, 15:00 (America/New York)'),
    });
  });
});

describe('reschedule-meeting: the button press', () => {
  it('moves the meeting with its MeetingRescheduled in one write conditioned on the sequence read', async () => {
    // Act: to 15:00 New York, inside the reminder lead
    const response = await invoke(press({ token: tokenFor(), startsAt: '2025-03-18T19:00:00.000Z' }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<title>Your meeting has moved</title>');
    expect(response.body).toContain('It is now on Tuesday 18 March, 15:00 (America/New York).');
    const all = transactions();
    expect(all).toHaveLength(1);
    const [update, outbox] = all[0] ?? [];
    expect(update?.Update).toMatchObject({
      Key: meetingKey,
      ConditionExpression: '#status = :plannedStatus AND #sequence = :previous',
      ExpressionAttributeValues: {
        ':startsAt': '2025-03-18T19:00:00.000Z',
        ':sequence': 1,
        ':previous': 0,
        ':planned': STARTS_AT,
        ':by': mentee.participantId,
        ':invited': true,
        // Within the lead already: the reminder is due again at once.
        ':duePk': 'DUE#2025-03-17T19',
        ':dueSk': `2025-03-17T19:00:00.000Z#meeting-due#${ORG_ID}#${MEETING_ID}`,
      },
    });
    expect(update?.Update?.UpdateExpression).toContain(
      'plannedStartsAt = if_not_exists(plannedStartsAt, :planned)',
    );
    expect(JSON.parse(outbox?.Put?.Item?.detail)).toEqual({
      version: 1,
      orgId: ORG_ID,
      occurredAt: CLICKED.toISOString(),
      meetingId: MEETING_ID,
      matchId: MATCH_ID,
      participantId: mentee.participantId,
      startsAt: '2025-03-18T19:00:00.000Z',
      previousStartsAt: STARTS_AT,
      sequence: 1,
    });
  });

  it('puts the reminder back at the lead before a time further ahead, and answers a JSON client in JSON', async () => {
    // Prepare: every two weeks, so the week after is on offer
    ddb.on(GetCommand, { Key: matchKey }).resolves({ Item: match({ plan: plan('biweekly') }) });

    // Act
    const response = await invoke(
      postJson({ token: tokenFor({ who: mentor.participantId }), startsAt: '2025-03-25T17:00:00.000Z' }),
    );

    // Assess
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({
      meetingId: MEETING_ID,
      matchId: MATCH_ID,
      startsAt: '2025-03-25T17:00:00.000Z',
      sequence: 1,
    });
    const [update] = transactions()[0] ?? [];
    expect(update?.Update?.ExpressionAttributeValues).toMatchObject({
      ':by': mentor.participantId,
      ':duePk': 'DUE#2025-03-24T17',
    });
  });

  it('refuses a time that was not offered with 422 naming it, writing nothing', async () => {
    // Act: 21:00 London is past sociable hours for Priya
    const response = await invoke(postJson({ token: tokenFor(), startsAt: '2025-03-18T21:00:00.000Z' }));

    // Assess
    expect(response.statusCode).toBe(422);
    expect(json(response)).toMatchObject({
      type: 'urn:kindred:problem:time-not-offered',
      errors: [{ pointer: '/startsAt' }],
    });
    expect(writes()).toEqual([]);
  });

  it('refuses a time that is not a time with 422 naming it, reading nothing', async () => {
    // Act
    const response = await invoke(postJson({ token: tokenFor(), startsAt: 'next tuesday' }));

    // Assess
    expect(response.statusCode).toBe(422);
    expect(json(response).errors).toEqual([
      { pointer: '/startsAt', detail: 'a time as an ISO 8601 instant' },
    ]);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('answers the loser of two moves at once with 409, saying where the winner moved it', async () => {
    // Prepare: Priya's move lands between this read and this write
    ddb
      .on(GetCommand, { Key: meetingKey })
      .resolvesOnce({ Item: meeting() })
      .resolves({
        Item: meeting({
          startsAt: '2025-03-18T17:00:00.000Z',
          sequence: 1,
          movedBy: mentor.participantId,
          movedAt: '2025-03-17T18:59:59.000Z',
        }),
      });
    ddb.on(TransactWriteCommand).rejects(conditionFailed());

    // Act
    const response = await invoke(postJson({ token: tokenFor(), startsAt: '2025-03-18T19:00:00.000Z' }));

    // Assess
    expect(response.statusCode).toBe(409);
    expect(json(response)).toMatchObject({
      type: 'urn:kindred:problem:meeting-moved',
      detail: expect.stringContaining('Tuesday 18 March, 13:00 (America/New York)'),
    });
  });

  it('answers 410 when the meeting was recorded while the person chose', async () => {
    // Prepare
    ddb
      .on(GetCommand, { Key: meetingKey })
      .resolvesOnce({ Item: meeting() })
      .resolves({ Item: meeting({ status: 'skipped', loggedBy: mentor.participantId }) });
    ddb.on(TransactWriteCommand).rejects(conditionFailed());

    // Act
    const response = await invoke(postJson({ token: tokenFor(), startsAt: '2025-03-18T19:00:00.000Z' }));

    // Assess
    expect(response.statusCode).toBe(410);
    expect(json(response).type).toBe('urn:kindred:problem:meeting-already-logged');
  });

  it('logs ids only: no names, addresses or times chosen', async () => {
    // Act
    await invoke(press({ token: tokenFor(), startsAt: '2025-03-18T19:00:00.000Z' }));

    // Assess
    const logged = output.join('');
    expect(logged).toContain('meeting moved');
    for (const secret of [mentee.email, mentor.email, mentee.name, mentor.name, 'Sam', 'Priya', tokenFor()])
      expect(logged).not.toContain(secret);
  });
});
