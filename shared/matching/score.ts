import { z } from 'zod';
import { AvailabilitySlot, isTimeZone } from '../domain/participant';
import { fieldErrors, Problem } from '../http/problem';
import {
  clockDistanceHours,
  type Interval,
  overlapOf,
  type ReferenceWeek,
  referenceWeek,
  utcOffsetMinutes,
  type WeeklySlot,
  weeklyIntervals,
} from './availability';
import { CRITERIA, type Criterion, type MatchingSettings } from './settings';

/**
 * Scoring one mentor–mentee pair: hard filters (may they be paired at all?) and a 0–100 score that is the
 * weighted mean of the soft criteria, with the breakdown kept so every match can say why it was made.
 *
 * Pure and meant to be called for every mentor × mentee: prepare each person once ({@link prepareProfile}:
 * normalised tag sets, UTC availability intervals of the reference week), then filters and scores are set
 * look-ups and one linear interval intersection.
 */

export type Format = 'online' | 'in-person' | 'either';

/** What the matcher knows of a person: the matching part of a verified participant's profile. */
export interface MatchProfile {
  id: string;
  programId: string;
  role: 'mentor' | 'mentee';
  /** Language codes such as `en` or `pt-BR`; two people share a language when the primary subtags agree. */
  languages: readonly string[];
  /** Defaults to `either`. */
  format?: Format;
  city?: string;
  campus?: string;
  /** IANA zone the availability is written in. */
  timezone: string;
  availability: readonly WeeklySlot[];
  interests?: readonly string[];
  experiences?: readonly string[];
  goals?: readonly string[];
  /** Mentors: the goals they can help with; when absent or empty, their own goals and experiences. */
  helpsWith?: readonly string[];
  /** Mentors: how many mentees they take; when absent, the program's default capacity. */
  capacity?: number;
}

/** Zones already checked: constructing an Intl formatter per profile is the slowest part of preparing one. */
const knownZones = new Map<string, boolean>();
const isKnownZone = (zone: string) => {
  let known = knownZones.get(zone);
  if (known === undefined) {
    known = isTimeZone(zone);
    knownZones.set(zone, known);
  }
  return known;
};

const Tags = z.array(z.string('a list of words or phrases')).max(50).optional();

/** Validation of a profile before matching; the pointers name the field that makes it unmatchable. */
export const MatchProfileSchema = z.object({
  id: z.string().min(1, 'an id'),
  programId: z.string().min(1, 'a program id'),
  role: z.enum(['mentor', 'mentee'], 'mentor or mentee'),
  languages: z.array(z.string().trim().min(1, 'a language code such as en or pt-BR')).max(20),
  format: z.enum(['online', 'in-person', 'either'], 'online, in-person or either').optional(),
  city: z.string().optional(),
  campus: z.string().optional(),
  timezone: z
    .string('an IANA time zone such as Europe/London')
    .refine(isKnownZone, 'an IANA time zone such as Europe/London'),
  availability: z.array(AvailabilitySlot).min(1, 'at least one weekly slot').max(50),
  interests: Tags,
  experiences: Tags,
  goals: Tags,
  helpsWith: Tags,
  capacity: z.int('a whole number, 1 or more').min(1, 'at least 1').optional(),
});

/** A profile with everything the filters and criteria need precomputed. */
export interface PreparedProfile {
  readonly id: string;
  readonly programId: string;
  readonly role: 'mentor' | 'mentee';
  readonly timezone: string;
  /** Primary language subtags, lower case. */
  readonly languages: ReadonlySet<string>;
  readonly format: Format;
  readonly city: string | undefined;
  readonly campus: string | undefined;
  /** Normalised tag -> the person's own spelling (trimmed). */
  readonly interests: ReadonlyMap<string, string>;
  readonly experiences: ReadonlyMap<string, string>;
  readonly goals: ReadonlyMap<string, string>;
  readonly helpsWith: ReadonlySet<string>;
  readonly capacity: number | undefined;
  readonly week: ReferenceWeek;
  /** Availability as sorted, merged UTC intervals of the reference week. */
  readonly intervals: readonly Interval[];
  /** UTC offset in the middle of the reference week. */
  readonly offsetMinutes: number;
}

