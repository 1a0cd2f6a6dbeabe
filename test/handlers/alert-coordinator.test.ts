import { createHash } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/alert-coordinator/handler';
import { emailPseudonym } from '../../shared/adapters/email-hash';
import type { Feedback } from '../../shared/domain/feedback';
import type { Organisation } from '../../shared/domain/organisation';
import type { EventDetail } from '../../shared/events/catalogue';
import { ORG_ID, organisation, participant } from '../fixtures/domain';
import { eventBridgeEvent, lambdaContext } from '../helpers/events';
import { captureOutput } from '../helpers/output';
import { mockSecrets, TEST_SECRET } from '../helpers/secrets';

vi.hoisted(() => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
});
afterAll(() => {
  vi.unstubAllEnvs();
});

const documents = mockClient(DynamoDBDocumentClient);
const dynamodb = mockClient(DynamoDBClient);
const ses = mockClient(SESv2Client);
const { secrets, serve } = mockSecrets();

const MATCH_ID = 'c0ffee00-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
const MEETING_1 = `${MATCH_ID}-1`;
const MEETING_2 = `${MATCH_ID}-2`;
const RAISED_AT = '2025-04-01T20:00:00.000Z';
const COORDINATOR = 'coordinator@riverside.example';
const SAFEGUARDING = 'safeguarding@riverside.example';
const CRISIS_HELP = 'Call the Riverside line on 0100 000 0000, or Samaritans on 116 123.';
const LOW_COMMENT = 'We keep talking past each other about my goals.';
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
const participantKey = (id: string) => ({ pk, sk: `PARTICIPANT#${id}` });
const feedbackKey = (meetingId: string) => ({
  pk,
  sk: `FEEDBACK#${MATCH_ID}#${mentee.participantId}#MEETING#${meetingId}`,
});

const org = (overrides: Partial<Organisation> = {}) => ({
  ...orgKey,
  ...organisation,
  contacts: { coordinator: COORDINATOR, safeguarding: SAFEGUARDING },
  crisisHelp: CRISIS_HELP,
  ...overrides,
});

const feedback = (meetingId: string, seq: number, rating: number, comment?: string) =>
  ({
    ...feedbackKey(meetingId),
    orgId: ORG_ID,
    feedbackId: `f0000000-0000-4000-8000-00000000000${seq}`,
    matchId: MATCH_ID,
    programId: 'youth-mentoring',
    meetingId,
    participantId: mentee.participantId,
    seq,
    startsAt: seq === 1 ? '2025-03-18T18:00:00.000Z' : '2025-04-01T17:00:00.000Z',
    rating,
    ...(comment ? { comment } : {}),
    concern: comment === CRISIS_COMMENT,
    lowInARow: seq === 2,
    alerted: seq === 2,
    givenAt: RAISED_AT,
  }) satisfies Feedback & { pk: string; sk: string };

const lowRatings = () =>
  eventBridgeEvent('CoordinatorAlertRaised', {
    version: 1,
    orgId: ORG_ID,
    occurredAt: RAISED_AT,
    kind: 'low-ratings',
    participantId: mentee.participantId,
    matchId: MATCH_ID,
    programId: 'youth-mentoring',
    meetingIds: [MEETING_1, MEETING_2],
  } satisfies EventDetail<'CoordinatorAlertRaised'>);

const concern = () =>
  eventBridgeEvent('SafeguardingConcernRaised', {
    version: 1,
    orgId: ORG_ID,
    occurredAt: RAISED_AT,
    source: 'feedback-comment',
    participantId: mentee.participantId,
    matchId: MATCH_ID,
    programId: 'youth-mentoring',
    meetingId: MEETING_2,
    feedbackId: 'f0000000-0000-4000-8000-000000000002',
  } satisfies EventDetail<'SafeguardingConcernRaised'>);

const invoke = (event: unknown) =>
  (handler as unknown as (e: unknown, c: ReturnType<typeof lambdaContext>) => Promise<unknown>)(
    event,
    lambdaContext('kindred-test-alert-coordinator'),
  );

const idempotencySk = (fact: string) =>
  `email#${createHash('md5').update(JSON.stringify(fact)).digest('base64')}`;

const sentEmails = () => ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
const textOf = (email: SendEmailCommandInput | undefined) => email?.Content?.Simple?.Body?.Text?.Data ?? '';
const htmlOf = (email: SendEmailCommandInput | undefined) => email?.Content?.Simple?.Body?.Html?.Data ?? '';
const subjectOf = (email: SendEmailCommandInput | undefined) => email?.Content?.Simple?.Subject?.Data;
const toOf = (email: SendEmailCommandInput | undefined) => email?.Destination?.ToAddresses?.[0];

let records: Map<string, Record<string, unknown>>;
let output: string[];
const logLines = () => output.join('').split('\n').filter(Boolean);

