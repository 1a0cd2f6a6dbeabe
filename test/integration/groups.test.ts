import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoGroups } from '../../shared/data/groups';
import { keys } from '../../shared/data/keys';
import { dynamoOrganisations } from '../../shared/data/organisations';
import type { Organisation, PeerGroup } from '../../shared/domain/organisation';
import { eventually, linkIn, signupBody, startTestRuntime, type TestRuntime } from '../helpers/local';

/** Peer-support groups over HTTP against the local runtime: seats, the waitlist, leaving, and races. */

const SMALL: PeerGroup = { programId: 'small-circle', name: 'Small circle', kind: 'peer-group', seats: 2 };
const RACE: PeerGroup = { programId: 'race-circle', name: 'Race circle', kind: 'peer-group', seats: 3 };

const testOrg = (small: PeerGroup = SMALL): Organisation => ({
  orgId: 'circle-test',
  kind: 'nonprofit',
  name: 'Circle Test Trust',
  consent: { version: 'circle-test-1', text: 'I agree that Circle Test Trust keeps my answers.' },
  defaultProgramId: small.programId,
  programs: [small, RACE],
  branding: { colour: '#7a3b69' },
});

const leaveLinkIn = (text: string) => {
  const match = /(https?:\/\/\S+\/v1\/groups\/leave\?token=\S+)/.exec(text);
  if (!match) throw new Error('no leave link in the email');
  return match[1] as string;
};

/** The participant a verification link names (its token's subject). */
const participantOf = (link: string) => {
  const token = new URL(link).searchParams.get('token') ?? '';
  const payload = token.split('.')[0] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')).sub as string;
};

