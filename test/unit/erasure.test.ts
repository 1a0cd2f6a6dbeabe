import { describe, expect, it } from 'vitest';
import { planErasure, type StoredItem } from '../../shared/domain/erasure';
import { ORG_ID, participant, REQUEST_TIME } from '../fixtures/domain';

const PK = `ORG#${ORG_ID}`;
const item = (sk: string, fields: Record<string, unknown> = {}): StoredItem => ({ pk: PK, sk, ...fields });

describe('planErasure', () => {
  const ada = participant({
    participantId: 'p-ada',
    name: 'Ada Lovelace',
    email: 'ada@example.org',
    status: 'verified',
    createdAt: '2025-01-02T10:11:12.000Z',
    verifiedAt: '2025-01-02T11:00:00.000Z',
    matching: { version: 3, activeMatchIds: [], endedWith: ['p-grace'], doNotMatch: [], seeking: false },
  });

  it('deletes what is only the person’s and keeps ratings, not comments, in the tombstone', () => {
    // Prepare
    const items = [
      item('PARTICIPANT#p-ada', { name: ada.name, email: ada.email }),
      item('EMAIL#hash-of-ada', { participantId: 'p-ada' }),
      item('POOL#youth-mentoring#mentee#p-ada'),
      item('RECIPIENT#p-ada', { participantId: 'p-ada' }),
      item('RECIPIENT#p-ada#DIGEST#d1', { participantId: 'p-ada', entries: {} }),
      item('FEEDBACK#m1#p-ada#MEETING#m1-1', { rating: 2, comment: 'It was hard' }),
      item('FEEDBACK#m1#p-ada#HISTORY', { participantId: 'p-ada', ratings: [2] }),
      item('MILESTONE#p-ada#goal-reached', { reachedAt: '2025-02-01T00:00:00.000Z' }),
      item('GROUP#grief-circle#MEMBER#p-ada', { place: 'left' }),
      item('DEFERRED#abc', { participantId: 'p-ada', email: { to: ada.email } }),
    ];

    // Act
    const plan = planErasure(ada, items, REQUEST_TIME);

    // Assess
    expect(plan.deletes.map((key) => key.sk).sort()).toStrictEqual(items.map((i) => i.sk).sort());
    expect(plan.rewrites).toStrictEqual([]);
    expect(plan.tombstone).toStrictEqual({
      programId: ada.programId,
      role: ada.role,
      reached: 'matched',
      matches: 0,
      ratings: [2],
      signedUpOn: '2025-01-02',
      verifiedOn: '2025-01-02',
      erasedOn: '2025-03-14',
    });
    expect(JSON.stringify(plan.tombstone)).not.toMatch(/Ada|ada@|hard/);
  });

  it('keeps a shared match by its ids without the mentee’s own words, and other people’s items', () => {
    // Prepare
    const match = item('MATCH#m1', {
      matchId: 'm1',
      mentorId: 'p-grace',
      menteeId: 'p-ada',
      explanation: {
        score: 80,
        breakdown: [{ criterion: 'interests', points: 10 }],
        shared: { experiences: ['moving cities'], interests: ['poetry'], goals: [] },
        overlap: {
          weekStart: '2025-01-06T00:00:00.000Z',
          totalMinutes: 60,
          longestMinutes: 60,
          windows: [{}],
        },
      },
    });
    const othersRating = item('FEEDBACK#m1#p-grace#MEETING#m1-1', { rating: 4, comment: 'Great' });
    const meeting = item('MEETING#m1-1', { matchId: 'm1', mentorId: 'p-grace', menteeId: 'p-ada' });

    // Act
    const plan = planErasure(ada, [match, othersRating, meeting], REQUEST_TIME);

    // Assess
    expect(plan.deletes).toStrictEqual([]);
    expect(plan.rewrites).toHaveLength(1);
    const kept = plan.rewrites[0] as StoredItem & { explanation: Record<string, unknown> };
    expect(kept).toMatchObject({ sk: 'MATCH#m1', mentorId: 'p-grace', menteeId: 'p-ada' });
    expect(kept.explanation.shared).toStrictEqual({ experiences: [], interests: [], goals: [] });
    expect(kept.explanation.breakdown).toStrictEqual([{ criterion: 'interests', points: 10 }]);
    expect(plan.tombstone.matches).toBe(1);
  });

  it('deletes another person’s waiting email that names the person and drops such digest entries', () => {
    // Prepare
    const stale = item('DEFERRED#x', {
      participantId: 'p-grace',
      email: { content: { text: 'Your match Ada ended' } },
    });
    const unrelated = item('DEFERRED#y', {
      participantId: 'p-grace',
      email: { content: { text: 'Meeting soon' } },
    });
    const digest = item('RECIPIENT#p-grace#DIGEST#d9', {
      participantId: 'p-grace',
      // As shared/data/digests.ts stores them: a map by fold id.
      entries: { f1: { subject: 'How was your meeting with Ada?' }, f2: { subject: 'Your milestone' } },
    });

    // Act
    const plan = planErasure(ada, [stale, unrelated, digest], REQUEST_TIME);

    // Assess
    expect(plan.deletes).toStrictEqual([{ pk: PK, sk: 'DEFERRED#x' }]);
    expect(plan.rewrites).toStrictEqual([{ ...digest, entries: { f2: { subject: 'Your milestone' } } }]);
  });
});