beforeEach(() => {
  documents.reset();
  dynamodb.reset();
  ses.reset();
  secrets.reset();
  serve();

  documents.on(GetCommand).resolves({});
  documents.on(GetCommand, { Key: orgKey }).resolves({ Item: org() });
  documents.on(GetCommand, { Key: matchKey }).resolves({
    Item: {
      ...matchKey,
      orgId: ORG_ID,
      matchId: MATCH_ID,
      programId: 'youth-mentoring',
      mentorId: mentor.participantId,
      menteeId: mentee.participantId,
      status: 'active',
    },
  });
  for (const person of [mentor, mentee]) {
    const Key = participantKey(person.participantId);
    documents.on(GetCommand, { Key }).resolves({ Item: { ...Key, ...person } });
  }
  documents.on(GetCommand, { Key: feedbackKey(MEETING_1) }).resolves({ Item: feedback(MEETING_1, 1, 2) });
  documents
    .on(GetCommand, { Key: feedbackKey(MEETING_2) })
    .resolves({ Item: feedback(MEETING_2, 2, 1, LOW_COMMENT) });

  records = new Map();
  dynamodb.on(PutItemCommand).callsFake((input) => {
    const item = unmarshall(input.Item);
    const existing = records.get(item.sk);
    if (existing) {
      throw new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: marshall(existing),
      });
    }
    records.set(item.sk, item);
    return {};
  });
  dynamodb.on(UpdateItemCommand).callsFake((input) => {
    const { sk } = unmarshall(input.Key);
    const values = unmarshall(input.ExpressionAttributeValues);
    records.set(sk, { ...records.get(sk), status: values[':status'], data: values[':response_data'] });
    return {};
  });
  dynamodb.on(DeleteItemCommand).callsFake((input) => {
    records.delete(unmarshall(input.Key).sk);
    return {};
  });
  let sent = 0;
  ses.on(SendEmailCommand).callsFake(() => ({ MessageId: `ses-message-${++sent}` }));

  output = captureOutput();
});

