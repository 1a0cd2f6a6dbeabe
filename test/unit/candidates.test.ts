import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateProfiles } from '../../bench/profiles';
import type { Candidate } from '../../shared/matching/assignment-types';
import type { WeeklySlot } from '../../shared/matching/availability';
import { buildCandidates } from '../../shared/matching/candidates';
import {
  evaluatePair,
  hardFilterFailures,
  type MatchContext,
  type MatchProfile,
  type PreparedProfile,
  pairKey,
  pairSet,
  prepareProfile,
  scorePair,
} from '../../shared/matching/score';
import {
  defaultMatchingSettings,
  type MatchingSettings,
  parseMatchingSettings,
} from '../../shared/matching/settings';

const WEEK = '2025-03-10';
const prepare = (profile: MatchProfile) => prepareProfile(profile, WEEK);

/** The definition: every eligible pair, the best `perMentee` per mentee by score (ties: lower mentor index). */
const bruteForce = (
  mentors: readonly PreparedProfile[],
  mentees: readonly PreparedProfile[],
  settings: MatchingSettings,
  context: MatchContext,
  perMentee: number,
): Candidate[] => {
  const out: Candidate[] = [];
  mentees.forEach((mentee, u) => {
    const eligible: Candidate[] = [];
    mentors.forEach((mentor, v) => {
      const evaluation = evaluatePair(mentor, mentee, settings, context);
      if (evaluation.eligible && evaluation.result) {
        eligible.push({ mentee: u, mentor: v, score: evaluation.result.score });
      }
    });
    eligible.sort((a, b) => b.score - a.score || a.mentor - b.mentor);
    out.push(...eligible.slice(0, perMentee));
  });
  return out;
};