describe('peer-support groups (local runtime)', () => {
  let local: TestRuntime;
  let documents: DynamoDBDocumentClient;
  let table: string;

  beforeAll(async () => {
    local = await startTestRuntime();
    documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: local.runtime.endpoints().dynamodb,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
    table = process.env.TABLE_NAME as string;
    await dynamoOrganisations(documents, table).put(testOrg());
  });
  afterAll(async () => {
    await local?.stop();
  });

  const emailsTo = async (address: string) => (await local.outbox()).filter((e) => e.to === address);
  const groupEvents = async (groupId: string) =>
    (await local.events()).filter((e) => e.detailType.startsWith('Group') && e.detail.groupId === groupId);

  /** Signs a member up, follows the verification link, and waits for everything that follows. */
  const join = async (orgId: string, programId: string) => {
    const body = signupBody({ role: 'member', programId });
    const response = await local.post(`/v1/orgs/${orgId}/signups`, body);
    expect(response.status).toBe(202);
    await local.settle();
    const link = linkIn((await emailsTo(body.email))[0]?.text ?? '');
    expect((await fetch(link)).status).toBe(200);
    await local.settle();
    return { email: body.email, participantId: participantOf(link) };
  };

  it('gives a verified member of a group with free seats a seat, and emails it with a leave link', async () => {
    // Act
    const member = await join('demo-nonprofit', 'new-parents-circle');

    // Assess
    const joined = (await groupEvents('new-parents-circle')).filter(
      (e) => e.detail.participantId === member.participantId,
    );
    expect(joined.map((e) => [e.detailType, e.detail])).toEqual([
      [
        'GroupJoined',
        expect.objectContaining({
          orgId: 'demo-nonprofit',
          participantId: member.participantId,
          seatsLeft: 7,
        }),
      ],
    ]);
    // Events carry ids, never personal data.
    expect(JSON.stringify(joined)).not.toContain(member.email);
    const emails = await emailsTo(member.email);
    expect(emails.map((e) => e.subject)).toEqual([
      'Please confirm your email for Harbour Lights Community',
      'You have a seat in New parents\u2019 support circle',
    ]);
    const seat = emails[1];
    expect(seat?.html).toContain('#2e7d5b');
    expect(seat?.html).toContain('Harbour Lights Community');
    expect(leaveLinkIn(seat?.text ?? '')).toMatch(/\/v1\/groups\/leave\?token=/);
  });

  it('waitlists the member after the last seat, and gives the seat someone leaves to the first waiting', async () => {
    // Prepare: a two-seat group, filled
    const first = await join('circle-test', SMALL.programId);
    const second = await join('circle-test', SMALL.programId);

    // Act
    const third = await join('circle-test', SMALL.programId);

    // Assess: the third waits, first in line, and is told so
    expect((await groupEvents(SMALL.programId)).map((e) => [e.detailType, e.detail.participantId])).toEqual([
      ['GroupJoined', first.participantId],
      ['GroupJoined', second.participantId],
      ['GroupWaitlisted', third.participantId],
    ]);
    const waitlisted = (await groupEvents(SMALL.programId))[2];
    expect(waitlisted?.detail.position).toBe(1);
    const [waitEmail] = (await emailsTo(third.email)).slice(1);
    expect(waitEmail?.subject).toBe('You are number 1 on the waitlist for Small circle');
    expect(waitEmail?.text).toContain('you are 1st in line');

    // Act: the first opens the leave link from their seat email; the page only asks
    const leaveLink = leaveLinkIn((await emailsTo(first.email))[1]?.text ?? '');
    const page = await fetch(leaveLink, { headers: { accept: 'text/html' } });
    await local.settle();

    // Assess
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<button type="submit">Leave Small circle</button>');
    expect(html).toContain('method="post" action="/v1/groups/leave"');
    expect(await groupEvents(SMALL.programId)).toHaveLength(3);
    const token = /name="token" value="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(token).toBe(new URL(leaveLink).searchParams.get('token'));

    // Act: they press the button
    const left = await local.api('/v1/groups/leave', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams({ token }).toString(),
    });
    await local.settle();

    // Assess: the seat went to the first waiting, in the same change, and they were emailed
    expect(left.status).toBe(200);
    expect(await left.text()).toContain('<title>You have left Small circle</title>');
    const after = await groupEvents(SMALL.programId);
    expect(after.slice(3).map((e) => [e.detailType, e.detail.participantId, e.detail])).toEqual(
      expect.arrayContaining([
        ['GroupLeft', first.participantId, expect.objectContaining({ from: 'seat' })],
        ['GroupJoined', third.participantId, expect.objectContaining({ seatsLeft: 0 })],
      ]),
    );
    expect(after).toHaveLength(5);
    const thirdEmails = await eventually(async () => {
      const found = await emailsTo(third.email);
      return found.length === 3 ? found : undefined;
    });
    expect(thirdEmails[2]?.subject).toBe('You have a seat in Small circle');
    const state = await dynamoGroups(documents, table).state('circle-test', SMALL.programId);
    expect(state).toMatchObject({ seated: 2, waiting: 0 });

    // Act: the same link again, as a page and as a press
    const againPage = await fetch(leaveLink, { headers: { accept: 'text/html' } });
    const again = await local.post('/v1/groups/leave', { token });
    await local.settle();

    // Assess: gone, and nothing changed
    expect(againPage.status).toBe(410);
    expect(await againPage.text()).toContain('You have already left this group');
    expect(again.status).toBe(410);
    expect(again.headers.get('content-type')).toBe('application/problem+json');
    expect(await again.json()).toMatchObject({ type: 'urn:kindred:problem:already-left', status: 410 });
    expect(await groupEvents(SMALL.programId)).toHaveLength(5);
    expect(await dynamoGroups(documents, table).state('circle-test', SMALL.programId)).toEqual(state);
  });

  it('refuses a forged leave link with 400 and changes nothing', async () => {
    // Prepare
    const member = await join('circle-test', SMALL.programId);
    const link = new URL(leaveLinkIn((await emailsTo(member.email))[1]?.text ?? ''));
    const token = link.searchParams.get('token') ?? '';
    const [payload] = token.split('.');
    const forged = `${payload}.${'A'.repeat(43)}`;
    const before = await local.events();
    const state = await dynamoGroups(documents, table).state('circle-test', SMALL.programId);

    // Act
    const page = await local.api(`/v1/groups/leave?token=${encodeURIComponent(forged)}`);
    const press = await local.post('/v1/groups/leave', { token: forged });
    await local.settle();

    // Assess
    expect(page.status).toBe(400);
    expect(press.status).toBe(400);
    expect(await press.json()).toMatchObject({
      type: 'urn:kindred:problem:invalid-link',
      errors: [{ pointer: '/token', detail: 'The token is not genuine' }],
    });
    expect(await local.events()).toHaveLength(before.length);
    expect(await dynamoGroups(documents, table).state('circle-test', SMALL.programId)).toEqual(state);
    const membership = await dynamoGroups(documents, table).membership(
      'circle-test',
      SMALL.programId,
      member.participantId,
    );
    expect(membership?.place).toBe('waitlist');
  });

  it('fills seats the organisation adds at the next join, first waiting first', async () => {
    // Prepare: the small circle is full with one person waiting (from the test before)
    const before = await dynamoGroups(documents, table).state('circle-test', SMALL.programId);
    expect(before).toMatchObject({ seated: 2, waiting: 1 });
    await dynamoOrganisations(documents, table).put(testOrg({ ...SMALL, seats: 3 }));
    const eventsBefore = (await groupEvents(SMALL.programId)).length;

    // Act
    const newcomer = await join('circle-test', SMALL.programId);

    // Assess: the one waiting got the new seat; the newcomer waits
    const events = (await groupEvents(SMALL.programId)).slice(eventsBefore);
    expect(events.map((e) => [e.detailType, e.detail])).toEqual([
      ['GroupJoined', expect.objectContaining({ seatsLeft: 0 })],
      ['GroupWaitlisted', expect.objectContaining({ participantId: newcomer.participantId, position: 1 })],
    ]);
    expect(events[0]?.detail.participantId).not.toBe(newcomer.participantId);
    expect(await dynamoGroups(documents, table).state('circle-test', SMALL.programId)).toMatchObject({
      seated: 3,
      waiting: 1,
    });
  });

  it('never gives more seats than a group has, however many members join at once (DynamoDB Local)', async () => {
    // Prepare
    const groups = dynamoGroups(documents, table);
    const ctx = { orgId: 'circle-test', group: RACE, now: new Date() };
    const people = Array.from({ length: 10 }, (_, i) => `racer-${i}`);

    // Act
    const outcomes = await Promise.all(people.map((id) => groups.join(ctx, id)));

    // Assess
    const seated = outcomes.filter((o) => o.result === 'seated');
    const waitlisted = outcomes.flatMap((o) => (o.result === 'waitlisted' ? [o.position] : []));
    expect(seated).toHaveLength(3);
    expect(seated.map((o) => o.result === 'seated' && o.seatsLeft).sort()).toEqual([0, 1, 2]);
    expect(waitlisted.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const state = await groups.state('circle-test', RACE.programId);
    expect(state).toMatchObject({ seated: 3, waiting: 7, version: 10 });

    // The stored waitlist is in the order of the positions given out.
    const waitlist = await documents.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: {
          ':pk': keys.organisation('circle-test').pk,
          ':prefix': keys.groupWaitlistPrefix(RACE.programId),
        },
        ConsistentRead: true,
      }),
    );
    const byPosition = people
      .map((id, i) => ({ id, outcome: outcomes[i] }))
      .filter((p) => p.outcome?.result === 'waitlisted')
      .sort(
        (a, b) =>
          (a.outcome?.result === 'waitlisted' ? a.outcome.position : 0) -
          (b.outcome?.result === 'waitlisted' ? b.outcome.position : 0),
      )
      .map((p) => p.id);
    expect(waitlist.Items?.map((item) => item.participantId)).toEqual(byPosition);

    // Act: every seated member leaves at once
    const leavers = people.filter((_, i) => outcomes[i]?.result === 'seated');
    const left = await Promise.all(leavers.map((id) => groups.leave(ctx, id)));

    // Assess: the first three waiting, and only they, took the seats
    expect(left.map((o) => o.result)).toEqual(['left', 'left', 'left']);
    const promoted = left.flatMap((o) => (o.result === 'left' ? o.promoted : []));
    expect(promoted.sort()).toEqual(byPosition.slice(0, 3).sort());
    expect(await groups.state('circle-test', RACE.programId)).toMatchObject({ seated: 3, waiting: 4 });
  });
});
