import { DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoErasure } from '../../shared/data/erasure';
import { eventually, signupBody, startTestRuntime, type TestRuntime } from '../helpers/local';

/**
 * Data rights through the local runtime: a matched pair meets, the mentee rates the meeting with a comment and
 * has an email waiting for the morning; from the "Your data" link in their email they get an export, then ask
 * for erasure. Afterwards no item of the table holds their address, name or words, their mentor was told and
 * is back in the pool, and ParticipantErased was published.
 */

const ORG = 'demo-university';
const COMMENT = 'Talking about my allotment with my mentor helped a lot.';

let local: TestRuntime;
let dynamodb: DynamoDBClient;

beforeAll(async () => {
  local = await startTestRuntime();
  dynamodb = new DynamoDBClient({
    endpoint: local.runtime.endpoints().dynamodb,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}, 60_000);
afterAll(async () => {
  dynamodb?.destroy();
  await local?.stop();
});

/** Every item of the local table, as JSON text. */
const tableItems = async () => {
  const items: string[] = [];
  for await (const page of paginateScan({ client: dynamodb }, { TableName: 'kindred-local' })) {
    for (const item of page.Items ?? []) items.push(JSON.stringify(unmarshall(item)));
  }
  return items;
};

/** Moves the clock on until the pair's first meeting reminder falls due; its event. */
const firstReminder = async () => {
  for (let step = 0; step < 4 * 14; step++) {
    const [due] = await local.eventsOf('MeetingDue');
    if (due) return due;
    await local.advance('PT6H');
    await local.settle();
  }
  throw new Error('no meeting reminder within two weeks');
};

/** Moves the clock on until an email to the address says `subject` (waiting ones go out). */
const emailTo = async (address: string, subject: RegExp) => {
  // Up to ten days: a capped nudge waits for the week's cap, then for the person's morning.
  for (let step = 0; step < 40; step++) {
    // A capped nudge goes out in the person's digest, which lists it by its subject.
    const found = (await local.emailsTo(address)).find(
      (e) => subject.test(e.subject) || subject.test(e.text),
    );
    if (found) return found;
    await local.advance('PT6H');
    await local.settle();
  }
  const subjects = (await local.emailsTo(address)).map((e) => e.subject);
  throw new Error(`no email ${subject} within ten days; got ${JSON.stringify(subjects)}`);
};

const exportLinkIn = (text: string) => {
  const link = /(https?:\/\/\S+\/v1\/my-data\/export\?token=\S+)/.exec(text)?.[1];
  if (!link) throw new Error('no download link in the email');
  return link;
};

const tokenOf = (url: string) => new URL(url).searchParams.get('token') ?? '';
const form = (path: string, fields: Record<string, string>) =>
  local.api(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    body: new URLSearchParams(fields).toString(),
  });

describe('data export and erasure (local runtime)', () => {
  const mentee = signupBody({
    name: 'Sam Okafor',
    experiences: ['moving to a new city alone'],
    interests: ['poetry'],
    availability: [{ day: 'tue', from: '17:00', to: '21:00' }],
  });
  const mentor = signupBody({
    name: 'Priya Natarajan',
    role: 'mentor',
    timezone: 'America/New_York',
    experiences: ['moving to a new city alone'],
    interests: ['poetry'],
    availability: [{ day: 'tue', from: '11:00', to: '17:00' }],
  });

  it('exports the person’s data, then erases them leaving no trace in any item', {
    timeout: 180_000,
  }, async () => {
    // Prepare: a pair, a meeting logged late at night (the mentee's emails wait for the morning), a rating
    await local.confirm(ORG, mentee);
    await local.confirm(ORG, mentor);
    await local.settle();
    const due = await firstReminder();
    const [made] = await local.eventsOf('MatchMade');
    const menteeId = made?.detail.menteeId as string;
    const mentorId = made?.detail.mentorId as string;
    const reminder = (await local.emailsTo(mentee.email)).filter((e) => e.calendar).at(-1);
    const held = /(https?:\/\/\S+\/v1\/meetings\/log\?token=\S+&status=held)/.exec(reminder?.text ?? '')?.[1];
    if (!held) throw new Error('no "we met" link in the reminder');
    await local.advanceTo(due.detail.startsAt as string, 90);
    expect((await local.post('/v1/meetings/log', { token: tokenOf(held), status: 'held' })).status).toBe(200);
    await local.settle();
    const waiting = (await tableItems()).filter(
      (item) =>
        item.includes(`"participantId":"${menteeId}"`) &&
        /"sk":"(DEFERRED#|RECIPIENT#[^"]*#DIGEST)/.test(item),
    );
    expect(waiting.length).toBeGreaterThan(0);
    const request = await emailTo(mentee.email, /^How was your meeting with/);
    const rating = /(https?:\/\/\S+\/v1\/feedback\?token=\S+&rating=2)/.exec(request.text)?.[1];
    if (!rating) throw new Error('no rating link');
    expect(
      (await form('/v1/feedback', { token: tokenOf(rating), rating: '2', comment: COMMENT })).status,
    ).toBe(200);
    await local.settle();
    const yourData = /Your data: (https?:\/\/\S+)/.exec(request.text)?.[1];
    if (!yourData) throw new Error('no "Your data" link in the nudge');

    // Act 1: the page, then an export by email
    const page = await fetch(yourData, { headers: { accept: 'text/html' } });
    const html = await page.text();
    const exported = await local.post('/v1/my-data', { token: tokenOf(yourData), action: 'export' });
    const exportEmail = await eventually(async () =>
      (await local.emailsTo(mentee.email)).find((e) => /^Your data from/.test(e.subject)),
    );
    const download = await fetch(exportLinkIn(exportEmail.text));

    // Assess 1
    expect(page.status).toBe(200);
    expect(html).toContain('value="export"');
    expect(html).toContain('value="erase"');
    expect(exported.status).toBe(202);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toMatch(/^attachment;/);
    const data = await download.json();
    expect(data.profile).toMatchObject({ name: 'Sam Okafor', email: mentee.email, participantId: menteeId });
    expect(data.matches).toHaveLength(1);
    expect(data.matches[0].with).toStrictEqual({ firstName: 'Priya' });
    expect(data.matches[0].meetings.length).toBeGreaterThan(0);
    expect(data.feedbackGiven).toMatchObject([{ rating: 2, comment: COMMENT }]);
    expect(JSON.stringify(data)).not.toContain('Natarajan');
    expect(JSON.stringify(data)).not.toContain(mentor.email);

    // Act 2: erasure, confirmed on the page's second step
    const confirmPage = await form('/v1/my-data', { token: tokenOf(yourData), action: 'erase' });
    const erased = await form('/v1/my-data', { token: tokenOf(yourData), action: 'erase-confirmed' });
    await local.settle();
    const again = await local.post('/v1/my-data', { token: tokenOf(yourData), action: 'erase-confirmed' });

    // Assess 2
    expect(confirmPage.status).toBe(200);
    expect(await confirmPage.text()).toContain('Yes, delete my data');
    expect(erased.status).toBe(200);
    expect(again.status).toBe(200);
    expect(await again.json()).toStrictEqual({ status: 'already-erased' });
    const items = await tableItems();
    for (const trace of [mentee.email, mentee.email.toLowerCase(), 'Sam Okafor', 'Okafor', COMMENT]) {
      expect(items.filter((item) => item.includes(trace))).toStrictEqual([]);
    }
    expect(items.filter((item) => item.includes(`"ERASED#${menteeId}"`))).toHaveLength(1);
    expect(items.some((item) => item.includes(`"POOL#`) && item.includes(`#${mentorId}"`))).toBe(true);
    const ended = await local.eventsOf('MatchEnded');
    expect(ended.map((e) => e.detail)).toMatchObject([
      { menteeId, reason: 'participant-left', endedBy: 'mentee' },
    ]);
    expect((await local.eventsOf('ParticipantErased')).map((e) => e.detail)).toMatchObject([
      { participantId: menteeId },
    ]);
    // The partner hears once, from the erasure or from send-match-email, naming the erased person by role.
    await emailTo(mentor.email, /Your match with your mentee has ended/);
    const endings = (await local.emailsTo(mentor.email)).filter((e) => /has ended/.test(e.subject + e.text));
    expect(endings).toHaveLength(1);
    expect(endings.filter((e) => /match with Sam/.test(e.subject + e.text))).toStrictEqual([]);
    expect((await fetch(exportLinkIn(exportEmail.text))).status).toBe(410);
  });

  it('lets an admin export a person’s data; the erased partner is no longer named', async () => {
    // Prepare
    const [made] = await local.eventsOf('MatchMade');
    const mentorId = made?.detail.mentorId as string;

    // Act
    const response = await local.post(
      `/v1/admin/orgs/${ORG}/participants/${mentorId}/export`,
      '',
      await local.orgKey(ORG),
    );

    // Assess
    expect(response.status).toBe(200);
    const data = await response.json();
    expect(data.profile.name).toBe('Priya Natarajan');
    expect(data.matches[0].with).toStrictEqual({ firstName: null });
  });

  it('refuses forged tokens and unknown people with a problem, changing nothing', async () => {
    // Act
    const forged = await local.post('/v1/my-data', { token: 'abc.def', action: 'erase-confirmed' });
    const unknown = await local.post(
      `/v1/admin/orgs/${ORG}/participants/nobody-here/erasure`,
      '',
      await local.orgKey(ORG),
    );
    const badAction = await local.post('/v1/my-data', { token: 'abc.def', action: 'everything' });
    const [made] = await local.eventsOf('MatchMade');
    const mentorErasure = `/v1/admin/orgs/${ORG}/participants/${made?.detail.mentorId}/erasure`;
    const otherOrgsKey = await local.post(mentorErasure, '', await local.orgKey('demo-nonprofit'));
    const noKey = await local.post(mentorErasure, '');
    const revokedOrUnknownKey = await local.post(mentorErasure, '', {
      authorization: 'Bearer kdk_not-a-key',
    });

    // Assess
    expect(otherOrgsKey.status).toBe(404);
    expect(noKey.status).toBe(401);
    expect(revokedOrUnknownKey.status).toBe(401);
    expect(revokedOrUnknownKey.headers.get('content-type')).toBe('application/problem+json');
    expect(forged.status).toBe(400);
    expect(forged.headers.get('content-type')).toBe('application/problem+json');
    expect(unknown.status).toBe(404);
    expect(badAction.status).toBe(422);
    expect(await local.eventsOf('ParticipantErased')).toHaveLength(1);
  });
});