describe('alert-coordinator: two low ratings in a row', () => {
  it('emails the program coordinator who, which ratings and what they said, with no links', async () => {
    // Act
    await invoke(lowRatings());

    // Assess
    const [email] = sentEmails();
    expect(sentEmails()).toHaveLength(1);
    expect(toOf(email)).toBe(COORDINATOR);
    expect(subjectOf(email)).toBe('Two low ratings in a row in Youth mentoring: please check in');
    const text = textOf(email);
    expect(text).toContain('Sam Okoro has rated their last two meetings with Priya Shah in Youth mentoring');
    expect(text).toContain('Sam Okoro (mentee), sam.okoro@example.org');
    // Oldest first, in Sam's zone.
    expect(text).toContain('- Tuesday 18 March, 14:00 (America/New York): 2 out of 5, no comment');
    expect(text).toContain(
      `- Tuesday 1 April, 13:00 (America/New York): 1 out of 5. Their comment: “${LOW_COMMENT}”`,
    );
    expect(text).toContain(`match ${MATCH_ID}`);
    expect(text).not.toMatch(/https?:\/\//);
    expect(htmlOf(email)).toContain('Riverside Mentors');
  });

  it('sends it once however often the alert is delivered', async () => {
    // Act
    await invoke(lowRatings());
    await invoke(lowRatings());
    await invoke(lowRatings());

    // Assess
    expect(sentEmails()).toHaveLength(1);
    expect([...records.keys()]).toEqual([
      idempotencySk(
        `CoordinatorAlertRaised:low-ratings:${MATCH_ID}:${mentee.participantId}:${MEETING_1}+${MEETING_2}:low-ratings-alert:v1`,
      ),
    ]);
  });

  it('sends nothing, and says so in an error log, when the organisation has no coordinator', async () => {
    // Prepare
    documents
      .on(GetCommand, { Key: orgKey })
      .resolves({ Item: org({ contacts: { safeguarding: SAFEGUARDING } }) });

    // Act
    await invoke(lowRatings());

    // Assess
    expect(ses.calls()).toHaveLength(0);
    expect(logLines().some((line) => line.includes('nobody to alert') && line.includes('"ERROR"'))).toBe(
      true,
    );
  });
});

describe('alert-coordinator: a drifting pair', () => {
  const drifting = () =>
    eventBridgeEvent('CoordinatorAlertRaised', {
      version: 1,
      orgId: ORG_ID,
      occurredAt: RAISED_AT,
      kind: 'drifting-pair',
      participantId: mentor.participantId,
      matchId: MATCH_ID,
      programId: 'youth-mentoring',
    } satisfies EventDetail<'CoordinatorAlertRaised'>);

  it('emails the coordinator naming both of the pair, once however often it is delivered', async () => {
    // Act
    await invoke(drifting());
    await invoke(drifting());

    // Assess
    const [email] = sentEmails();
    expect(sentEmails()).toHaveLength(1);
    expect(toOf(email)).toBe(COORDINATOR);
    expect(subjectOf(email)).toBe('A mentoring pair in Youth mentoring may have drifted apart');
    const text = textOf(email);
    expect(text).toContain('Priya Shah (mentor), Priya.Shah@Example.org');
    expect(text).toContain('Sam Okoro (mentee), sam.okoro@example.org');
    expect(text).toContain('gets no new mentees until they confirm');
    expect(text).not.toMatch(/https?:\/\//);
    expect([...records.keys()]).toEqual([
      idempotencySk(
        `CoordinatorAlertRaised:drifting-pair:${MATCH_ID}:${mentor.participantId}:${RAISED_AT}:drifting-pair-alert:v1`,
      ),
    ]);
  });
});

describe('alert-coordinator: a safeguarding concern', () => {
  beforeEach(() => {
    documents
      .on(GetCommand, { Key: feedbackKey(MEETING_2) })
      .resolves({ Item: feedback(MEETING_2, 2, 1, CRISIS_COMMENT) });
  });

  it('emails the safeguarding contact urgently, with the words and what the person was shown', async () => {
    // Act
    await invoke(concern());

    // Assess
    const [email] = sentEmails();
    expect(sentEmails()).toHaveLength(1);
    expect(toOf(email)).toBe(SAFEGUARDING);
    expect(subjectOf(email)).toBe('Urgent: a safeguarding concern in Youth mentoring');
    expect(email?.Content?.Simple?.Headers).toEqual(
      expect.arrayContaining([
        { Name: 'Importance', Value: 'high' },
        { Name: 'X-Priority', Value: '1 (Highest)' },
      ]),
    );
    const text = textOf(email);
    expect(text).toContain(CRISIS_COMMENT);
    expect(text).toContain('Sam Okoro (mentee), sam.okoro@example.org');
    expect(text).toContain('Their mentor is Priya Shah.');
    expect(text).toContain(`your crisis information at once: “${CRISIS_HELP}”`);
    expect(text).toContain('peer support, not a crisis service');
    expect(htmlOf(email)).toContain('end it all');
  });

  it('sends it once however often the concern is delivered', async () => {
    // Act
    await invoke(concern());
    await invoke(concern());

    // Assess
    expect(sentEmails()).toHaveLength(1);
    expect([...records.keys()]).toEqual([
      idempotencySk(
        `SafeguardingConcernRaised:feedback-comment:${MEETING_2}:${mentee.participantId}:safeguarding-alert:v1`,
      ),
    ]);
  });

  it('goes to the coordinator when the organisation has no safeguarding contact', async () => {
    // Prepare
    documents
      .on(GetCommand, { Key: orgKey })
      .resolves({ Item: org({ contacts: { coordinator: COORDINATOR } }) });

    // Act
    await invoke(concern());

    // Assess
    expect(sentEmails().map(toOf)).toEqual([COORDINATOR]);
  });

  it('still alerts, with the ids, when the person and the comment can no longer be read', async () => {
    // Prepare
    documents.on(GetCommand, { Key: participantKey(mentee.participantId) }).resolves({});
    documents.on(GetCommand, { Key: feedbackKey(MEETING_2) }).resolves({});

    // Act
    await invoke(concern());

    // Assess
    const text = textOf(sentEmails()[0]);
    expect(text).toContain('could not be read');
    expect(text).toContain(`Participant ${mentee.participantId}`);
  });

  it('throws when SES fails, so the delivery is retried, and the retry sends it', async () => {
    // Prepare
    ses.on(SendEmailCommand).rejectsOnce(
      Object.assign(new Error(`Email address is not verified: ${SAFEGUARDING}`), {
        name: 'MessageRejected',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    // Act
    await expect(invoke(concern())).rejects.toThrow(
      'SES refused or failed the send: MessageRejected (HTTP 400)',
    );
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-message-ok' });
    await invoke(concern());

    // Assess
    expect(sentEmails()).toHaveLength(2);
  });
});

describe('alert-coordinator: privacy', () => {
  it('logs ids and outcomes, never the comment, a name or an address', async () => {
    // Act
    await invoke(lowRatings());
    documents
      .on(GetCommand, { Key: feedbackKey(MEETING_2) })
      .resolves({ Item: feedback(MEETING_2, 2, 1, CRISIS_COMMENT) });
    await invoke(concern());

    // Assess
    const logs = logLines().join('\n');
    expect(logs).toContain('alert sent');
    for (const secret of [
      'end it all',
      'talking past',
      'Sam',
      'Priya',
      mentee.email,
      SAFEGUARDING,
      COORDINATOR,
    ]) {
      expect(logs).not.toContain(secret);
    }
  });

  it('refuses an event whose detail breaks the catalogue, touching nothing', async () => {
    // Act
    const outcome = invoke({ ...concern(), detail: { ...concern().detail, source: 'gossip' } });

    // Assess
    await expect(outcome).rejects.toThrow();
    expect(documents.calls()).toHaveLength(0);
    expect(ses.calls()).toHaveLength(0);
  });
});

describe('a suppressed contact address', () => {
  it('gets no alert: transactional mail still respects a hard bounce or complaint', async () => {
    // Prepare: the coordinator's address bounced for good
    documents
      .on(GetCommand, {
        Key: { pk: `SUPPRESSION#${emailPseudonym(TEST_SECRET, COORDINATOR)}`, sk: 'ADDRESS' },
      })
      .resolves({ Item: { reason: 'bounce', at: '2025-01-01T00:00:00.000Z' } });

    // Act
    await invoke(lowRatings());

    // Assess
    expect(ses.commandCalls(SendEmailCommand)).toEqual([]);
  });
});
