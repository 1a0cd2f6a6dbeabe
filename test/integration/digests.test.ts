import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoRecipients } from '../../shared/data/recipients';
import { eventually, linkIn, signupBody, startTestRuntime, type TestRuntime } from '../helpers/local';

/**
 * The frequency cap and its digest through the local runtime. A mentor who takes five mentees in one
 * afternoon gets five introductions: the first three go at once (the cap: three nudges in seven days), the
 * other two are folded into one digest, which arrives once the first introduction leaves the week, in the
 * mentor's daytime, listing both with their own links. Delivering its DigestDue again sends nothing more.
 */

const ORG = 'demo-university';
const DAY_MS = 86_400_000;
let local: TestRuntime;

beforeAll(async () => {
  local = await startTestRuntime();
}, 60_000);
afterAll(async () => {
  await local?.stop();
});

const emailsTo = async (address: string) => (await local.outbox()).filter((e) => e.to === address);
const eventsOf = async (type: string) => (await local.events()).filter((e) => e.detailType === type);
const advance = (period: string) => local.post('/_local/clock', { advance: period });

const confirm = async (person: ReturnType<typeof signupBody>) => {
  expect((await local.post(`/v1/orgs/${ORG}/signups`, person)).status).toBe(202);
  const email = await eventually(async () => (await emailsTo(person.email))[0]);
  expect((await fetch(linkIn(email.text))).status).toBe(200);
  await local.settle();
};

const introductions = (subjects: string[]) => subjects.filter((s) => s.startsWith('You have a new mentee'));

describe('digests of capped nudges (local runtime)', () => {
  const shared = {
    experiences: ['living with a chronic illness'],
    interests: ['birdwatching'],
    availability: [{ day: 'wed', from: '17:00', to: '20:00' }],
  };
  const mentor = signupBody({ ...shared, name: 'Noor Haddad', role: 'mentor', capacity: 5 });
  const mentees = ['Ali', 'Bea', 'Cem', 'Dan', 'Eva'].map((first) =>
    signupBody({ ...shared, name: `${first} Moreau` }),
  );

  it('sends three introductions, folds the other two, and sends one digest listing both when the cap allows', {
    timeout: 240_000,
  }, async () => {
    // Prepare: the mentor, then five mentees matched with them one after another
    await confirm(mentor);
    for (const mentee of mentees) await confirm(mentee);
    const made = await eventsOf('MatchMade');
    expect(made).toHaveLength(5);
    const firstNudgeAt = Date.parse(made[0]?.detail.occurredAt as string);

    // Assess: three introductions went at once; two were held back
    const first = (await emailsTo(mentor.email)).map((e) => e.subject);
    expect(introductions(first)).toHaveLength(3);
    for (const mentee of mentees) expect((await emailsTo(mentee.email)).length).toBe(2);
    expect(await eventsOf('DigestDue')).toEqual([]);

    // Act: the week passes, a few hours at a time
    for (let step = 0; step < 36 && (await eventsOf('DigestDue')).length === 0; step++) {
      await advance('PT6H');
      await local.settle();
    }

    // Assess: one digest, once the first introduction has left the week, in the mentor's daytime
    const due = await eventsOf('DigestDue');
    expect(due).toHaveLength(1);
    const dueAt = Date.parse(due[0]?.detail.occurredAt as string);
    expect(dueAt).toBeGreaterThanOrEqual(firstNudgeAt + 7 * DAY_MS);
    const hour = DateTime.fromMillis(dueAt, { zone: 'Europe/London' }).hour;
    expect(hour >= 8 && hour < 21).toBe(true);
    const digests = (await emailsTo(mentor.email)).filter((e) => /held back for you/.test(e.subject));
    expect(digests).toHaveLength(1);
    const [digest] = digests;
    for (const mentee of mentees.slice(3)) {
      const name = (mentee.name as string).split(' ')[0];
      expect(digest?.text).toContain(`You have a new mentee: ${name}`);
    }
    // Each listed introduction keeps its own "ask for a new one" link, and each link works.
    const links = [...(digest?.text ?? '').matchAll(/(https?:\/\/\S+\/v1\/rematch\?token=\S+)/g)].map(
      (m) => m[1],
    );
    expect(new Set(links).size).toBe(2);
    for (const link of links) expect((await fetch(link as string)).status).toBe(200);
    // Like every nudge: an unsubscribe footer and RFC 8058 one-click headers.
    expect(digest?.text).toMatch(/Unsubscribe or pause: http\S+\/v1\/unsubscribe\?token=/);
    const headers = Object.fromEntries(
      Object.entries(digest?.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
    );
    expect(headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    expect(digest?.html).toContain('Northfield University');
    expect(introductions((await emailsTo(mentor.email)).map((e) => e.subject))).toHaveLength(3);

    // Act: the digest's event is delivered again
    const bus = new EventBridgeClient({
      endpoint: local.runtime.endpoints().eventbridge,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const put = await bus.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'kindred',
            DetailType: 'DigestDue',
            Detail: JSON.stringify(due[0]?.detail),
            EventBusName: 'kindred-local',
          },
        ],
      }),
    );
    expect(put.FailedEntryCount).toBe(0);
    await local.settle();

    // Assess: nothing more was sent, and nothing failed
    expect((await emailsTo(mentor.email)).filter((e) => /held back for you/.test(e.subject))).toHaveLength(1);
    expect(await local.json<unknown[]>('/_local/dead-letters')).toEqual([]);
  });

  it('lets only one of several senders at once take a person’s last slot under the cap', async () => {
    // Prepare: the stores on the runtime's DynamoDB Local; someone with two nudges this week
    const client = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: local.runtime.endpoints().dynamodb,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      }),
    );
    const recipients = dynamoRecipients(client, 'kindred-local', async () => 'unused');
    const now = new Date('2026-03-10T12:00:00.000Z');
    await recipients.recordNudge(ORG, 'p-burst', new Date(now.getTime() - DAY_MS));
    await recipients.recordNudge(ORG, 'p-burst', new Date(now.getTime() - 2 * DAY_MS));

    // Act: five emails released together each try to take a slot
    const claims = await Promise.all(
      Array.from({ length: 5 }, () => recipients.claimNudge(ORG, 'p-burst', now, undefined, 10)),
    );

    // Assess
    expect(claims.filter((c) => c === 'claimed')).toHaveLength(1);
    expect((await recipients.preferences(ORG, 'p-burst')).recentNudges).toHaveLength(3);
  });
});