describe('erasure in progress', () => {
  it('takes a mentor out of the pool at once: a mentee who verifies meanwhile is not matched with them', async () => {
    // Prepare: a mentor waits in demo-nonprofit's pool; their erasure begins (the mark, before anything else).
    const NONPROFIT = 'demo-nonprofit';
    const mentor = signupBody({ name: 'Ines Mentor', role: 'mentor', interests: ['gardening'] });
    await local.confirm(NONPROFIT, mentor);
    await local.settle();
    const stored = (await tableItems())
      .map((item) => JSON.parse(item))
      .find((item) => item.email === mentor.email && String(item.sk).startsWith('PARTICIPANT#'));
    const inPool = (items: { sk: string; participantId?: string }[]) =>
      items.filter((item) => item.sk.startsWith('POOL#') && item.participantId === stored.participantId);
    expect(inPool((await tableItems()).map((item) => JSON.parse(item)))).toHaveLength(1);
    const documents = DynamoDBDocumentClient.from(dynamodb);
    await dynamoErasure(documents, 'kindred-local').markErasing(stored, new Date(await local.clockNow()));

    // Act: a mentee who would fit them confirms.
    const mentee = signupBody({ name: 'Jo Mentee', interests: ['gardening'] });
    await local.confirm(NONPROFIT, mentee);
    await local.settle();

    // Assess
    const after = (await tableItems()).map((item) => JSON.parse(item));
    const marked = after.find((item) => item.sk === stored.sk);
    expect(marked.erasingSince).toBeDefined();
    expect(marked.matching).toMatchObject({ seeking: false, version: stored.matching.version + 1 });
    expect(inPool(after)).toStrictEqual([]);
    const made = await local.eventsOf('MatchMade');
    expect(made.filter((e) => e.detail.mentorId === stored.participantId)).toStrictEqual([]);
  });
});
