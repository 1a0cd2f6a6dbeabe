import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkIn, signupBody, startTestRuntime, type TestRuntime } from '../helpers/local';

/** Scheduled rules on the movable local clock: the hourly sweep of the due index sends reminders. */
describe('the local clock runs what would have fired (local runtime)', () => {
  let local: TestRuntime;
  beforeAll(async () => {
    local = await startTestRuntime();
  });
  afterAll(async () => {
    await local?.stop();
  });

  const subjectsTo = async (address: string) =>
    (await local.outbox()).filter((e) => e.to === address).map((e) => e.subject);

  it('reminds an unconfirmed person once, two days on, and never someone who confirmed', async () => {
    // Prepare: one person who confirms, one who does not
    const quiet = signupBody();
    const prompt = signupBody();
    await local.post('/v1/orgs/demo-university/signups', quiet);
    await local.post('/v1/orgs/demo-university/signups', prompt);
    await local.settle();
    const promptLink = linkIn((await local.outbox()).find((e) => e.to === prompt.email)?.text ?? '');
    expect((await fetch(promptLink)).status).toBe(200);

    // Act: a day and a half (nothing due), then to three days, then four more
    const early = await local.json<{ fired: { rule: string }[] }>('/_local/clock', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advance: 'PT36H', exact: true }),
    });
    const subjectsEarly = await subjectsTo(quiet.email);
    await local.post('/_local/clock', { advance: 'PT36H' });
    const subjectsAfterTwoDays = await subjectsTo(quiet.email);
    await local.post('/_local/clock', { advance: 'P4D' });

    // Assess
    expect(early.fired.length).toBeGreaterThanOrEqual(35);
    // The hourly sweep, and the daily rules (matching, directory sync) once a day each.
    const others = early.fired.filter((f) => f.rule !== 'sweep-due-work').map((f) => f.rule);
    expect(new Set(others)).toEqual(new Set(['daily-matching', 'directory-sync']));
    expect(others.length).toBeLessThanOrEqual(4);
    expect(subjectsEarly).toEqual(['Please confirm your email for Northfield University']);
    expect(subjectsAfterTwoDays).toEqual([
      'Please confirm your email for Northfield University',
      'A reminder to confirm your email for Northfield University',
    ]);
    expect(await subjectsTo(quiet.email)).toEqual(subjectsAfterTwoDays);
    expect(await subjectsTo(prompt.email)).toEqual(['Please confirm your email for Northfield University']);

    const reminder = (await local.outbox()).find(
      (e) => e.subject.startsWith('A reminder') && e.to === quiet.email,
    );
    expect(reminder?.text).toContain('The link works for another 5 days');
    const reminders = (await local.events()).filter((e) => e.detailType === 'VerificationReminderDue');
    expect(reminders).toHaveLength(1);
  });

  it('forgets an unconfirmed signup after 7 days, so the address can sign up afresh', async () => {
    // Prepare
    const body = signupBody();
    await local.post('/v1/orgs/demo-nonprofit/signups', body);
    await local.settle();
    const first = (await local.events()).findLast((e) => e.detailType === 'ParticipantSignedUp');
    const participantId = String(first?.detail.participantId);
    const dynamodb = new DynamoDBClient({
      endpoint: local.runtime.endpoints().dynamodb,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const itemsMentioning = async (text: string) =>
      ((await dynamodb.send(new ScanCommand({ TableName: 'kindred-local' }))).Items ?? [])
        .map((item) => JSON.stringify(unmarshall(item)))
        .filter((json) => json.includes(text));
    expect((await itemsMentioning(participantId)).length).toBeGreaterThan(0);

    // Act: past the 7 days, then the same address again
    await local.post('/_local/clock', { advance: 'P7DT1H' });
    const remaining = await itemsMentioning(participantId);
    await local.post('/v1/orgs/demo-nonprofit/signups', body);
    await local.settle();

    // Assess: nothing of the old signup is left, and the new one is a signup, not a repeat
    expect(remaining).toEqual([]);
    const second = (await local.events()).findLast((e) => e.detailType === 'ParticipantSignedUp');
    expect(second?.detail.participantId).not.toBe(participantId);
    expect((await local.outbox()).filter((e) => e.to === body.email).at(-1)?.subject).toBe(
      'Please confirm your email for Harbour Lights Community',
    );
  });
});
