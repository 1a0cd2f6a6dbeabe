import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, linkIn, signupBody, startTestRuntime, type TestRuntime } from '../helpers/local';

/** The first slice driven over HTTP against the local runtime: signup, email, verification. */
describe('signup to verified participant (local runtime)', () => {
  let local: TestRuntime;
  beforeAll(async () => {
    local = await startTestRuntime();
  });
  afterAll(async () => {
    await local?.stop();
  });

  const emailsTo = async (address: string) => (await local.outbox()).filter((e) => e.to === address);

  it('sends a verification email within 5 s, and its link verifies the participant', async () => {
    // Prepare
    const body = signupBody();

    // Act
    const response = await local.post('/v1/orgs/demo-university/signups', body);

    // Assess
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({
      status: 'pending-verification',
      message: expect.stringContaining('Check your email'),
    });
    const [email] = await eventually(async () => {
      const found = await emailsTo(body.email);
      return found.length > 0 ? found : undefined;
    });
    expect(email?.subject).toBe('Please confirm your email for Northfield University');
    expect(email?.html).toContain('Confirm my email');

    const signedUp = await eventually(async () =>
      (await local.events()).find(
        (e) => e.detailType === 'ParticipantSignedUp' && e.deliveries.every((d) => d.status === 'delivered'),
      ),
    );
    expect(signedUp?.detail).toMatchObject({ version: 1, orgId: 'demo-university', role: 'mentee' });
    // Events carry ids, never personal data.
    expect(JSON.stringify(await local.events())).not.toContain(body.email);

    const page = await fetch(linkIn(email?.text ?? ''), { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Your email is confirmed');
    const verified = await eventually(async () =>
      (await local.events()).find(
        (e) =>
          e.detailType === 'ParticipantVerified' && e.detail.participantId === signedUp?.detail.participantId,
      ),
    );
    expect(verified.detail).toMatchObject({ orgId: 'demo-university', programId: 'first-year-mentoring' });
  });

  it('answers a repeated signup exactly like the first and emails the person instead', async () => {
    // Prepare
    const body = signupBody({ role: 'mentor' });
    const first = await local.post('/v1/orgs/demo-university/signups', body);
    await local.settle();
    const [verification] = await emailsTo(body.email);
    await fetch(linkIn(verification?.text ?? ''));
    await local.settle();
    const participantsBefore = (await local.events()).filter(
      (e) => e.detailType === 'ParticipantSignedUp',
    ).length;

    // Act: the same address again, in another case
    const again = await local.post('/v1/orgs/demo-university/signups', {
      ...body,
      email: body.email.toUpperCase(),
    });
    await local.settle();

    // Assess
    expect(again.status).toBe(first.status);
    expect(await again.text()).toBe(JSON.stringify(await first.clone().json()));
    const events = await local.events();
    expect(events.filter((e) => e.detailType === 'ParticipantSignedUp')).toHaveLength(participantsBefore);
    expect(events.some((e) => e.detailType === 'SignupRepeated')).toBe(true);
    const subjects = (await emailsTo(body.email)).map((e) => e.subject);
    expect(subjects).toEqual([
      'Please confirm your email for Northfield University',
      'You are already signed up with Northfield University',
    ]);
  });

  it('sends a pending person a fresh verification email when they sign up again, at most once a day', async () => {
    // Prepare: signed up, and back twenty minutes later (a quicker repeat is a double submit)
    const body = signupBody();
    await local.post('/v1/orgs/demo-nonprofit/signups', body);
    await local.settle();
    await local.post('/_local/clock', { advance: 'PT20M' });

    // Act
    await local.post('/v1/orgs/demo-nonprofit/signups', body);
    await local.post('/v1/orgs/demo-nonprofit/signups', body);
    await local.settle();

    // Assess: the first email, and one more for the repeats of that day
    const emails = await emailsTo(body.email);
    expect(emails.map((e) => e.subject)).toEqual([
      'Please confirm your email for Harbour Lights Community',
      'Please confirm your email for Harbour Lights Community',
    ]);
  });

  it('shows a plain confirmation page when a link is followed twice, and emits nothing new', async () => {
    // Prepare
    const body = signupBody();
    await local.post('/v1/orgs/demo-university/signups', body);
    await local.settle();
    const link = linkIn((await emailsTo(body.email))[0]?.text ?? '');
    await fetch(link);
    await local.settle();
    const before = (await local.events()).length;

    // Act
    const second = await fetch(link, { headers: { accept: 'text/html' } });
    await local.settle();

    // Assess
    expect(second.status).toBe(200);
    expect(await second.text()).toContain('You are already confirmed');
    expect((await local.events()).length).toBe(before);
  });

  it('expires verification links after 7 days on the local clock', async () => {
    // Prepare
    const body = signupBody();
    await local.post('/v1/orgs/demo-university/signups', body);
    await local.settle();
    const link = linkIn((await emailsTo(body.email))[0]?.text ?? '');

    // Act
    const moved = await local.post('/_local/clock', { advance: 'P7DT1M' });
    const response = await fetch(link);

    // Assess
    expect(moved.status).toBe(200);
    expect(response.status).toBe(410);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({
      type: 'urn:kindred:problem:link-expired',
      errors: [{ pointer: '/token', detail: 'The token has expired' }],
    });
  });

  it('refuses a clock that would move backwards', async () => {
    const response = await local.post('/_local/clock', { advance: '-P1D' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ detail: 'advance must move the clock forward' });
  });

  it('stores one participant when the same address signs up many times at once', async () => {
    // Prepare
    const body = signupBody();
    const before = (await local.events()).filter((e) => e.detailType === 'ParticipantSignedUp').length;

    // Act: ten simultaneous submissions of one address
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => local.post('/v1/orgs/demo-university/signups', body)),
    );
    await local.settle();

    // Assess: all answered alike, one participant, the rest recognised as repeats
    const bodies = await Promise.all(responses.map((r) => r.text()));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(202));
    expect(new Set(bodies).size).toBe(1);
    const events = await local.events();
    const signedUp = events.filter((e) => e.detailType === 'ParticipantSignedUp');
    expect(signedUp).toHaveLength(before + 1);
    const participantId = signedUp.at(-1)?.detail.participantId;
    const repeats = events.filter(
      (e) => e.detailType === 'SignupRepeated' && e.detail.participantId === participantId,
    );
    expect(repeats).toHaveLength(9);
    // A double submit: the one verification email already on its way is enough.
    expect((await emailsTo(body.email)).map((e) => e.subject)).toEqual([
      'Please confirm your email for Northfield University',
    ]);
  });
});
