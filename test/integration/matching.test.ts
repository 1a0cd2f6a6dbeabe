import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, linkIn, signupBody, startTestRuntime, type TestRuntime } from '../helpers/local';

/**
 * Issue 3's story through the local runtime, over HTTP as people and coordinators use it: mentees and a
 * mentor sign up and confirm, the better-fitting mentee is matched, both are told why, a rematch link frees
 * the slot and the other mentee is matched; links and admin input that are wrong are refused, changing nothing.
 */

const ORG = 'demo-university';
let local: TestRuntime;

beforeAll(async () => {
  local = await startTestRuntime();
}, 60_000);
afterAll(async () => {
  await local?.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: problem and summary bodies are read loosely here
const body = async (response: Response): Promise<any> => response.json();

const emailsTo = async (address: string) => (await local.outbox()).filter((e) => e.to === address);

/** The participant id a verification link names (the token's subject). */
const subjectOf = (link: string) => {
  const token = new URL(link).searchParams.get('token') ?? '';
  const [payload] = token.split('.');
  return JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')).sub as string;
};

/** Signs someone up and follows their verification link; their participant id. */
const joinAndConfirm = async (body: ReturnType<typeof signupBody>) => {
  const response = await local.post(`/v1/orgs/${ORG}/signups`, body);
  expect(response.status).toBe(202);
  const email = await eventually(async () => (await emailsTo(body.email))[0]);
  const link = linkIn(email.text);
  expect((await fetch(link)).status).toBe(200);
  return subjectOf(link);
};

const matchEvents = async (type: 'MatchMade' | 'MatchEnded') =>
  (await local.events()).filter((e) => e.detailType === type);

const rematchLinkIn = (text: string) => {
  const match = /(https?:\/\/\S+\/v1\/rematch\?token=\S+)/.exec(text);
  if (!match) throw new Error('no rematch link in the email');
  return match[1] as string;
};

const tuesdayEvening = [{ day: 'tue', from: '18:00', to: '20:00' }];

describe('matching through the local runtime', () => {
  const mentorBody = signupBody({
    name: 'Priya Natarajan',
    role: 'mentor',
    experiences: ['Moving to a new city alone'],
    interests: ['chess', 'poetry'],
    goals: ['make friends'],
    availability: [{ day: 'tue', from: '17:00', to: '21:00' }],
  });
  const betterBody = signupBody({
    name: 'Sam Okafor',
    experiences: ['moving to a new city alone', 'anxiety'],
    interests: ['chess', 'poetry'],
    goals: ['Make friends'],
    availability: tuesdayEvening,
  });
  const otherBody = signupBody({
    name: 'Lee Chen',
    interests: ['chess', 'football'],
    availability: tuesdayEvening,
  });
  let mentorId: string;
  let betterId: string;
  let otherId: string;
  let rematchLink: string;

  it('matches the mentor with the better-fitting mentee and emails both why', async () => {
    // Prepare: both mentees wait in the pool before the mentor (capacity 1 in this program) arrives.
    betterId = await joinAndConfirm(betterBody);
    otherId = await joinAndConfirm(otherBody);
    await local.settle();
    expect(await matchEvents('MatchMade')).toEqual([]);

    // Act
    mentorId = await joinAndConfirm(mentorBody);
    await local.settle();

    // Assess
    const made = await eventually(async () => (await matchEvents('MatchMade'))[0]);
    expect(made.detail).toMatchObject({ orgId: ORG, mentorId, menteeId: betterId });
    expect(made.detail.score).toBeGreaterThan(80);
    expect(await matchEvents('MatchMade')).toHaveLength(1);

    const toMentee = await eventually(async () => (await emailsTo(betterBody.email))[1]);
    const toMentor = await eventually(async () => (await emailsTo(mentorBody.email))[1]);
    expect(toMentee.text).toContain('Priya');
    expect(toMentee.text).toMatch(/moving to a new city alone/i);
    expect(toMentor.text).toContain('Sam');
    expect(toMentor.text).toMatch(/moving to a new city alone/i);
    expect(toMentee.html).toMatch(/<li>/);
    rematchLink = rematchLinkIn(toMentee.text);
    // Only the two people matched heard anything beyond their confirmation email.
    expect(await emailsTo(otherBody.email)).toHaveLength(1);
  });

  it('a rematch request from the link frees the slot, and the other mentee is matched', async () => {
    // Act: the link opens a page that asks; the button press ends the match.
    const page = await fetch(rematchLink, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<form method="post" action="/v1/rematch">');
    expect(await matchEvents('MatchEnded')).toEqual([]);
    const token = new URL(rematchLink).searchParams.get('token') ?? '';
    const ended = await local.post('/v1/rematch', { token, reason: 'not-a-good-fit' });

    // Assess
    expect(ended.status).toBe(200);
    expect(await body(ended)).toMatchObject({ status: 'ended', rejoining: ['mentor', 'mentee'] });
    await local.settle();
    const endedEvent = await eventually(async () => (await matchEvents('MatchEnded'))[0]);
    expect(endedEvent.detail).toMatchObject({ reason: 'not-a-good-fit', endedBy: 'mentee', mentorId });
    const second = await eventually(async () =>
      (await matchEvents('MatchMade')).find((e) => e.detail.menteeId === otherId),
    );
    expect(second.detail.mentorId).toBe(mentorId);
    // The ended pair is never matched again, and the first mentee waits for a new mentor.
    expect((await matchEvents('MatchMade')).filter((e) => e.detail.menteeId === betterId)).toHaveLength(1);
    const backInPool = await eventually(async () => (await emailsTo(betterBody.email))[2]);
    expect(backInPool.text).toMatch(/back on the list/i);
    const toOther = await eventually(async () => (await emailsTo(otherBody.email))[1]);
    expect(toOther.text).toContain('Priya');
  });

  it('refuses a reused, forged or wrong rematch link with a problem, changing nothing', async () => {
    const token = new URL(rematchLink).searchParams.get('token') ?? '';
    const before = (await local.events()).length;

    const reused = await local.post('/v1/rematch', { token, reason: 'other' });
    expect(reused.status).toBe(410);
    expect(reused.headers.get('content-type')).toBe('application/problem+json');
    expect(await body(reused)).toMatchObject({ status: 410, title: 'This match has already ended' });
    expect((await fetch(rematchLink)).status).toBe(410);

    const [payload, signature] = token.split('.');
    const forged = `${payload}.${(signature ?? '').slice(0, -2)}AA`;
    const refused = await local.post('/v1/rematch', { token: forged });
    expect(refused.status).toBe(400);
    expect((await body(refused)).errors).toEqual([{ pointer: '/token', detail: 'The token is not genuine' }]);

    const badReason = await local.post('/v1/rematch', { token, reason: 'bored' });
    expect(badReason.status).toBe(422);
    expect((await body(badReason)).errors[0].pointer).toBe('/reason');

    const form = await local.api('/v1/rematch', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams({ token: forged, reason: 'other' }).toString(),
    });
    expect(form.status).toBe(400);
    expect(form.headers.get('content-type')).toContain('text/html');

    await local.settle();
    expect((await local.events()).length).toBe(before);
  });
});

describe('coordinators: settings, runs and endings (admin routes)', () => {
  const settingsPath = `/v1/admin/orgs/${ORG}/programs/first-year-mentoring/matching`;
  /** With the key of the organisation the path names (or of `keyOf`, for a path no key can reach). */
  const put = async (path: string, body: unknown, keyOf = /\/orgs\/([^/]+)\//.exec(path)?.[1] ?? ORG) =>
    local.api(path, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...(await local.orgKey(keyOf)) },
      body: JSON.stringify(body),
    });

  let seeded: unknown;
  const storedProgram = async () => {
    const client = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: local.runtime.endpoints().dynamodb,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
    const { Item } = await client.send(
      new GetCommand({
        TableName: 'kindred-local',
        Key: { pk: `ORG#${ORG}`, sk: 'ORG' },
        ConsistentRead: true,
      }),
    );
    return ((Item?.programs ?? []) as { programId: string }[]).find(
      (p) => p.programId === 'first-year-mentoring',
    );
  };

  it('refuses settings that cannot be used, naming each field, and stores nothing', async () => {
    seeded = await storedProgram();
    expect(seeded).toMatchObject({ matching: { defaultMentorCapacity: 1 } });
    const refused = await put(settingsPath, {
      weights: { 'shared-interests': -1, 'shared-hobbies': 2, 'availability-overlap': 'lots' },
      defaultMentorCapacity: 0,
      objective: 'fastest',
    });
    expect(refused.status).toBe(422);
    const pointers = ((await body(refused)).errors as { pointer: string }[]).map((e) => e.pointer).sort();
    expect(pointers).toEqual([
      '/defaultMentorCapacity',
      '/objective',
      '/weights/availability-overlap',
      '/weights/shared-hobbies',
      '/weights/shared-interests',
    ]);
    const zeroes = await put(settingsPath, {
      weights: {
        'shared-experiences': 0,
        'shared-interests': 0,
        'goals-mentor-helps-with': 0,
        'availability-overlap': 0,
        'timezone-distance': 0,
      },
    });
    expect(zeroes.status).toBe(422);
    expect((await body(zeroes)).errors).toEqual([
      { pointer: '/weights', detail: 'at least one weight above 0' },
    ]);
    expect((await put(`/v1/admin/orgs/${ORG}/programs/no-such-program/matching`, {})).status).toBe(404);
    expect(
      (await put(`/v1/admin/orgs/no-such-org/programs/first-year-mentoring/matching`, {}, ORG)).status,
    ).toBe(404);
    // Another organisation's program, with this organisation's key: as unknown as no organisation at all.
    const others = await put('/v1/admin/orgs/demo-nonprofit/programs/peer-mentoring/matching', {}, ORG);
    expect(others.status).toBe(404);
    expect(
      await local.post(`/v1/admin/orgs/${ORG}/programs/first-year-mentoring/matching-runs`, ''),
    ).toHaveProperty('status', 401);
    const group = await put('/v1/admin/orgs/demo-nonprofit/programs/new-parents-circle/matching', {});
    expect(group.status).toBe(409);
    expect(await storedProgram()).toEqual(seeded);
  });

  it('stores good settings with their defaults, and a run on demand reports what it did', async () => {
    const stored = await put(settingsPath, { defaultMentorCapacity: 2, minimumScore: 30 });
    expect(stored.status).toBe(200);
    expect((await body(stored)).matching).toMatchObject({
      defaultMentorCapacity: 2,
      minimumScore: 30,
      objective: 'best-score',
      mode: 'rolling',
    });

    const run = await local.admin('POST', ORG, 'programs/first-year-mentoring/matching-runs', '');
    expect(run.status).toBe(202);
    const { runId } = await body(run);
    await local.settle();
    const completed = await eventually(async () =>
      (await local.events()).find((e) => e.detailType === 'MatchingRunCompleted' && e.detail.runId === runId),
    );
    expect(completed.detail).toMatchObject({ programId: 'first-year-mentoring', exact: true });
  });

  it('ends a match for a coordinator with a reason from the list, once', async () => {
    const [made] = (await local.events()).filter((e) => e.detailType === 'MatchMade').slice(-1);
    const path = `matches/${made?.detail.matchId}/ending`;

    const badReason = await local.admin('PUT', ORG, path, { reason: 'bored' });
    expect(badReason.status).toBe(422);
    expect((await body(badReason)).errors[0].pointer).toBe('/reason');
    const unknown = await local.admin('PUT', ORG, 'matches/no-such-match/ending', { reason: 'other' });
    expect(unknown.status).toBe(404);

    const ended = await local.admin('PUT', ORG, path, { reason: 'completed' });
    expect(ended.status).toBe(200);
    expect((await body(ended)).ended).toMatchObject({
      reason: 'completed',
      endedBy: 'coordinator',
      rejoining: ['mentor'],
    });
    expect((await local.admin('PUT', ORG, path, { reason: 'completed' })).status).toBe(410);
  });

  it('the daily run matches whoever is still waiting, in every mentoring program with someone waiting', async () => {
    // Prepare: settings so strict that nobody is matched on arrival, then relaxed again.
    expect((await put(settingsPath, { minimumScore: 99 })).status).toBe(200);
    const waiting = await joinAndConfirm(
      signupBody({
        name: 'Noor Haddad',
        experiences: ['moving to a new city alone'],
        interests: ['poetry'],
        availability: tuesdayEvening,
      }),
    );
    await local.settle();
    const madeFor = async (id: string) =>
      (await local.events()).filter((e) => e.detailType === 'MatchMade' && e.detail.menteeId === id);
    expect(await madeFor(waiting)).toEqual([]);
    expect((await put(settingsPath, { minimumScore: 20, defaultMentorCapacity: 2 })).status).toBe(200);

    // Act: a day passes
    await local.post('/_local/clock', { advance: 'P1D' });
    await local.settle();

    // Assess
    const requested = (await local.events()).filter(
      (e) => e.detailType === 'MatchingRunRequested' && e.detail.trigger === 'schedule',
    );
    // Only a program where someone waits gets a run (nobody waits at demo-nonprofit).
    expect(requested.map((e) => `${e.detail.orgId}/${e.detail.programId}`)).toContain(
      'demo-university/first-year-mentoring',
    );
    expect(requested.map((e) => e.detail.orgId)).not.toContain('demo-nonprofit');
    expect(await eventually(async () => (await madeFor(waiting))[0])).toMatchObject({
      detail: { orgId: ORG, menteeId: waiting },
    });
  });

  it('keeps two people apart once a coordinator says so, and refuses unknown people', async () => {
    // Prepare: a mentor and a mentee who fit only each other (Saturday mornings in Tokyo), kept from
    // matching on arrival by a strict minimum score.
    expect((await put(settingsPath, { minimumScore: 99, defaultMentorCapacity: 2 })).status).toBe(200);
    const tokyo = {
      timezone: 'Asia/Tokyo',
      experiences: ['starting university abroad'],
      interests: ['go', 'calligraphy'],
      availability: [{ day: 'sat', from: '06:00', to: '08:00' }],
    };
    const mentor = await joinAndConfirm(
      signupBody({ ...tokyo, name: 'Haruki Sato', role: 'mentor', goals: ['find a study group'] }),
    );
    const mentee = await joinAndConfirm(
      signupBody({ ...tokyo, name: 'Aiko Mori', goals: ['find a study group'] }),
    );
    const apart = `/v1/admin/orgs/${ORG}/participants/${mentor}/do-not-match/${mentee}`;

    // Act
    const kept = await put(apart, undefined);
    const again = await put(apart, undefined);
    expect((await put(settingsPath, { minimumScore: 20, defaultMentorCapacity: 2 })).status).toBe(200);
    const run = await local.admin('POST', ORG, 'programs/first-year-mentoring/matching-runs', '');
    const { runId } = await body(run);
    await local.settle();

    // Assess
    expect(kept.status).toBe(200);
    expect(await body(kept)).toEqual({ participantId: mentor, doNotMatch: [mentee] });
    expect(await body(again)).toEqual({ participantId: mentor, doNotMatch: [mentee] });
    await eventually(async () =>
      (await local.events()).find((e) => e.detailType === 'MatchingRunCompleted' && e.detail.runId === runId),
    );
    const pairs = (await local.events()).filter(
      (e) => e.detailType === 'MatchMade' && (e.detail.mentorId === mentor || e.detail.menteeId === mentee),
    );
    expect(pairs).toEqual([]);

    const unknown = await put(
      `/v1/admin/orgs/${ORG}/participants/${mentor}/do-not-match/no-such-person`,
      undefined,
    );
    expect(unknown.status).toBe(404);
    expect((await body(unknown)).errors).toEqual([
      { pointer: '/otherId', detail: 'Unknown mentor or mentee at this organisation' },
    ]);
    const self = await put(`/v1/admin/orgs/${ORG}/participants/${mentor}/do-not-match/${mentor}`, undefined);
    expect(self.status).toBe(422);
  });
});
