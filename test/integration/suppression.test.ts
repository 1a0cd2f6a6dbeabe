import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailPseudonym } from '../../shared/adapters/email-hash';
import { dynamoParticipants } from '../../shared/data/participants';
import { dynamoRecipients } from '../../shared/data/recipients';
import { gate } from '../../shared/domain/email-gate';
import type { EmailCategory } from '../../shared/domain/nudge-policy';
import { unsubscribeLink } from '../../shared/domain/unsubscribe';
import { linkIn, signupBody, startTestRuntime, type TestRuntime } from '../helpers/local';

/**
 * Unsubscribing and suppression over HTTP against the local runtime: a mail client's RFC 8058 one-click POST
 * takes effect at once, and a bounce or complaint (SES's event, through the rule's pattern) suppresses the
 * address; what the mailers' gate then decides is read from the very items those wrote.
 */

const ORG = 'demo-university';
/** Midday in London, outside quiet hours: whatever the gate drops, it drops for a reason other than the hour. */
const MIDDAY = new Date('2030-06-04T11:00:00.000Z');

describe('unsubscribe and suppression (local runtime)', () => {
  let local: TestRuntime;
  let secret: string;
  let participants: ReturnType<typeof dynamoParticipants>;
  let recipients: ReturnType<typeof dynamoRecipients>;

  beforeAll(async () => {
    local = await startTestRuntime();
    const documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: local.runtime.endpoints().dynamodb,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
    const table = process.env.TABLE_NAME as string;
    secret = JSON.parse(readFileSync(join(local.dataDir, 'secrets.json'), 'utf8')).tokenSigning;
    const hashEmail = async (email: string) => emailPseudonym(secret, email);
    participants = dynamoParticipants(documents, table, hashEmail);
    recipients = dynamoRecipients(documents, table, hashEmail);
  });
  afterAll(async () => {
    await local?.stop();
  });

  /** Signs a mentee up and returns them as stored (the verification link's token names them). */
  const signUp = async () => {
    const body = signupBody();
    expect((await local.post(`/v1/orgs/${ORG}/signups`, body)).status).toBe(202);
    await local.settle();
    const email = (await local.outbox()).find((e) => e.to === body.email);
    const token = new URL(linkIn(email?.text ?? '')).searchParams.get('token') ?? '';
    const participantId = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()).sub;
    const person = await participants.get(ORG, participantId);
    if (!person) throw new Error('the signup stored no participant');
    return person;
  };

  const decide = async (person: Awaited<ReturnType<typeof signUp>>, category: EmailCategory) =>
    gate({ recipients }, { orgId: ORG, participant: person, category }, MIDDAY);

  const suppressedEvents = async (filter: (detail: Record<string, unknown>) => boolean) =>
    (await local.events()).filter((e) => e.detailType === 'EmailSuppressed' && filter(e.detail));

  it('a one-click unsubscribe answers 200, takes effect at once for that category only, and is announced once', async () => {
    // Prepare
    const person = await signUp();
    const link = unsubscribeLink(
      secret,
      local.base,
      ORG,
      person.participantId,
      'meeting-reminders',
      new Date(),
    );
    const oneClick = () =>
      fetch(link, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });

    // The link's page (what a mail scanner follows) changes nothing.
    const page = await fetch(link, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Unsubscribe from meeting reminders');
    expect(await decide(person, 'meeting-reminders')).toStrictEqual({ action: 'send' });

    // Act
    const response = await oneClick();

    // Assess: in effect as soon as the answer came
    expect(response.status).toBe(200);
    expect(await decide(person, 'meeting-reminders')).toStrictEqual({
      action: 'drop',
      reason: 'unsubscribed',
    });
    expect(await decide(person, 'milestones')).toStrictEqual({ action: 'send' });
    expect(await decide(person, 'transactional')).toStrictEqual({ action: 'send' });

    // Clicked again: still 200, nothing new announced.
    expect((await oneClick()).status).toBe(200);
    await local.settle();
    const announced = await suppressedEvents((d) => d.participantId === person.participantId);
    expect(announced.map((e) => e.detail)).toStrictEqual([
      expect.objectContaining({ orgId: ORG, reason: 'unsubscribe', category: 'meeting-reminders' }),
    ]);
    expect(JSON.stringify(announced)).not.toContain(person.email);
  });

  it('a forged or expired link gets a 4xx problem and records nothing', async () => {
    // Prepare
    const person = await signUp();
    const forged = unsubscribeLink(
      'not-the-secret',
      local.base,
      ORG,
      person.participantId,
      'all',
      new Date(),
    );
    const expired = unsubscribeLink(
      secret,
      local.base,
      ORG,
      person.participantId,
      'all',
      new Date('2020-01-01'),
    );
    const post = (url: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/problem+json' },
        body: 'List-Unsubscribe=One-Click',
      });

    // Act
    const [refused, gone] = [await post(forged), await post(expired)];

    // Assess
    expect([refused.status, gone.status]).toStrictEqual([400, 410]);
    expect(((await refused.json()) as { type: string }).type).toBe('urn:kindred:problem:invalid-link');
    expect(((await gone.json()) as { type: string }).type).toBe('urn:kindred:problem:link-expired');
    await local.settle();
    expect(await decide(person, 'milestones')).toStrictEqual({ action: 'send' });
    expect(await suppressedEvents((d) => d.participantId === person.participantId)).toHaveLength(0);
  });

  it('a hard bounce suppresses the address: the gate then drops everything, transactional mail included', async () => {
    // Prepare
    const person = await signUp();
    const bounce = () =>
      local.post('/_local/ses/bounce', {
        // As SES reports it, in whatever case: the pseudonym is of the normalised address.
        email: person.email.toUpperCase(),
        type: 'Permanent',
        orgId: ORG,
        participantId: person.participantId,
      });
    expect(await decide(person, 'transactional')).toStrictEqual({ action: 'send' });

    // Act
    const response = await bounce();

    // Assess
    expect(response.status).toBe(200);
    const answer = await response.json();
    expect(answer).toMatchObject({ matched: true, result: { outcome: 'suppressed', suppressed: 1 } });
    expect(JSON.stringify(answer)).not.toMatch(new RegExp(person.email, 'i'));
    for (const category of ['transactional', 'safeguarding', 'milestones', 'digest'] as const) {
      expect(await decide(person, category)).toStrictEqual({ action: 'drop', reason: 'suppressed' });
    }
    // The same bounce again (SES and EventBridge deliver at least once) changes nothing.
    expect(await (await bounce()).json()).toMatchObject({ result: { suppressed: 0, already: 1 } });
    const announced = await suppressedEvents((d) => d.participantId === person.participantId);
    expect(announced.map((e) => e.detail)).toStrictEqual([
      expect.objectContaining({ orgId: ORG, reason: 'bounce' }),
    ]);
  });

  it('a complaint suppresses the address; a transient bounce does not', async () => {
    // Prepare
    const [complainer, fullMailbox] = [await signUp(), await signUp()];

    // Act
    const complained = await local.post('/_local/ses/bounce', { email: complainer.email, type: 'Complaint' });
    const soft = await local.post('/_local/ses/bounce', { email: fullMailbox.email, type: 'Transient' });

    // Assess
    expect([complained.status, soft.status]).toStrictEqual([200, 200]);
    expect(await soft.json()).toMatchObject({ result: { outcome: 'ignored', why: 'transient-bounce' } });
    expect(await decide(complainer, 'transactional')).toStrictEqual({ action: 'drop', reason: 'suppressed' });
    expect(await decide(fullMailbox, 'transactional')).toStrictEqual({ action: 'send' });
    expect(await decide(fullMailbox, 'milestones')).toStrictEqual({ action: 'send' });
  });

  it('refuses a malformed bounce request', async () => {
    const response = await local.post('/_local/ses/bounce', { email: 'not an address', type: 'Soft' });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: { pointer: string }[] };
    expect(problem.errors.map((e) => e.pointer)).toStrictEqual(['/email', '/type']);
  });
});
