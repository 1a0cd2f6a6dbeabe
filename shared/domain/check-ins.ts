import { z } from 'zod';
import type { SideChange } from '../data/matching';
import type { OutgoingEvent } from '../events/catalogue';
import { dueSortKey, hourBucket } from './due-work';
import { CADENCE_WEEKS, type Cadence } from './meetings';
import type { DueEntry, DueWorkStore } from './ports';

/**
 * Check-ins for drifting pairs: the rules (pure; the use cases are in drifting-pairs.ts). Each active pair has one check-in on the due index: three cadence periods
 * after its latest sign of life (the match, a held meeting logged, a "still meeting" answer) both are asked
 * "still meeting?"; two periods on, an ask nobody answered is escalated: the coordinator is alerted and the
 * mentor is paused from new matches until they confirm. Every change is a write conditioned on the version
 * read, and a sign of life only ever moves the due time forward, so late or redelivered events change nothing.
 */

export const ASK_AFTER_PERIODS = 3;
export const ESCALATE_AFTER_PERIODS = 2;
/** "We are taking a break": no check-in for four weeks, then we ask again. */
export const PAIR_PAUSE_DAYS = 28;
/** Worth answering while the question is open: longer than any escalation wait (2 × 4 weeks). */
export const CHECK_IN_LINK_TTL_SECONDS = 90 * 24 * 3600;

const DAY_MS = 24 * 3_600_000;

export const CheckInAnswer = z.enum(['still-meeting', 'pause', 'end'], 'still-meeting, pause or end');
export type CheckInAnswer = z.infer<typeof CheckInAnswer>;

/** Days in one cadence period: weekly 7, biweekly 14, monthly 28. */
export const periodDays = (cadence: Cadence) => CADENCE_WEEKS[cadence] * 7;

export interface CheckIn {
  orgId: string;
  matchId: string;
  programId: string;
  mentorId: string;
  menteeId: string;
  periodDays: number;
  /** The pair's latest sign of life (ISO); only ever moves forward. */
  anchorAt: string;
  /** The pair said they take a break: no ask before this (ISO). */
  pausedUntil?: string;
  /** What falls due next: the ask, or the escalation of an ask. */
  stage: 'ask' | 'escalate';
  /** When "still meeting?" was last asked (ISO). */
  askedAt?: string;
  /** The ask (its `askedAt`) whose escalation was handled, so it is handled once. */
  escalatedAsk?: string;
  answer?: { answer: CheckInAnswer; participantId: string; at: string; ask?: string };
  /** Set once its match ended: nothing re-arms it. */
  endedAt?: string;
  version: number;
}

/** As stored: when it is next due, or undefined when it is off the due index (escalated, or ended). */
export type StoredCheckIn = CheckIn & { dueAt?: string };

export interface CheckInStore {
  get(orgId: string, matchId: string): Promise<StoredCheckIn | undefined>;
  /**
   * Writes the check-in (on the due index at `dueAt`, or off it) from the version read (0: new), with its
   * events and any matching-state changes, in one transaction; false when it changed meanwhile or ended.
   */
  save(
    next: CheckIn,
    dueAt: Date | undefined,
    readVersion: number,
    extra: { events?: OutgoingEvent[]; sides?: { programId: string; side: SideChange }[] },
    now: Date,
  ): Promise<boolean>;
  /** The match ended: off the due index for good (a late MatchMade cannot re-arm it). */
  end(orgId: string, matchId: string, now: Date): Promise<void>;
}

const plusDays = (at: Date | string, days: number) => new Date(new Date(at).getTime() + days * DAY_MS);
const later = (a: Date, b: Date) => (a > b ? a : b);

/** When "still meeting?" is asked: three periods after the latest sign of life, never inside a pair's break. */
export const askDueAt = (checkIn: Pick<CheckIn, 'anchorAt' | 'pausedUntil' | 'periodDays'>) => {
  const ask = plusDays(checkIn.anchorAt, ASK_AFTER_PERIODS * checkIn.periodDays);
  return checkIn.pausedUntil ? later(ask, new Date(checkIn.pausedUntil)) : ask;
};