// Small vocabularies, so random people share a lot (and ties happen).
const EXPERIENCES = ['grief', 'job loss', 'divorce', 'moving abroad', 'anxiety'];
const INTERESTS = ['hiking', 'chess', 'cooking', 'music', 'reading'];
const GOALS = ['find a job', 'manage anxiety', 'build routines', 'make friends'];
const ZONES = ['Europe/London', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata'];

const tags = (vocabulary: string[]) =>
  fc
    .subarray(vocabulary)
    .chain((chosen) => fc.tuple(...chosen.map((tag) => fc.constantFrom(tag, tag.toUpperCase(), `${tag}.`))));

const slot: fc.Arbitrary<WeeklySlot> = fc
  .tuple(
    fc.constantFrom('mon', 'wed', 'sat'),
    fc.constantFrom(8, 12, 17, 18, 19, 20),
    fc.constantFrom(30, 60, 90, 120, 180),
  )
  .map(([day, hour, length]) => {
    const end = Math.min(hour * 60 + length, 23 * 60 + 59);
    const hhmm = (minutes: number) =>
      `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
    return { day, from: hhmm(hour * 60), to: hhmm(end) } as WeeklySlot;
  });

const profile = (role: 'mentor' | 'mentee', i: number): fc.Arbitrary<MatchProfile> =>
  fc
    .record({
      programId: fc.constantFrom('p1', 'p1', 'p1', 'p2'),
      role: fc.constantFrom(
        role,
        role,
        role,
        role,
        role,
        role,
        role,
        role,
        role === 'mentor' ? 'mentee' : 'mentor',
      ),
      languages: fc.subarray(['en', 'en-GB', 'es', 'fr'], { minLength: 1 }),
      format: fc.constantFrom('online', 'either', 'in-person', undefined),
      city: fc.constantFrom('Leeds', 'Paris', undefined),
      campus: fc.constantFrom('north', undefined),
      timezone: fc.constantFrom(...ZONES),
      availability: fc.array(slot, { minLength: 1, maxLength: 3 }),
      experiences: tags(EXPERIENCES),
      interests: tags(INTERESTS),
      goals: tags(GOALS),
      helpsWith: fc.option(tags([...GOALS, ...EXPERIENCES]), { nil: undefined }),
      capacity: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
    })
    .map((fields) => {
      const p: MatchProfile = { id: `${role}-${i}`, ...fields } as MatchProfile;
      for (const key of Object.keys(p) as (keyof MatchProfile)[]) if (p[key] === undefined) delete p[key];
      return p;
    });

const pool = fc
  .tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 10 }))
  .chain(([mentorCount, menteeCount]) =>
    fc.record({
      mentors: fc.tuple(...Array.from({ length: mentorCount }, (_, i) => profile('mentor', i))),
      mentees: fc.tuple(...Array.from({ length: menteeCount }, (_, i) => profile('mentee', i))),
    }),
  )
  .chain(({ mentors, mentees }) => {
    const pairs = mentors.flatMap((a) => mentees.map((b) => [a.id, b.id] as const));
    const somePairs = pairs.length
      ? fc.subarray(pairs, { maxLength: Math.min(6, pairs.length) })
      : fc.constant([]);
    return fc.record({
      mentors: fc.constant(mentors as MatchProfile[]),
      mentees: fc.constant(mentees as MatchProfile[]),
      ended: somePairs,
      doNotMatch: somePairs,
    });
  });

const settingsArbitrary = fc
  .record({
    weights: fc.record({
      'shared-experiences': fc.constantFrom(0, 1, 3),
      'shared-interests': fc.constantFrom(0, 2),
      'goals-mentor-helps-with': fc.constantFrom(0, 3, 5),
      'availability-overlap': fc.constantFrom(0, 1, 2),
      'timezone-distance': fc.constantFrom(0, 1, 0.5),
    }),
    meetingMinutes: fc.constantFrom(30, 60, 90),
    minimumScore: fc.constantFrom(0, 5, 10, 20, 40, 60),
    defaultMentorCapacity: fc.integer({ min: 1, max: 5 }),
    objective: fc.constantFrom('best-score', 'most-matched'),
  })
  .filter(({ weights }) => Object.values(weights).some((w) => w > 0))
  .map((input) => parseMatchingSettings(input));

interface RawPool {
  mentors: MatchProfile[];
  mentees: MatchProfile[];
  ended: readonly (readonly [string, string])[];
  doNotMatch: readonly (readonly [string, string])[];
}

const preparePool = ({ mentors, mentees, ended, doNotMatch }: RawPool) => ({
  mentors: mentors.map(prepare),
  mentees: mentees.map(prepare),
  context: { endedPairs: pairSet(ended), doNotMatch: pairSet(doNotMatch) } satisfies MatchContext,
});

describe('buildCandidates', () => {
  it('with a shortlist as large as the pool, equals the brute-force top candidates of every eligible pair', () => {
    fc.assert(
      fc.property(pool, settingsArbitrary, fc.integer({ min: 1, max: 5 }), (raw, settings, perMentee) => {
        const { mentors, mentees, context } = preparePool(raw);
        const built = buildCandidates(mentors, mentees, settings, context, {
          perMentee,
          shortlist: Math.max(1, mentors.length),
        });
        expect(built.problem.candidates).toEqual(bruteForce(mentors, mentees, settings, context, perMentee));
        expect(built.stats.cappedMentees).toBe(0);
        expect(built.stats.boundViolations).toBe(0);
        expect(built.problem.menteeCount).toBe(mentees.length);
        expect(built.problem.objective).toBe(settings.objective);
      }),
      { numRuns: 150 },
    );
  });

  it('with any shortlist, keeps only eligible pairs, at most perMentee (and shortlist) per mentee, scored as evaluatePair scores them', () => {
    fc.assert(
      fc.property(
        pool,
        settingsArbitrary,
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        (raw, settings, perMentee, shortlist) => {
          const { mentors, mentees, context } = preparePool(raw);
          const built = buildCandidates(mentors, mentees, settings, context, { perMentee, shortlist });
          const perMenteeCount = new Map<number, number>();
          const seen = new Set<string>();
          for (const { mentee, mentor, score } of built.problem.candidates) {
            const m = mentors[mentor] as PreparedProfile;
            const e = mentees[mentee] as PreparedProfile;
            expect(hardFilterFailures(m, e, settings, context)).toEqual([]);
            const evaluation = evaluatePair(m, e, settings, context);
            expect(evaluation.eligible).toBe(true);
            expect(score).toBe(evaluation.result?.score);
            expect(score).toBeGreaterThanOrEqual(settings.minimumScore);
            expect(context.endedPairs.has(pairKey(m.id, e.id))).toBe(false);
            expect(context.doNotMatch.has(pairKey(m.id, e.id))).toBe(false);
            expect(seen.has(`${mentee}:${mentor}`)).toBe(false);
            seen.add(`${mentee}:${mentor}`);
            perMenteeCount.set(mentee, (perMenteeCount.get(mentee) ?? 0) + 1);
          }
          for (const count of perMenteeCount.values()) {
            expect(count).toBeLessThanOrEqual(Math.min(perMentee, shortlist));
          }
          expect(built.stats.evaluated).toBeLessThanOrEqual(shortlist * mentees.length);
        },
      ),
      { numRuns: 150 },
    );
  });

  const mentor: MatchProfile = {
    id: 'ada',
    programId: 'p1',
    role: 'mentor',
    languages: ['en'],
    timezone: 'Europe/London',
    availability: [{ day: 'tue', from: '18:00', to: '21:00' }],
    experiences: ['grief', 'job loss'],
    interests: ['chess'],
    goals: ['find a job'],
    capacity: 3,
  };
  const mentee: MatchProfile = {
    id: 'sam',
    programId: 'p1',
    role: 'mentee',
    languages: ['en-GB'],
    timezone: 'Europe/London',
    availability: [{ day: 'tue', from: '19:00', to: '21:00' }],
    experiences: ['Grief'],
    interests: ['chess'],
    goals: ['find a job'],
  };
  const otherMentor: MatchProfile = { ...mentor, id: 'bo', capacity: undefined, experiences: ['divorce'] };

  it('excludes ended pairs and do-not-match pairs, and only those', () => {
    const mentors = [prepare(mentor), prepare(otherMentor)];
    const mentees = [prepare(mentee)];
    const all = buildCandidates(mentors, mentees, defaultMatchingSettings);
    expect(all.problem.candidates.map((c) => c.mentor)).toEqual([0, 1]);

    const ended = buildCandidates(mentors, mentees, defaultMatchingSettings, {
      endedPairs: pairSet([['sam', 'ada']]),
    });
    expect(ended.problem.candidates.map((c) => c.mentor)).toEqual([1]);

    const blocked = buildCandidates(mentors, mentees, defaultMatchingSettings, {
      doNotMatch: pairSet([['bo', 'sam']]),
    });
    expect(blocked.problem.candidates.map((c) => c.mentor)).toEqual([0]);
  });

  it('takes capacities from the profile, else from the settings, and the objective from the settings', () => {
    const mentors = [prepare(mentor), prepare(otherMentor)];
    const settings = parseMatchingSettings({ defaultMentorCapacity: 5, objective: 'most-matched' });
    const built = buildCandidates(mentors, [prepare(mentee)], settings);
    expect(built.problem.mentorCapacity).toEqual([3, 5]);
    expect(built.problem.objective).toBe('most-matched');
    expect(buildCandidates(mentors, [], defaultMatchingSettings).problem.mentorCapacity).toEqual([3, 2]);
  });

  it('maps indices back to ids and recovers each pair’s breakdown', () => {
    const mentors = [prepare(mentor), prepare({ ...otherMentor, languages: ['fr'] })];
    const mentees = [prepare(mentee)];
    const built = buildCandidates(mentors, mentees, defaultMatchingSettings);
    expect(built.menteeIds).toEqual(['sam']);
    expect(built.mentorIds).toEqual(['ada', 'bo']);
    const [best] = built.problem.candidates;
    expect(best).toBeDefined();
    const explained = built.explain(best as Candidate);
    expect(explained).toEqual(
      scorePair(mentors[0] as PreparedProfile, mentees[0] as PreparedProfile, defaultMatchingSettings),
    );
    expect(explained.score).toBe(best?.score);
    expect(explained.shared.experiences).toEqual(['Grief']);
    expect(built.evaluate({ mentee: 0, mentor: 1 }).failures).toEqual(['shared-language']);
    expect(() => built.explain({ mentee: 0, mentor: 1 })).toThrow(RangeError);
    expect(() => built.explain({ mentee: 1, mentor: 0 })).toThrow(RangeError);
  });

  it('gives nothing to a mentee of another program, one that is not a mentee, or without a shared language', () => {
    const mentors = [prepare(mentor)];
    const mentees = [
      prepare({ ...mentee, id: 'a', programId: 'p2' }),
      prepare({ ...mentee, id: 'b', role: 'mentor' }),
      prepare({ ...mentee, id: 'c', languages: ['pt'] }),
      prepare({ ...mentee, id: 'd' }),
    ];
    const built = buildCandidates(mentors, mentees, defaultMatchingSettings);
    expect(built.problem.candidates.map((c) => c.mentee)).toEqual([3]);
    expect(built.stats.menteesWithoutCandidates).toBe(3);
  });

  it('rejects a perMentee or shortlist below 1', () => {
    expect(() => buildCandidates([], [], defaultMatchingSettings, {}, { perMentee: 0 })).toThrow(RangeError);
    expect(() => buildCandidates([], [], defaultMatchingSettings, {}, { shortlist: 0 })).toThrow(RangeError);
  });

  it('on a realistic pool, finds the exact top candidates while scoring a small share of all pairs', () => {
    const generated = generateProfiles({ mentees: 400, seed: 3 });
    const mentors = generated.mentors.map(prepare);
    const mentees = generated.mentees.map(prepare);
    const settings = defaultMatchingSettings;
    const built = buildCandidates(
      mentors,
      mentees,
      settings,
      {},
      { perMentee: 10, shortlist: mentors.length },
    );
    expect(built.problem.candidates).toEqual(bruteForce(mentors, mentees, settings, {}, 10));
    expect(built.problem.candidates.length).toBeGreaterThan(mentees.length * 3);
    expect(built.stats.evaluated).toBeLessThan((mentors.length * mentees.length) / 4);
  });
});
