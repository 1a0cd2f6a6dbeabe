import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, linkIn, signupBody, startTestRuntime, type TestRuntime } from '../helpers/local';

/**
 * Nudges wait for the recipient's morning. The runtime's clock stands at 15:00 UTC (see startTestRuntime):
 * midnight in Tokyo. A pair matched then hear of it at 08:00 Tokyo time, not at once; their verification
 * emails (transactional) go at once.
 */

let local: TestRuntime;
beforeAll(async () => {
  local = await startTestRuntime();
}, 60_000);
afterAll(async () => {
  await local?.stop();
});

const emailsTo = async (address: string) => (await local.outbox()).filter((e) => e.to === address);

describe('quiet hours (local runtime)', () => {
  it('holds a match email made at night in the recipients’ zone until their morning, then sends it once', {
    timeout: 120_000,
  }, async () => {
    // Prepare: both in Tokyo, where it is now the middle of the night
    const tokyo = {
      timezone: 'Asia/Tokyo',
      experiences: ['starting university abroad'],
      interests: ['go'],
      availability: [{ day: 'sat', from: '10:00', to: '12:00' }],
    };
    const mentee = signupBody({ ...tokyo, name: 'Aiko Mori' });
    const mentor = signupBody({ ...tokyo, name: 'Haruki Sato', role: 'mentor' });
    for (const person of [mentee, mentor]) {
      expect((await local.post('/v1/orgs/demo-university/signups', person)).status).toBe(202);
      const email = await eventually(async () => (await emailsTo(person.email))[0]);
      expect((await fetch(linkIn(email.text))).status).toBe(200);
    }
    await local.settle();
    const { now } = await local.json<{ now: string }>('/_local/clock');
    const hour = DateTime.fromISO(now, { zone: 'Asia/Tokyo' }).hour;
    expect(hour < 8 || hour >= 21).toBe(true);
    expect((await local.events()).some((e) => e.detailType === 'MatchMade')).toBe(true);

    // Assess: nothing but the verification emails yet
    expect(await emailsTo(mentee.email)).toHaveLength(1);
    expect(await emailsTo(mentor.email)).toHaveLength(1);

    // Act: the night passes
    await local.post('/_local/clock', { advance: 'PT12H' });
    await local.settle();

    // Assess: one introduction each, sent by the sweep at or after 08:00 Tokyo time
    const due = (await local.events()).filter((e) => e.detailType === 'NudgeDue');
    expect(due).toHaveLength(2);
    for (const event of due) {
      const sent = DateTime.fromISO(event.detail.occurredAt as string, { zone: 'Asia/Tokyo' });
      expect(sent.hour).toBeGreaterThanOrEqual(8);
      expect(sent.hour).toBeLessThan(21);
    }
    for (const person of [mentee, mentor]) {
      const emails = await emailsTo(person.email);
      expect(emails).toHaveLength(2);
      expect(emails[1]?.headers['List-Unsubscribe-Post'] ?? emails[1]?.headers['list-unsubscribe-post']).toBe(
        'List-Unsubscribe=One-Click',
      );
    }
  });

  it('drops a held introduction when the match ends before the morning', { timeout: 120_000 }, async () => {
    // Prepare: another Tokyo pair, matched in the next night
    await local.post('/_local/clock', { advance: 'PT12H' });
    await local.settle();
    const night = {
      timezone: 'Asia/Tokyo',
      experiences: ['returning to study'],
      interests: ['shogi'],
      availability: [{ day: 'sun', from: '10:00', to: '12:00' }],
    };
    const mentee = signupBody({ ...night, name: 'Yui Abe' });
    const mentor = signupBody({ ...night, name: 'Ren Ito', role: 'mentor' });
    for (const person of [mentee, mentor]) {
      expect((await local.post('/v1/orgs/demo-university/signups', person)).status).toBe(202);
      const email = await eventually(async () => (await emailsTo(person.email))[0]);
      expect((await fetch(linkIn(email.text))).status).toBe(200);
    }
    await local.settle();
    const made = (await local.events()).filter((e) => e.detailType === 'MatchMade').slice(-1)[0];
    const { now } = await local.json<{ now: string }>('/_local/clock');
    const hour = DateTime.fromISO(now, { zone: 'Asia/Tokyo' }).hour;
    expect(hour < 8 || hour >= 21).toBe(true);

    // Act: a coordinator ends it while both sleep, then the night passes
    const ended = await local.admin('PUT', 'demo-university', `matches/${made?.detail.matchId}/ending`, {
      reason: 'other',
    });
    expect(ended.status).toBe(200);
    await local.post('/_local/clock', { advance: 'PT12H' });
    await local.settle();

    // Assess: the ending is told in the morning; the introduction never goes out
    for (const person of [mentee, mentor]) {
      const subjects = (await emailsTo(person.email)).map((e) => e.subject);
      expect(subjects.some((s) => /You have a (new mentee|mentor)/.test(s))).toBe(false);
      expect(subjects.some((s) => /has ended/.test(s))).toBe(true);
    }
  });
});