/**
 * Case-insensitive, trimmed, inner whitespace collapsed, trailing sentence punctuation dropped,
 * compatibility-normalised (full-width letters etc.): "Settle into  University." is "settle into university".
 */
export const normaliseTag = (tag: string) =>
  tag
    .normalize('NFKC')
    .replace(/[\s.!?;:,]+$/u, '')
    .trim()
    .replace(/\s+/gu, ' ')
    .toLowerCase();

const tagMap = (tags: readonly string[] | undefined) => {
  const map = new Map<string, string>();
  for (const tag of tags ?? []) {
    const key = normaliseTag(tag);
    if (key && !map.has(key)) map.set(key, tag.trim().replace(/\s+/gu, ' '));
  }
  return map;
};

const place = (value: string | undefined) => {
  const normalised = value === undefined ? '' : normaliseTag(value);
  return normalised || undefined;
};

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * Validates and prepares one profile for the reference week (`YYYY-MM-DD` of any day in it, or a prepared
 * week). Throws a 422 problem naming each field that makes the profile unmatchable (unknown time zone, no
 * availability, ...), as pointers under `options.pointer` (e.g. `/participants/3`).
 */
export const prepareProfile = (
  profile: MatchProfile,
  week: ReferenceWeek | string,
  options: { pointer?: string } = {},
): PreparedProfile => {
  const result = MatchProfileSchema.safeParse(profile);
  if (!result.success) {
    const id = typeof profile?.id === 'string' && SAFE_ID.test(profile.id) ? profile.id : undefined;
    throw new Problem(
      422,
      'invalid-profile',
      'A profile cannot be matched',
      id ? `Profile ${id} has fields that make it unmatchable` : undefined,
      fieldErrors(result.error, options.pointer ?? ''),
    );
  }
  const valid = result.data;
  const reference = typeof week === 'string' ? referenceWeek(week) : week;
  const goals = tagMap(valid.goals);
  const experiences = tagMap(valid.experiences);
  const helpsWith = valid.helpsWith?.length
    ? new Set(tagMap(valid.helpsWith).keys())
    : new Set([...goals.keys(), ...experiences.keys()]);
  return {
    id: valid.id,
    programId: valid.programId,
    role: valid.role,
    timezone: valid.timezone,
    languages: new Set(valid.languages.map((code) => code.split('-')[0]?.toLowerCase() ?? '')),
    format: valid.format ?? 'either',
    city: place(valid.city),
    campus: place(valid.campus),
    interests: tagMap(valid.interests),
    experiences,
    goals,
    helpsWith,
    capacity: valid.capacity,
    week: reference,
    intervals: weeklyIntervals(valid.availability, valid.timezone, reference),
    offsetMinutes: utcOffsetMinutes(valid.timezone, reference),
  };
};

/** How many mentees a mentor takes. */
export const mentorCapacity = (mentor: PreparedProfile, settings: MatchingSettings) =>
  mentor.capacity ?? settings.defaultMentorCapacity;

// ---------------------------------------------------------------------------------------------------------
// Hard filters

export const HARD_FILTERS = [
  'same-program',
  'roles',
  'shared-language',
  'format',
  'availability',
  'ended-pair',
  'do-not-match',
] as const;
export type HardFilter = (typeof HARD_FILTERS)[number];

/** Pairs as unordered keys ({@link pairKey}); build them with {@link pairSet}. */
export interface MatchContext {
  /** Pairs that were together and ended: never paired again. */
  endedPairs?: ReadonlySet<string>;
  /** Pairs a coordinator or participant said must never be matched. */
  doNotMatch?: ReadonlySet<string>;
}

/** The same key for (a, b) and (b, a). */
export const pairKey = (a: string, b: string) => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);
export const pairSet = (pairs: Iterable<readonly [string, string]>): ReadonlySet<string> =>
  new Set(Array.from(pairs, ([a, b]) => pairKey(a, b)));

