import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/give-feedback/handler';
import { issueToken, verifyToken } from '../../shared/adapters/tokens';
import type { StoredMeeting } from '../../shared/data/meetings';
import type { RatingRecord } from '../../shared/domain/feedback';
import {
  FEEDBACK_LINK_TTL_SECONDS,
  FEEDBACK_PURPOSE,
  LOG_MEETING_PURPOSE,
  linkSubject,
  REMATCH_PURPOSE,
} from '../../shared/domain/links';
import type { Match } from '../../shared/domain/match';
import { ORG_ID, organisation, participant } from '../fixtures/domain';
import { httpEvent, lambdaContext } from '../helpers/events';
import { captureOutput } from '../helpers/output';
import { mockSecrets, TEST_SECRET } from '../helpers/secrets';

// DEBUG, so the logging tests see every line the function can write (the level is read at module load).
vi.hoisted(() => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
});
afterAll(() => {
  vi.unstubAllEnvs();
});

const ddb = mockClient(DynamoDBDocumentClient);
const { secrets, serve } = mockSecrets();

const MATCH_ID = 'c0ffee00-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
const MEETING_1 = `${MATCH_ID}-1`;
const MEETING_2 = `${MATCH_ID}-2`;
/** Meeting 2: Tuesday 1 April 2025, 18:00 in London (BST, 17:00 UTC), 13:00 in New York (EDT). */
const STARTS_AT = '2025-04-01T17:00:00.000Z';
const LOGGED = new Date('2025-04-01T18:30:00.000Z');
const CLICKED = new Date('2025-04-01T20:00:00.000Z');
const CRISIS_HELP = 'Call the Riverside line on 0100 000 0000, or Samaritans on 116 123.';
const CONTACTS = {
  crisisHelp: CRISIS_HELP,
  contacts: { coordinator: 'coordinator@riverside.example', safeguarding: 'safeguarding@riverside.example' },
};
const COMMENT = 'We keep talking past each other about my goals.';
const CRISIS_COMMENT = 'Honestly some days I just want to end it all.';

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
const meetingKey = (meetingId: string) => ({ pk, sk: `MEETING#${meetingId}` });
const participantKey = (id: string) => ({ pk, sk: `PARTICIPANT#${id}` });
const feedbackKey = (meetingId: string, who = mentee.participantId) => ({
  pk,
  sk: `FEEDBACK#${MATCH_ID}#${who}#MEETING#${meetingId}`,
});
const historyKey = (who = mentee.participantId) => ({ pk, sk: `FEEDBACK#${MATCH_ID}#${who}#HISTORY` });

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

const meeting = (meetingId: string, overrides: Partial<StoredMeeting> = {}) => ({
  ...meetingKey(meetingId),
  orgId: ORG_ID,
  meetingId,
  matchId: MATCH_ID,
  programId: 'youth-mentoring',
  seq: Number(meetingId.split('-').pop()),
  startsAt: meetingId === MEETING_2 ? STARTS_AT : '2025-03-18T18:00:00.000Z',
  durationMinutes: 60,
  sequence: 0,
  status: 'held',
  loggedBy: mentor.participantId,
  loggedAt: LOGGED.toISOString(),
  ...overrides,
});

const history = (ratings: RatingRecord[], version = ratings.length) => ({
  Item: { ...historyKey(), ratings, version },
});

const tokenFor = (
  options: {
    who?: string;
    meetingId?: string;
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
      purpose: options.purpose ?? FEEDBACK_PURPOSE,
      orgId: ORG_ID,
      subject:
        options.subject ?? linkSubject(options.meetingId ?? MEETING_2, options.who ?? mentee.participantId),
    },
    options.issued ?? LOGGED,
    options.ttl ?? FEEDBACK_LINK_TTL_SECONDS,
  );

const HTML = 'text/html,application/xhtml+xml;q=0.9';
const PATH = '/v1/feedback';

const page = (query: Record<string, string> | undefined, accept = HTML) =>
  httpEvent({
    method: 'GET',
    routeKey: `GET ${PATH}`,
    path: PATH,
    ...(query ? { query } : {}),
    headers: { accept },
    now: CLICKED,
  });

