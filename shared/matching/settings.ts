import { z } from 'zod';
import { fieldErrors, Problem } from '../http/problem';
import type { Objective } from './assignment-types';

/**
 * A program's matching settings. Every field has a default, so `{}` is a working configuration; a field
 * that is given must make sense (a weight that is not a number, a capacity of 0 or an unknown criterion is
 * named, not ignored).
 */

/** The soft criteria, in the order a breakdown lists them. */
export const CRITERIA = [
  'shared-experiences',
  'shared-interests',
  'goals-mentor-helps-with',
  'availability-overlap',
  'timezone-distance',
] as const;
export type Criterion = (typeof CRITERIA)[number];

/** Shared lived experience and the mentee's goals matter most; time zones least (overlap already counts). */
export const DEFAULT_WEIGHTS: Readonly<Record<Criterion, number>> = {
  'shared-experiences': 3,
  'shared-interests': 2,
  'goals-mentor-helps-with': 3,
  'availability-overlap': 1,
  'timezone-distance': 1,
};

const Weight = (fallback: number) =>
  z.number('a number (0 or more)').min(0, 'a weight of 0 or more').default(fallback);

const Weights = z
  .strictObject({
    'shared-experiences': Weight(DEFAULT_WEIGHTS['shared-experiences']),
    'shared-interests': Weight(DEFAULT_WEIGHTS['shared-interests']),
    'goals-mentor-helps-with': Weight(DEFAULT_WEIGHTS['goals-mentor-helps-with']),
    'availability-overlap': Weight(DEFAULT_WEIGHTS['availability-overlap']),
    'timezone-distance': Weight(DEFAULT_WEIGHTS['timezone-distance']),
  })
  .refine((weights) => Object.values(weights).some((weight) => weight > 0), {
    message: 'at least one weight above 0',
    // Only once every weight is a valid number, so a bad weight is not blamed on the whole object too.
    when: (payload) => payload.issues.length === 0,
  });

export const MatchingSettings = z.strictObject({
  /** Weights of the soft criteria; an omitted criterion keeps its default weight, 0 turns it off. */
  weights: Weights.prefault({}),
  /** A pair must share one weekly window at least this long (a hard filter). */
  meetingMinutes: z
    .int('a whole number of minutes')
    .min(15, 'at least 15 minutes')
    .max(240, 'at most 240 minutes')
    .default(60),
  /** Pairs scoring below this (0–100) are never made. */
  minimumScore: z.number('a score from 0 to 100').min(0, 'at least 0').max(100, 'at most 100').default(20),
  objective: z
    .enum(['best-score', 'most-matched'] as const satisfies readonly Objective[])
    .default('best-score'),
  /** `rolling`: match as people verify; `cohort`: match everyone at once on a date. */
  mode: z.enum(['rolling', 'cohort']).default('rolling'),
  /**
   * Cohorts: the day (UTC) from which the daily run matches the whole cohort, and from then on late joiners.
   * Without it a cohort is matched only when a coordinator starts a run.
   */
  cohortMatchOn: z.iso.date('a date as YYYY-MM-DD').optional(),
  /** Mentees a mentor takes when their profile does not say. */
  defaultMentorCapacity: z
    .int('a whole number, 1 or more')
    .min(1, 'at least 1')
    .max(50, 'at most 50')
    .default(2),
});
export type MatchingSettings = z.infer<typeof MatchingSettings>;
export type MatchingSettingsInput = z.input<typeof MatchingSettings>;

export const defaultMatchingSettings: MatchingSettings = MatchingSettings.parse({});

/**
 * Parses settings or throws a 422 problem naming each bad field, as JSON pointers under `prefix`
 * (e.g. `/matching` when the settings are part of a program body).
 */
export const parseMatchingSettings = (input: unknown, prefix = ''): MatchingSettings => {
  const result = MatchingSettings.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new Problem(
    422,
    'invalid-matching-settings',
    'The matching settings cannot be used',
    undefined,
    fieldErrors(result.error, prefix),
  );
};