/** When an unanswered ask is escalated. */
export const escalationDueAt = (askedAt: Date, days: number) =>
  plusDays(askedAt, ESCALATE_AFTER_PERIODS * days);

export interface Pair {
  orgId: string;
  matchId: string;
  programId: string;
  mentorId: string;
  menteeId: string;
}

/**
 * The check-in after a sign of life at `at`: armed for its ask (which also cancels a pending escalation), or
 * undefined when it changes nothing (ended, or no later than what is already known).
 */
export const afterSignOfLife = (
  current: CheckIn | undefined,
  pair: Pair,
  days: number,
  at: Date,
): CheckIn | undefined => {
  if (current?.endedAt) return undefined;
  if (current && Date.parse(current.anchorAt) >= at.getTime()) return undefined;
  return {
    ...current,
    ...pair,
    periodDays: days,
    anchorAt: at.toISOString(),
    stage: 'ask',
    version: (current?.version ?? 0) + 1,
  };
};

/** The check-in after one of the pair answered "still meeting" or "pause" (an answer cancels the escalation). */
export const afterAnswer = (
  current: CheckIn,
  answer: Exclude<CheckInAnswer, 'end'>,
  participantId: string,
  now: Date,
): CheckIn => {
  const anchor = later(new Date(current.anchorAt), now).toISOString();
  return {
    ...current,
    stage: 'ask',
    ...(answer === 'still-meeting'
      ? { anchorAt: anchor, pausedUntil: undefined }
      : { pausedUntil: plusDays(now, PAIR_PAUSE_DAYS).toISOString() }),
    answer: {
      answer,
      participantId,
      at: now.toISOString(),
      ...(current.askedAt ? { ask: current.askedAt } : {}),
    },
    version: current.version + 1,
  };
};

/** Whether an ask is still waiting for its escalation: handed over (off the index), unanswered, not done yet. */
export const awaitsEscalation = (
  checkIn: StoredCheckIn | undefined,
): checkIn is StoredCheckIn & { askedAt: string } =>
  checkIn !== undefined &&
  !checkIn.endedAt &&
  checkIn.dueAt === undefined &&
  checkIn.stage === 'escalate' &&
  checkIn.askedAt !== undefined &&
  checkIn.escalatedAsk !== checkIn.askedAt;

/**
 * The sweep's hand-over of a due check-in: the ask becomes CheckInDue 'ask' and the item waits two periods for
 * its escalation; the escalation becomes CheckInDue 'escalate' and leaves the index. Conditioned on the stage
 * (and for the escalation its due key), so an answer or a meeting that re-armed it meanwhile wins.
 */
export const handOverCheckIn = (store: DueWorkStore, entry: DueEntry, now: Date) => {
  const {
    orgId,
    matchId,
    programId,
    mentorId,
    menteeId,
    stage,
    periodDays: days,
  } = entry as DueEntry &
    Record<'orgId' | 'matchId' | 'programId' | 'mentorId' | 'menteeId', string> & {
      stage: CheckIn['stage'];
      periodDays: number;
    };
  const event: OutgoingEvent<'CheckInDue'> = {
    detailType: 'CheckInDue',
    detail: {
      version: 1,
      orgId,
      occurredAt: now.toISOString(),
      matchId,
      programId,
      mentorId,
      menteeId,
      stage,
    },
  };
  if (stage === 'ask') {
    const escalateAt = escalationDueAt(now, days);
    return store.handOver(
      entry,
      event,
      now,
      { expression: '#stage = :ask', values: { ':ask': 'ask' }, names: { '#stage': 'stage' } },
      {
        duePk: hourBucket(escalateAt),
        dueSk: dueSortKey(escalateAt, 'check-in', orgId, matchId),
        set: { stage: 'escalate', askedAt: now.toISOString() },
      },
    );
  }
  return store.handOver(entry, event, now, {
    expression: '#stage = :escalate AND dueSk = :dueSk',
    values: { ':escalate': 'escalate', ':dueSk': entry.dueSk },
    names: { '#stage': 'stage' },
  });
};

export type AnswerOutcome = {
  outcome: 'recorded' | 'already-recorded';
  answer: CheckInAnswer;
  role: 'mentor' | 'mentee';
};