const sameWeek = (a: PreparedProfile, b: PreparedProfile) => {
  if (a.week.startMillis !== b.week.startMillis) {
    throw new RangeError(`Profiles prepared for different weeks: ${a.week.monday} and ${b.week.monday}`);
  }
};

const shareLanguage = (a: PreparedProfile, b: PreparedProfile) => {
  for (const language of a.languages) if (b.languages.has(language)) return true;
  return false;
};

const formatsFit = (a: PreparedProfile, b: PreparedProfile) => {
  if (a.format !== 'in-person' && b.format !== 'in-person') return true; // both can meet online
  if (a.format === 'online' || b.format === 'online') return false;
  return (a.city !== undefined && a.city === b.city) || (a.campus !== undefined && a.campus === b.campus);
};

const failures = (
  mentor: PreparedProfile,
  mentee: PreparedProfile,
  settings: MatchingSettings,
  context: MatchContext,
  longestMinutes: number,
): HardFilter[] => {
  const failed: HardFilter[] = [];
  if (mentor.programId !== mentee.programId) failed.push('same-program');
  if (mentor.role !== 'mentor' || mentee.role !== 'mentee' || mentor.id === mentee.id) failed.push('roles');
  if (!shareLanguage(mentor, mentee)) failed.push('shared-language');
  if (!formatsFit(mentor, mentee)) failed.push('format');
  if (longestMinutes < settings.meetingMinutes) failed.push('availability');
  const key = pairKey(mentor.id, mentee.id);
  if (context.endedPairs?.has(key)) failed.push('ended-pair');
  if (context.doNotMatch?.has(key)) failed.push('do-not-match');
  return failed;
};

/** Every hard filter the pair fails, in {@link HARD_FILTERS} order; empty when they may be paired. */
export const hardFilterFailures = (
  mentor: PreparedProfile,
  mentee: PreparedProfile,
  settings: MatchingSettings,
  context: MatchContext = {},
): HardFilter[] => {
  sameWeek(mentor, mentee);
  return failures(
    mentor,
    mentee,
    settings,
    context,
    overlapOf(mentor.intervals, mentee.intervals).longestMinutes,
  );
};

// ---------------------------------------------------------------------------------------------------------
// Soft criteria and the score

export interface CriterionScore {
  criterion: Criterion;
  weight: number;
  /** How well the pair meets the criterion, 0–1. */
  value: number;
  /** The criterion's share of the score: weight × value / total weight × 100. The points sum to the score. */
  points: number;
}

/** One pair's score and why; plain data, so a stored match can keep it. */
export interface PairScore {
  mentorId: string;
  menteeId: string;
  /** 0–100: the weighted mean of the criterion values × 100. */
  score: number;
  /** One entry per criterion with a weight above 0, in {@link CRITERIA} order. */
  breakdown: CriterionScore[];
  /** What they share, in the mentee's own spelling. `goals`: the mentee's goals the mentor can help with. */
  shared: { experiences: string[]; interests: string[]; goals: string[] };
  overlap: {
    /** The reference week's Monday 00:00 UTC; windows count minutes from it. */
    weekStart: string;
    totalMinutes: number;
    longestMinutes: number;
    windows: Interval[];
  };
  /** Distance between their clocks in hours (0–12). */
  timezoneHours: number;
}

/** Shared tags count up to this many; fewer is full marks when the shorter list is all shared. */
export const SATURATION: Record<
  'shared-experiences' | 'shared-interests' | 'goals-mentor-helps-with',
  number
> = {
  'shared-experiences': 2,
  'shared-interests': 3,
  'goals-mentor-helps-with': 2,
};
/** Overlap beyond this many meetings' length adds nothing. */
export const OVERLAP_MEETINGS = 4;

const sharedOf = (mine: ReadonlyMap<string, string>, theirs: ReadonlyMap<string, string>) => {
  const shared: string[] = [];
  for (const [key, spelling] of mine) if (theirs.has(key)) shared.push(spelling);
  return shared;
};

