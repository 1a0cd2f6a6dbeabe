import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, linkIn, signupBody, startTestRuntime, type TestRuntime } from '../helpers/local';

/**
 * EventBridge delivers at least once and in any order. A whole relationship is played through the local
 * runtime (signup, verification, match, reminder with invite, a logged meeting, a milestone, the ending);
 * then every event it produced is delivered again one to three times, shuffled. Every consumer must see
 * each fact as already handled: no email is sent twice and no new fact appears.
 */

const ORG = 'demo-university';
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
};

describe('redelivery (local runtime)', () => {
  it('delivering every event again, 1–3 times in random order, sends no email twice and makes no new fact', {
    timeout: 180_000,
  }, async () => {
    // Prepare: a relationship from signup to its ending
    const mentee = signupBody({ name: 'Ola Nowak', interests: ['chess'], experiences: ['grief'] });
    const mentor = signupBody({
      name: 'Kim Lee',
      role: 'mentor',
      interests: ['chess'],
      experiences: ['grief'],
    });
    await confirm(mentee);
    await confirm(mentor);
    await local.settle();
    for (let step = 0; step < 40 && (await eventsOf('MeetingDue')).length === 0; step++)
      await advance('PT6H');
    const [due] = await eventsOf('MeetingDue');
    expect(due).toBeDefined();
    const reminder = await eventually(async () => (await emailsTo(mentee.email)).find((e) => e.calendar));
    const held = /(https?:\/\/\S+\/v1\/meetings\/log\?token=\S+&status=held)/.exec(reminder.text)?.[1] ?? '';
    const clock = await local.json<{ now: string }>('/_local/clock');
    const wait = Date.parse(due?.detail.startsAt as string) + 3_600_000 - Date.parse(clock.now);
    await advance(`PT${Math.ceil(wait / 1000)}S`);
    const token = new URL(held).searchParams.get('token');
    expect((await local.post('/v1/meetings/log', { token, status: 'held' })).status).toBe(200);
    await local.settle();
    const [made] = await eventsOf('MatchMade');
    const ended = await local.admin('PUT', ORG, `matches/${made?.detail.matchId}/ending`, {
      reason: 'schedule-conflict',
    });
    expect(ended.status).toBe(200);
    await local.settle();

    const original = await local.events();
    const emailsBefore = await local.outbox();
    const types = new Set(original.map((e) => e.detailType));
    for (const type of ['MatchMade', 'MeetingDue', 'MeetingLogged', 'MilestoneReached', 'MatchEnded']) {
      expect(types).toContain(type);
    }

    // Act: every event again, 1–3 times each, shuffled
    const copies = fc.sample(
      fc.shuffledSubarray(
        original.flatMap((event, index) => Array.from({ length: 1 + (index % 3) }, () => event)),
        { minLength: original.reduce((n, _e, i) => n + 1 + (i % 3), 0) },
      ),
      { numRuns: 1, seed: 20261126 },
    )[0] as typeof original;
    const bus = new EventBridgeClient({
      endpoint: local.runtime.endpoints().eventbridge,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    for (let i = 0; i < copies.length; i += 10) {
      const batch = copies.slice(i, i + 10);
      const put = await bus.send(
        new PutEventsCommand({
          Entries: batch.map((event) => ({
            Source: 'kindred',
            DetailType: event.detailType,
            Detail: JSON.stringify(event.detail),
            EventBusName: 'kindred-local',
          })),
        }),
      );
      expect(put.FailedEntryCount).toBe(0);
    }
    await local.settle();

    // Assess: the same emails, once each; nothing new was decided
    const emailsAfter = await local.outbox();
    const fingerprint = (e: { to: string; subject: string }) => `${e.to}|${e.subject}`;
    expect(emailsAfter.map(fingerprint).sort()).toEqual(emailsBefore.map(fingerprint).sort());
    const after = await local.events();
    const extra = after.slice(original.length).map((e) => e.detailType);
    for (const copy of copies) extra.splice(extra.indexOf(copy.detailType), 1);
    expect(extra).toEqual([]);
    expect(after.length).toBe(original.length + copies.length);
    expect(await local.json<unknown[]>('/_local/dead-letters')).toEqual([]);
  });
});
