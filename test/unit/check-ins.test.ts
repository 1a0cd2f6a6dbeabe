import { describe, expect, it } from 'vitest';
import { composeDriftingPairAlert, composeStillMeeting, quietFor } from '../../shared/domain/check-in-emails';
import {
  afterAnswer,
  afterSignOfLife,
  askDueAt,
  awaitsEscalation,
  type CheckIn,
  escalationDueAt,
  handOverCheckIn,
  PAIR_PAUSE_DAYS,
  periodDays,
} from '../../shared/domain/check-ins';
import { poolEntryOf, withoutPause, withPause } from '../../shared/domain/match';
import type { DueEntry, DueWorkStore } from '../../shared/domain/ports';
import { defaultMatchingSettings } from '../../shared/matching/settings';
import { ORG_ID, participant } from '../fixtures/domain';

/** The rules of check-ins for drifting pairs: when each falls due, forward-only moves, stage changes. */

const DAY = 24 * 3_600_000;
const MATCHED = '2026-03-02T15:00:00.000Z';
const at = (iso: string, days = 0) => new Date(Date.parse(iso) + days * DAY);

const PAIR = {
  orgId: ORG_ID,
  matchId: 'm-1',
  programId: 'youth-mentoring',
  mentorId: 'p-mentor',
  menteeId: 'p-mentee',
};

const armed = (): CheckIn => afterSignOfLife(undefined, PAIR, 14, new Date(MATCHED)) as CheckIn;

describe('when "still meeting?" is asked', () => {
  it.each([
    ['weekly', 7, 21],
    ['biweekly', 14, 42],
    ['monthly', 28, 84],
  ] as const)(
    '%s: a period is %i days, the ask three periods (%i days) after the latest sign of life',
    (cadence, days, askAfter) => {
      // Act
      const checkIn = { anchorAt: MATCHED, periodDays: periodDays(cadence) };

      // Assess
      expect(checkIn.periodDays).toBe(days);
      expect(askDueAt(checkIn)).toEqual(at(MATCHED, askAfter));
      expect(escalationDueAt(at(MATCHED, askAfter), days)).toEqual(at(MATCHED, askAfter + 2 * days));
    },
  );

  it('never inside a break the pair said they take', () => {
    expect(
      askDueAt({ anchorAt: MATCHED, periodDays: 7, pausedUntil: at(MATCHED, 30).toISOString() }),
    ).toEqual(at(MATCHED, 30));
    // A break that ends before the usual ask changes nothing.
    expect(
      askDueAt({ anchorAt: MATCHED, periodDays: 14, pausedUntil: at(MATCHED, 10).toISOString() }),
    ).toEqual(at(MATCHED, 42));
  });
});

describe('signs of life (the match, a held meeting)', () => {
  it('arm a new check-in for its ask, version 1', () => {
    expect(armed()).toEqual({ ...PAIR, periodDays: 14, anchorAt: MATCHED, stage: 'ask', version: 1 });
  });

  it('only ever move it forward: a late or repeated one changes nothing', () => {
    // Prepare
    const current = afterSignOfLife(armed(), PAIR, 14, at(MATCHED, 20)) as CheckIn;

    // Act
    const late = afterSignOfLife(current, PAIR, 14, at(MATCHED, 5));
    const repeated = afterSignOfLife(current, PAIR, 14, at(MATCHED, 20));

    // Assess
    expect(current.anchorAt).toBe(at(MATCHED, 20).toISOString());
    expect(current.version).toBe(2);
    expect(late).toBeUndefined();
    expect(repeated).toBeUndefined();
  });

  it('cancel a pending escalation, and never re-arm an ended pair', () => {
    const asked: CheckIn = { ...armed(), stage: 'escalate', askedAt: at(MATCHED, 42).toISOString() };
    expect(afterSignOfLife(asked, PAIR, 14, at(MATCHED, 50))?.stage).toBe('ask');
    expect(afterSignOfLife({ ...asked, endedAt: MATCHED }, PAIR, 14, at(MATCHED, 50))).toBeUndefined();
  });
});

describe('answers', () => {
  const asked: CheckIn = { ...armed(), stage: 'escalate', askedAt: at(MATCHED, 42).toISOString() };
  const now = at(MATCHED, 45);

  it('“still meeting” cancels the escalation and asks again three periods from now', () => {
    // Act
    const next = afterAnswer(asked, 'still-meeting', 'p-mentee', now);

    // Assess
    expect(next).toMatchObject({ stage: 'ask', anchorAt: now.toISOString(), version: 2 });
    expect(next.answer).toEqual({
      answer: 'still-meeting',
      participantId: 'p-mentee',
      at: now.toISOString(),
      ask: asked.askedAt,
    });
    expect(askDueAt(next)).toEqual(at(MATCHED, 45 + 42));
  });

  it('“pause” asks again when the break ends, keeping the latest sign of life', () => {
    // Act
    const next = afterAnswer(asked, 'pause', 'p-mentor', now);

    // Assess
    expect(next).toMatchObject({ stage: 'ask', anchorAt: MATCHED });
    expect(askDueAt(next)).toEqual(at(MATCHED, 45 + PAIR_PAUSE_DAYS));
  });
});

describe('escalation', () => {
  const asked = { ...armed(), stage: 'escalate' as const, askedAt: at(MATCHED, 42).toISOString() };

  it('waits for an ask handed over, unanswered and not yet escalated', () => {
    expect(awaitsEscalation(asked)).toBe(true);
    expect(awaitsEscalation({ ...asked, dueAt: at(MATCHED, 70).toISOString() })).toBe(false); // still waiting
    expect(awaitsEscalation({ ...asked, escalatedAsk: asked.askedAt })).toBe(false); // done once
    expect(awaitsEscalation({ ...asked, stage: 'ask' })).toBe(false); // answered or met since
    expect(awaitsEscalation({ ...asked, endedAt: MATCHED })).toBe(false);
    expect(awaitsEscalation(undefined)).toBe(false);
  });
});