/** min(shared, cap) / min(cap, smaller list): more shared never lowers it; 0 when nothing is shared. */
export const saturating = (shared: number, sizeA: number, sizeB: number, cap: number) =>
  shared === 0 ? 0 : Math.min(shared, cap) / Math.min(cap, sizeA, sizeB);

const scoreWith = (
  mentor: PreparedProfile,
  mentee: PreparedProfile,
  settings: MatchingSettings,
  overlap: PairScore['overlap'],
): PairScore => {
  const experiences = sharedOf(mentee.experiences, mentor.experiences);
  const interests = sharedOf(mentee.interests, mentor.interests);
  const goals: string[] = [];
  for (const [key, spelling] of mentee.goals) if (mentor.helpsWith.has(key)) goals.push(spelling);
  const timezoneHours = clockDistanceHours(mentor.offsetMinutes, mentee.offsetMinutes);

  const criterionValue = (criterion: Criterion): number => {
    switch (criterion) {
      case 'shared-experiences':
        return saturating(
          experiences.length,
          mentor.experiences.size,
          mentee.experiences.size,
          SATURATION[criterion],
        );
      case 'shared-interests':
        return saturating(
          interests.length,
          mentor.interests.size,
          mentee.interests.size,
          SATURATION[criterion],
        );
      case 'goals-mentor-helps-with':
        return saturating(goals.length, mentee.goals.size, mentee.goals.size, SATURATION[criterion]);
      case 'availability-overlap':
        return Math.min(1, overlap.totalMinutes / (OVERLAP_MEETINGS * settings.meetingMinutes));
      case 'timezone-distance':
        return 1 - timezoneHours / 12;
    }
  };

  let totalWeight = 0;
  for (const criterion of CRITERIA) totalWeight += settings.weights[criterion];
  const breakdown: CriterionScore[] = [];
  let score = 0;
  if (totalWeight > 0) {
    for (const criterion of CRITERIA) {
      const weight = settings.weights[criterion];
      if (!(weight > 0)) continue;
      const value = criterionValue(criterion);
      const points = ((weight * value) / totalWeight) * 100;
      breakdown.push({ criterion, weight, value, points });
      score += points;
    }
  }
  return {
    mentorId: mentor.id,
    menteeId: mentee.id,
    score: Math.min(100, Math.max(0, score)),
    breakdown,
    shared: { experiences, interests, goals },
    overlap,
    timezoneHours,
  };
};

const overlapFor = (mentor: PreparedProfile, mentee: PreparedProfile): PairScore['overlap'] => ({
  weekStart: mentor.week.start,
  ...overlapOf(mentor.intervals, mentee.intervals),
});

/** The pair's score with its per-criterion breakdown. Does not check the hard filters. */
export const scorePair = (
  mentor: PreparedProfile,
  mentee: PreparedProfile,
  settings: MatchingSettings,
): PairScore => {
  sameWeek(mentor, mentee);
  return scoreWith(mentor, mentee, settings, overlapFor(mentor, mentee));
};

export type PairFailure = HardFilter | 'minimum-score';

export interface PairEvaluation {
  /** No hard filter failed and the score reaches the program's minimum. */
  eligible: boolean;
  /** Why not, when not: the failed hard filters, or `minimum-score`. */
  failures: PairFailure[];
  /** Present whenever the hard filters pass (also when only the minimum score is missed). */
  result?: PairScore;
}

/** Filters and score in one pass (availability is intersected once): what the matcher calls per pair. */
export const evaluatePair = (
  mentor: PreparedProfile,
  mentee: PreparedProfile,
  settings: MatchingSettings,
  context: MatchContext = {},
): PairEvaluation => {
  sameWeek(mentor, mentee);
  const overlap = overlapFor(mentor, mentee);
  const failed = failures(mentor, mentee, settings, context, overlap.longestMinutes);
  if (failed.length > 0) return { eligible: false, failures: failed };
  const result = scoreWith(mentor, mentee, settings, overlap);
  return result.score >= settings.minimumScore
    ? { eligible: true, failures: [], result }
    : { eligible: false, failures: ['minimum-score'], result };
};