const press = (fields: Record<string, string>) =>
  httpEvent({
    method: 'POST',
    routeKey: `POST ${PATH}`,
    path: PATH,
    headers: { accept: HTML, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    now: CLICKED,
  });

const postJson = (body: unknown) =>
  httpEvent({
    method: 'POST',
    routeKey: `POST ${PATH}`,
    path: PATH,
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body,
    now: CLICKED,
  });

const invoke = async (event: ReturnType<typeof httpEvent>) =>
  (await handler(event, lambdaContext('kindred-test-give-feedback'))) as APIGatewayProxyStructuredResultV2;

const json = (response: APIGatewayProxyStructuredResultV2) => JSON.parse(response.body ?? '');

const transactions = () =>
  ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);

/** Every command the function sent that could change the table. */
const writes = () => ddb.calls().filter((call) => !(call.args[0] instanceof GetCommand));

/** The events a transaction stores in the outbox, as the relay would publish them. */
const outboxOf = (items: ReturnType<typeof transactions>[number]) =>
  items
    .map((item) => item.Put?.Item)
    .filter((item) => String(item?.pk).startsWith('OUTBOX#'))
    .map((item) => ({ detailType: item?.detailType as string, detail: JSON.parse(String(item?.detail)) }));

const cancelled = (codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

let output: string[];
const logLines = () => output.join('').split('\n').filter(Boolean);

beforeEach(() => {
  ddb.reset();
  secrets.reset();
  serve();
  ddb.on(GetCommand).resolves({});
  ddb.on(GetCommand, { Key: orgKey }).resolves({ Item: { ...orgKey, ...organisation, ...CONTACTS } });
  ddb.on(GetCommand, { Key: matchKey }).resolves({ Item: match() });
  ddb.on(GetCommand, { Key: meetingKey(MEETING_1) }).resolves({ Item: meeting(MEETING_1) });
  ddb.on(GetCommand, { Key: meetingKey(MEETING_2) }).resolves({ Item: meeting(MEETING_2) });
  for (const person of [mentor, mentee]) {
    const Key = participantKey(person.participantId);
    ddb.on(GetCommand, { Key }).resolves({ Item: { ...Key, ...person } });
  }
  ddb.on(TransactWriteCommand).resolves({});

  output = captureOutput();
});

describe('give-feedback: the page a rating link opens', () => {
  it('asks to confirm the rating clicked (preselected), offers a comment box, and writes nothing', async () => {
    // Act
    const response = await invoke(page({ token: tokenFor(), rating: '2' }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-robots-tag': 'noindex',
    });
    const html = response.body ?? '';
    expect(html).toContain('<title>How was your meeting with Priya?</title>');
    // Sam reads it in New York.
    expect(html).toContain('Your meeting on Tuesday 1 April, 13:00 (America/New York).');
    expect(html).toContain(`<form method="post" action="${PATH}">`);
    expect(html).toContain(`<input type="hidden" name="token" value="${tokenFor()}">`);
    expect(html).toContain('name="rating" value="2" required checked>');
    expect(html.match(/ checked>/g)).toHaveLength(1);
    expect(html).toContain('<textarea id="comment" name="comment" maxlength="2000"');
    expect(html).toContain('go to the program team at Riverside Mentors, not to Priya');
    expect(html).toContain(CRISIS_HELP);
    expect(html).toContain('background:#116644');
    expect(writes()).toEqual([]);
  });

  it('preselects nothing when the link names no rating, and ignores tracking parameters', async () => {
    // Act
    const response = await invoke(page({ token: tokenFor(), utm_source: 'mail' }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).not.toContain(' checked>');
  });

  it('refuses a rating outside 1–5 in the link with 400 naming it, reading nothing', async () => {
    // Act
    const response = await invoke(page({ token: tokenFor(), rating: '7' }, 'application/json'));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(json(response)).toMatchObject({
      type: 'urn:kindred:problem:invalid-query',
      errors: [{ pointer: '/rating', detail: 'a whole number from 1 to 5' }],
    });
    expect(ddb.calls()).toHaveLength(0);
  });

  it('answers a link whose meeting the person already rated with a 410 page', async () => {
    // Prepare
    ddb
      .on(GetCommand, { Key: feedbackKey(MEETING_2) })
      .resolves({ Item: { ...feedbackKey(MEETING_2), rating: 4 } });

    // Act
    const response = await invoke(page({ token: tokenFor(), rating: '5' }));

    // Assess
    expect(response.statusCode).toBe(410);
    expect(response.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain('<title>You have already rated this meeting</title>');
    expect(writes()).toEqual([]);
  });
});

describe('give-feedback: recording a rating', () => {
  it('records the rating and comment once, with FeedbackGiven carrying only that there is a comment', async () => {
    // Act
    const response = await invoke(press({ token: tokenFor(), rating: '4', comment: `  ${COMMENT}\n` }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<h1>Thank you: your rating is recorded</h1>');
    expect(response.body).toContain('Your comment goes to the program team at Riverside Mentors.');
    expect(response.body).not.toContain('If you need help now');
    expect(response.body).not.toContain('/v1/rematch');
    const [items] = transactions();
    const [feedback, hist] = items ?? [];
    expect(feedback?.Put).toMatchObject({
      Item: {
        ...feedbackKey(MEETING_2),
        matchId: MATCH_ID,
        meetingId: MEETING_2,
        participantId: mentee.participantId,
        seq: 2,
        startsAt: STARTS_AT,
        rating: 4,
        comment: COMMENT,
        concern: false,
        lowInARow: false,
        alerted: false,
        givenAt: CLICKED.toISOString(),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(hist?.Put).toMatchObject({
      Item: { ...historyKey(), ratings: [{ meetingId: MEETING_2, seq: 2, rating: 4 }], version: 1 },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    const events = outboxOf(items ?? []);
    expect(events).toEqual([
      {
        detailType: 'FeedbackGiven',
        detail: {
          version: 1,
          orgId: ORG_ID,
          occurredAt: CLICKED.toISOString(),
          feedbackId: feedback?.Put?.Item?.feedbackId,
          participantId: mentee.participantId,
          meetingId: MEETING_2,
          matchId: MATCH_ID,
          rating: 4,
          hasComment: true,
        },
      },
    ]);
  });

  it('answers an API client with JSON, and takes a rating without a comment', async () => {
    // Act
    const response = await invoke(postJson({ token: tokenFor(), rating: 5 }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({
      feedbackId: expect.any(String),
      meetingId: MEETING_2,
      matchId: MATCH_ID,
      rating: 5,
      hasComment: false,
    });
    const [items] = transactions();
    expect(items?.[0]?.Put?.Item).not.toHaveProperty('comment');
    expect(outboxOf(items ?? [])[0]?.detail.hasComment).toBe(false);
  });

  it('takes a blank comment box as no comment', async () => {
    // Act
    await invoke(press({ token: tokenFor(), rating: '3', comment: '   ' }));

    // Assess
    expect(outboxOf(transactions()[0] ?? [])[0]?.detail.hasComment).toBe(false);
  });

  it('shows the organisation’s crisis help at once for crisis language, says it is not a crisis service, and raises a safeguarding concern', async () => {
    // Act
    const response = await invoke(press({ token: tokenFor(), rating: '2', comment: CRISIS_COMMENT }));

    // Assess
    expect(response.statusCode).toBe(200);
    const html = response.body ?? '';
    expect(html).toContain('role="alert"');
    expect(html).toContain(CRISIS_HELP);
    expect(html).toContain('peer support, not a crisis service');
    // The help comes before the thanks.
    expect(html.indexOf(CRISIS_HELP)).toBeLessThan(html.indexOf('Your rating is recorded.'));
    expect(html).toContain('who look after participants’ safety, and they will get in touch with you.');
    const [items] = transactions();
    expect(items?.[0]?.Put?.Item).toMatchObject({ comment: CRISIS_COMMENT, concern: true });
    const events = outboxOf(items ?? []);
    expect(events.map((e) => e.detailType)).toEqual(['FeedbackGiven', 'SafeguardingConcernRaised']);
    expect(events[1]?.detail).toEqual({
      version: 1,
      orgId: ORG_ID,
      occurredAt: CLICKED.toISOString(),
      source: 'feedback-comment',
      participantId: mentee.participantId,
      matchId: MATCH_ID,
      programId: 'youth-mentoring',
      meetingId: MEETING_2,
      feedbackId: items?.[0]?.Put?.Item?.feedbackId,
    });
  });

  it('gives an API client the crisis help in JSON, and a generic one when the organisation has none', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: orgKey }).resolves({ Item: { ...orgKey, ...organisation } });

    // Act
    const response = await invoke(
      postJson({ token: tokenFor(), rating: 3, comment: 'I don’t feel safe at home' }),
    );

    // Assess
    expect(json(response).help).toEqual({
      crisis: expect.stringContaining('call your local emergency number'),
      notice: expect.stringContaining('peer support, not a crisis service'),
    });
  });

  it('promises no follow-up the organisation cannot give when it has no contacts', async () => {
    // Prepare
    ddb
      .on(GetCommand, { Key: orgKey })
      .resolves({ Item: { ...orgKey, ...organisation, crisisHelp: CRISIS_HELP } });
    ddb
      .on(GetCommand, { Key: historyKey() })
      .resolves(history([{ meetingId: MEETING_1, seq: 1, rating: 1 }]));

    // Act
    const response = await invoke(press({ token: tokenFor(), rating: '1', comment: CRISIS_COMMENT }));

    // Assess
    const html = response.body ?? '';
    expect(html).toContain(CRISIS_HELP);
    expect(html).toContain('Please also tell someone at Riverside Mentors, or someone you trust');
    expect(html).not.toContain('they will get in touch');
    expect(html).not.toContain('We have let the program coordinator know');
    expect(html).toContain('/v1/rematch?token=');
  });

  it('keeps the comment out of every log line and every event', async () => {
    // Act
    await invoke(press({ token: tokenFor(), rating: '1', comment: CRISIS_COMMENT }));
    await invoke(postJson({ token: tokenFor({ meetingId: MEETING_1 }), rating: 2, comment: COMMENT }));

    // Assess
    const logs = logLines().join('\n');
    expect(logs).toContain('feedback recorded');
    for (const secret of ['end it all', 'talking past', mentee.email, 'Sam', 'Priya']) {
      expect(logs).not.toContain(secret);
      for (const items of transactions()) expect(JSON.stringify(outboxOf(items))).not.toContain(secret);
    }
  });

  it('alerts the coordinator and offers a rematch on the second low rating in a row', async () => {
    // Prepare: Sam rated meeting 1 a 2.
    ddb
      .on(GetCommand, { Key: historyKey() })
      .resolves(history([{ meetingId: MEETING_1, seq: 1, rating: 2 }]));

    // Act
    const response = await invoke(press({ token: tokenFor(), rating: '1' }));

    // Assess
    expect(response.statusCode).toBe(200);
    const html = response.body ?? '';
    expect(html).toContain(
      'have not been going well. We have let the program coordinator know, so they can check in with you.',
    );
    const href = /href="([^"]*\/v1\/rematch\?token=[^"]+)"/.exec(html)?.[1] ?? '';
    const rematchToken = decodeURIComponent(
      new URL(href.replaceAll('&#38;', '&')).searchParams.get('token') ?? '',
    );
    expect(href.startsWith('https://api.kindred.test/v1/rematch?token=')).toBe(true);
    expect(verifyToken(TEST_SECRET, rematchToken, REMATCH_PURPOSE, CLICKED)).toMatchObject({
      org: ORG_ID,
      sub: linkSubject(MATCH_ID, mentee.participantId),
    });
    const [items] = transactions();
    expect(items?.[1]?.Put).toMatchObject({
      Item: {
        ratings: [
          { meetingId: MEETING_1, seq: 1, rating: 2 },
          { meetingId: MEETING_2, seq: 2, rating: 1 },
        ],
        version: 2,
      },
      ConditionExpression: '#version = :version',
      ExpressionAttributeValues: { ':version': 1 },
    });
    const events = outboxOf(items ?? []);
    expect(events.map((e) => e.detailType)).toEqual(['FeedbackGiven', 'CoordinatorAlertRaised']);
    expect(events[1]?.detail).toEqual({
      version: 1,
      orgId: ORG_ID,
      occurredAt: CLICKED.toISOString(),
      kind: 'low-ratings',
      participantId: mentee.participantId,
      matchId: MATCH_ID,
      programId: 'youth-mentoring',
      meetingIds: [MEETING_1, MEETING_2],
    });
  });

  it('offers the rematch in JSON too', async () => {
    // Prepare
    ddb
      .on(GetCommand, { Key: historyKey() })
      .resolves(history([{ meetingId: MEETING_1, seq: 1, rating: 1 }]));

    // Act
    const response = await invoke(postJson({ token: tokenFor(), rating: 2 }));

    // Assess
    expect(json(response).rematchUrl).toMatch(/^https:\/\/api\.kindred\.test\/v1\/rematch\?token=/);
  });

  it('neither alerts nor offers a rematch after one low rating, or when a good one came in between', async () => {
    // Act
    const first = await invoke(press({ token: tokenFor(), rating: '2' }));
    ddb
      .on(GetCommand, { Key: historyKey() })
      .resolves(history([{ meetingId: MEETING_1, seq: 1, rating: 4 }]));
    const afterGood = await invoke(press({ token: tokenFor(), rating: '1' }));

    // Assess
    for (const response of [first, afterGood]) expect(response.body).not.toContain('/v1/rematch');
    expect(
      transactions()
        .flatMap(outboxOf)
        .map((e) => e.detailType),
    ).toEqual(['FeedbackGiven', 'FeedbackGiven']);
  });

  it('for a match that has ended, records low ratings but neither alerts nor offers a rematch', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: matchKey }).resolves({
      Item: match({
        status: 'ended',
        ended: { at: LOGGED.toISOString(), reason: 'completed', endedBy: 'coordinator', rejoining: [] },
      }),
    });
    ddb
      .on(GetCommand, { Key: historyKey() })
      .resolves(history([{ meetingId: MEETING_1, seq: 1, rating: 2 }]));

    // Act
    const response = await invoke(press({ token: tokenFor(), rating: '1' }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).not.toContain('/v1/rematch');
    const [items] = transactions();
    expect(items?.[0]?.Put?.Item).toMatchObject({ lowInARow: true, alerted: false });
    expect(outboxOf(items ?? []).map((e) => e.detailType)).toEqual(['FeedbackGiven']);
  });

  it('assesses again when another of the person’s ratings of the match landed meanwhile', async () => {
    // Prepare: the first write finds the history moved on (meeting 1 rated low at the same moment).
    ddb
      .on(GetCommand, { Key: historyKey() })
      .resolvesOnce({})
      .resolves(history([{ meetingId: MEETING_1, seq: 1, rating: 1 }]));
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled(['None', 'ConditionalCheckFailed', 'None']))
      .resolves({});

    // Act
    const response = await invoke(postJson({ token: tokenFor(), rating: 2 }));

    // Assess
    expect(response.statusCode).toBe(200);
    const [first, second] = transactions();
    expect(outboxOf(first ?? []).map((e) => e.detailType)).toEqual(['FeedbackGiven']);
    expect(outboxOf(second ?? []).map((e) => e.detailType)).toEqual([
      'FeedbackGiven',
      'CoordinatorAlertRaised',
    ]);
    // The same feedback, assessed on the newer history.
    expect(second?.[0]?.Put?.Item?.feedbackId).toBe(first?.[0]?.Put?.Item?.feedbackId);
    expect(second?.[1]?.Put?.ExpressionAttributeValues).toEqual({ ':version': 1 });
    expect(json(response).rematchUrl).toBeDefined();
  });
});

describe('give-feedback: bad input records nothing', () => {
  it.each([
    ['a rating of 7', { rating: 7 }, '/rating'],
    ['a rating of 0', { rating: 0 }, '/rating'],
    ['a fractional rating', { rating: 4.5 }, '/rating'],
    ['no rating', {}, '/rating'],
    ['a comment over 2,000 characters', { rating: 3, comment: 'a'.repeat(2001) }, '/comment'],
    ['an unknown field', { rating: 3, isAdmin: true }, '/isAdmin'],
  ])('refuses %s with 422 naming the field', async (_, fields, pointer) => {
    // Act
    const response = await invoke(postJson({ token: tokenFor(), ...fields }));

    // Assess
    expect(response.statusCode).toBe(422);
    expect(json(response).errors.map((e: { pointer: string }) => e.pointer)).toEqual([pointer]);
    expect(writes()).toEqual([]);
  });

  it('refuses a rating of 7 from a form with a 422 page', async () => {
    // Act
    const response = await invoke(press({ token: tokenFor(), rating: '7' }));

    // Assess
    expect(response.statusCode).toBe(422);
    expect(response.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain('a whole number from 1 to 5');
    expect(writes()).toEqual([]);
  });

  it('takes a comment of 2,000 characters of any script', async () => {
    // Act
    const response = await invoke(press({ token: tokenFor(), rating: '3', comment: '😊'.repeat(2000) }));

    // Assess
    expect(response.statusCode).toBe(200);
  });

  it('refuses a forged token with 400', async () => {
    // Act
    const response = await invoke(postJson({ token: tokenFor({ secret: 'guessed-secret' }), rating: 3 }));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(json(response)).toMatchObject({
      type: 'urn:kindred:problem:invalid-link',
      errors: [{ pointer: '/token', detail: 'The token is not genuine' }],
    });
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses an altered token (another person swapped into a genuine one) with 400', async () => {
    // Prepare
    const [payload, signature] = tokenFor().split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
    claims.sub = linkSubject(MEETING_2, mentor.participantId);
    const altered = `${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;

    // Act
    const response = await invoke(postJson({ token: altered, rating: 1 }));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses a meeting-log link used as a rating link with 400', async () => {
    // Act
    const response = await invoke(postJson({ token: tokenFor({ purpose: LOG_MEETING_PURPOSE }), rating: 3 }));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses an expired link with a 410 page', async () => {
    // Act
    const response = await invoke(
      press({ token: tokenFor({ issued: new Date(CLICKED.getTime() - 31 * 86_400_000) }), rating: '3' }),
    );

    // Assess
    expect(response.statusCode).toBe(410);
    expect(response.body).toContain('<title>This link has expired</title>');
    expect(response.body).toContain('Rating links work for 30 days.');
    expect(ddb.calls()).toHaveLength(0);
  });

  it('answers a reused link with 410 "already rated", changing nothing', async () => {
    // Prepare: the conditional put of the feedback item fails: it is there already.
    ddb.on(TransactWriteCommand).rejects(cancelled(['ConditionalCheckFailed', 'None', 'None']));

    // Act
    const response = await invoke(postJson({ token: tokenFor(), rating: 3 }));

    // Assess
    expect(response.statusCode).toBe(410);
    expect(json(response)).toMatchObject({
      type: 'urn:kindred:problem:feedback-already-given',
      title: 'You have already rated this meeting',
    });
    expect(transactions()).toHaveLength(1);
  });

  it('answers 410 before writing when the feedback is already there', async () => {
    // Prepare
    ddb
      .on(GetCommand, { Key: feedbackKey(MEETING_2) })
      .resolves({ Item: { ...feedbackKey(MEETING_2), rating: 2 } });

    // Act
    const response = await invoke(postJson({ token: tokenFor(), rating: 3 }));

    // Assess
    expect(response.statusCode).toBe(410);
    expect(writes()).toEqual([]);
  });

  it.each([
    ['someone outside the pair', () => tokenFor({ who: 'd4c3b2a1-0000-4000-8000-000000000001' })],
    ['a meeting that does not exist', () => tokenFor({ meetingId: `${MATCH_ID}-9` })],
  ])('answers 404 to a genuine link for %s', async (_, token) => {
    // Prepare
    const stranger = participant({ participantId: 'd4c3b2a1-0000-4000-8000-000000000001' });
    const Key = participantKey(stranger.participantId);
    ddb.on(GetCommand, { Key }).resolves({ Item: { ...Key, ...stranger } });

    // Act
    const response = await invoke(postJson({ token: token(), rating: 3 }));

    // Assess
    expect(response.statusCode).toBe(404);
    expect(json(response).type).toBe('urn:kindred:problem:meeting-not-found');
    expect(writes()).toEqual([]);
  });

  it('answers 404 when the person behind a genuine link is gone', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: participantKey(mentee.participantId) }).resolves({});

    // Act
    const response = await invoke(postJson({ token: tokenFor(), rating: 3 }));

    // Assess
    expect(response.statusCode).toBe(404);
    expect(writes()).toEqual([]);
  });

  it('answers 409 for a meeting that was not held', async () => {
    // Prepare
    ddb
      .on(GetCommand, { Key: meetingKey(MEETING_2) })
      .resolves({ Item: meeting(MEETING_2, { status: 'skipped' }) });

    // Act
    const response = await invoke(postJson({ token: tokenFor(), rating: 3 }));

    // Assess
    expect(response.statusCode).toBe(409);
    expect(writes()).toEqual([]);
  });
});