describe('the sweep’s hand-over of a check-in', () => {
  const record = () => {
    const calls: Parameters<DueWorkStore['handOver']>[] = [];
    const store = {
      handOver: async (...args: Parameters<DueWorkStore['handOver']>) => {
        calls.push(args);
        return true;
      },
    } as unknown as DueWorkStore;
    return { calls, store };
  };
  const entry = (stage: CheckIn['stage']): DueEntry => ({
    pk: `ORG#${ORG_ID}`,
    sk: 'CHECKIN#m-1',
    duePk: 'DUE#2026-04-13T15',
    dueSk: `2026-04-13T15:00:00.000Z#check-in#${ORG_ID}#m-1`,
    dueKind: 'check-in',
    ...armed(),
    stage,
  });
  const now = new Date('2026-04-13T15:20:00.000Z');

  it('hands the ask over as CheckInDue ask and re-arms it two periods on as the escalation', async () => {
    // Prepare
    const { calls, store } = record();

    // Act
    await handOverCheckIn(store, entry('ask'), now);

    // Assess
    const [[, event, , condition, rearm] = []] = calls;
    expect(event).toEqual({
      detailType: 'CheckInDue',
      detail: { version: 1, occurredAt: now.toISOString(), ...PAIR, stage: 'ask' },
    });
    expect(condition).toMatchObject({ expression: '#stage = :ask', values: { ':ask': 'ask' } });
    expect(rearm).toEqual({
      duePk: 'DUE#2026-05-11T15',
      dueSk: `2026-05-11T15:20:00.000Z#check-in#${ORG_ID}#m-1`,
      set: { stage: 'escalate', askedAt: now.toISOString() },
    });
  });

  it('hands the escalation over once, off the index, only while it is still the one due', async () => {
    // Prepare
    const { calls, store } = record();

    // Act
    await handOverCheckIn(store, entry('escalate'), now);

    // Assess
    const [[, event, , condition, rearm] = []] = calls;
    expect(event?.detail).toMatchObject({ stage: 'escalate', matchId: 'm-1' });
    expect(condition?.values).toEqual({ ':escalate': 'escalate', ':dueSk': entry('escalate').dueSk });
    expect(rearm).toBeUndefined();
  });
});

describe('a paused mentor', () => {
  const mentor = participant({
    participantId: 'p-mentor',
    role: 'mentor',
    status: 'verified',
    verifiedAt: MATCHED,
    matching: { version: 3, activeMatchIds: ['m-1'], endedWith: [], doNotMatch: [], seeking: true },
  });

  it('is out of the pool until they confirm, then back in', () => {
    // Prepare
    const state = mentor.matching as NonNullable<typeof mentor.matching>;

    // Act
    const paused = withPause(state, { reason: 'unanswered-check-in', at: MATCHED, matchId: 'm-1' });
    const resumed = withoutPause(paused);

    // Assess
    expect(poolEntryOf(mentor, state, defaultMatchingSettings)).toBeDefined();
    expect(poolEntryOf(mentor, paused, defaultMatchingSettings)).toBeUndefined();
    expect(poolEntryOf(mentor, resumed, defaultMatchingSettings)?.participantId).toBe('p-mentor');
    // Each change moves the version the matching transactions are conditioned on.
    expect([paused.version, resumed.version]).toEqual([4, 5]);
    expect(resumed).not.toHaveProperty('paused');
  });
});

describe('check-in emails', () => {
  const people = {
    brand: { orgName: 'Riverside Mentors' },
    mentor: { participantId: 'p-mentor', name: 'Priya Shah', email: 'priya@example.org' },
    mentee: { participantId: 'p-mentee', name: 'Sam Okoro', email: 'sam@example.org' },
  };

  it('asks each of the pair once per ask, with their own three links', () => {
    // Act
    const emails = composeStillMeeting(
      people,
      { matchId: 'm-1', occurredAt: at(MATCHED, 42).toISOString() },
      MATCHED,
      (id, answer) => `https://api.example/v1/check-ins?token=${id}&answer=${answer}`,
    );

    // Assess
    expect(emails.map((e) => e.key)).toEqual([
      `CheckInDue:m-1:p-mentee:${at(MATCHED, 42).toISOString()}:still-meeting:v1`,
      `CheckInDue:m-1:p-mentor:${at(MATCHED, 42).toISOString()}:still-meeting:v1`,
    ]);
    expect(emails[0]?.content.subject).toBe('Are you and Priya still meeting?');
    expect(emails[0]?.content.text).toContain('for 6 weeks');
    for (const answer of ['still-meeting', 'pause', 'end']) {
      expect(emails[0]?.content.text).toContain(`token=p-mentee&answer=${answer}`);
    }
  });

  it('alerts the coordinator naming both people, and whether this pair paused the mentor', () => {
    // Act
    const email = composeDriftingPairAlert(
      { ...people, to: 'coordinator@example.org', pausedByThis: false },
      {
        version: 1,
        orgId: ORG_ID,
        occurredAt: at(MATCHED, 70).toISOString(),
        kind: 'drifting-pair',
        participantId: 'p-mentor',
        matchId: 'm-1',
      },
    );

    // Assess
    expect(email.to).toBe('coordinator@example.org');
    expect(email.content.text).toContain('Priya Shah (mentor), priya@example.org');
    expect(email.content.text).toContain('was already paused');
    expect(quietFor(MATCHED, at(MATCHED, 10))).toBe('10 days');
  });
});
