import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Problem } from '../../shared/http/problem';
import { FALLBACK_REASON, matchReasons } from '../../shared/matching/reasons';
import {
  evaluatePair,
  hardFilterFailures,
  type MatchProfile,
  mentorCapacity,
  pairSet,
  prepareProfile,
  scorePair,
} from '../../shared/matching/score';
import { CRITERIA, defaultMatchingSettings, parseMatchingSettings } from '../../shared/matching/settings';

const WEEK = '2025-01-13';
const settings = defaultMatchingSettings;

const ada: MatchProfile = {
  id: 'ada',
  programId: 'youth-mentoring',
  role: 'mentor',
  languages: ['en', 'fr'],
  format: 'online',
  timezone: 'Europe/London',
  availability: [
    { day: 'tue', from: '18:00', to: '21:00' },
    { day: 'thu', from: '18:00', to: '21:00' },
  ],
  interests: ['hiking', 'chess', 'poetry'],
  experiences: ['moving to a new city alone', 'career change'],
  goals: ['settle into university'],
};

const sam: MatchProfile = {
  id: 'sam',
  programId: 'youth-mentoring',
  role: 'mentee',
  languages: ['en-GB'],
  format: 'either',
  timezone: 'Europe/London',
  availability: [
    { day: 'tue', from: '18:00', to: '20:00' },
    { day: 'thu', from: '18:00', to: '20:00' },
  ],
  interests: ['hiking', 'chess', 'films'],
  experiences: ['Moving to a new city alone'],
  goals: ['settle into university', 'find a first job in tech'],
};

const prepare = (profile: MatchProfile) => prepareProfile(profile, WEEK);
const failuresOf = (
  mentor: Partial<MatchProfile>,
  mentee: Partial<MatchProfile>,
  context = {},
  options = settings,
) => hardFilterFailures(prepare({ ...ada, ...mentor }), prepare({ ...sam, ...mentee }), options, context);

const refusal = (profile: unknown) => {
  try {
    prepareProfile(profile as MatchProfile, WEEK, { pointer: '/participants/3' });
  } catch (error) {
    if (error instanceof Problem) return error;
    throw error;
  }
  return undefined;
};

describe('prepareProfile', () => {
  it.each([
    ['an unknown time zone', { timezone: 'Mars/Olympus_Mons' }, '/participants/3/timezone'],
    ['empty availability', { availability: [] }, '/participants/3/availability'],
    [
      'a slot ending before it starts',
      { availability: [{ day: 'mon', from: '10:00', to: '09:00' }] },
      '/participants/3/availability/0/to',
    ],
    ['a role the matcher does not pair', { role: 'member' }, '/participants/3/role'],
    ['a capacity of 0', { capacity: 0 }, '/participants/3/capacity'],
  ])('refuses a profile with %s, naming the field', (_, change, pointer) => {
    // Act
    const problem = refusal({ ...ada, ...change });

    // Assess
    expect(problem?.status).toBe(422);
    expect(problem?.errors?.map((e) => e.pointer)).toEqual([pointer]);
  });

  it('prepares a valid profile', () => {
    // Act
    const prepared = prepare({ ...sam, interests: [' Chess ', 'chess', 'Board  games'] });

    // Assess
    expect([...prepared.interests.keys()]).toEqual(['chess', 'board games']);
    expect([...prepared.languages]).toEqual(['en']);
    expect(prepared.intervals.length).toBe(2);
  });

  it('refuses to compare people prepared for different weeks', () => {
    expect(() => scorePair(prepare(ada), prepareProfile(sam, '2025-06-02'), settings)).toThrow(RangeError);
  });
});

describe('hardFilterFailures', () => {
  it('lets a mentor and a mentee who fit be paired', () => {
    expect(failuresOf({}, {})).toEqual([]);
  });

  it('needs the same program', () => {
    expect(failuresOf({}, { programId: 'grief-circle' })).toEqual(['same-program']);
  });

  it.each([
    ['two mentors', {}, { role: 'mentor' }],
    ['two mentees', { role: 'mentee' }, {}],
    ['the roles swapped', { role: 'mentee' }, { role: 'mentor' }],
    ['one person twice', {}, { id: 'ada' }],
  ] as const)('needs a mentor and a mentee, not %s', (_, mentor, mentee) => {
    expect(failuresOf(mentor, mentee)).toEqual(['roles']);
  });

  it('needs a shared language', () => {
    expect(failuresOf({}, { languages: ['de'] })).toEqual(['shared-language']);
  });

  it('treats regional variants of a language as the same language', () => {
    expect(failuresOf({ languages: ['pt-PT'] }, { languages: ['pt-BR'] })).toEqual([]);
  });

  it.each([
    ['online', 'online', {}, {}, true],
    ['online', 'either', {}, {}, true],
    ['either', 'either (different cities: online)', { city: 'Leeds' }, { city: 'York' }, true],
    ['online', 'in-person', {}, { city: 'Leeds' }, false],
    ['in-person', 'online', { city: 'Leeds' }, {}, false],
    ['in-person', 'in-person in the same city', { city: 'Leeds' }, { city: ' leeds ' }, true],
    ['in-person', 'in-person in another city', { city: 'Leeds' }, { city: 'York' }, false],
    ['in-person', 'in-person without a city', { city: 'Leeds' }, {}, false],
    [
      'in-person',
      'in-person on the same campus',
      { campus: 'North' },
      { city: 'York', campus: 'north' },
      true,
    ],
    ['either', 'in-person in the same city', { city: 'Leeds' }, { city: 'Leeds' }, true],
    ['either', 'in-person in another city', { city: 'Leeds' }, { city: 'York' }, false],
  ] as const)(
    'format: mentor %s, mentee %s',
    (mentorFormat, menteeFormat, mentorPlace, menteePlace, fits) => {
      // Prepare
      const mentor = { format: mentorFormat, ...mentorPlace } as Partial<MatchProfile>;
      const mentee = { format: menteeFormat.split(' ')[0], ...menteePlace } as Partial<MatchProfile>;

      // Act
      const failed = failuresOf(mentor, mentee);

      // Assess
      expect(failed).toEqual(fits ? [] : ['format']);
    },
  );

  it('needs one shared window as long as a meeting, not just enough minutes in total', () => {
    // Prepare: two 45-minute windows, 90 minutes a week.
    const mentee = {
      availability: [
        { day: 'tue', from: '18:15', to: '19:00' },
        { day: 'thu', from: '20:15', to: '21:00' },
      ],
    } as const;

    // Act
    const forAnHour = failuresOf({}, mentee);
    const forThreeQuarters = failuresOf({}, mentee, {}, parseMatchingSettings({ meetingMinutes: 45 }));

    // Assess
    expect(forAnHour).toEqual(['availability']);
    expect(forThreeQuarters).toEqual([]);
  });

  it('applies time zones to the availability filter', () => {
    // Prepare: 18:00–20:00 in New York is 23:00–01:00 in London, when Ada is not free.
    const mentee = { timezone: 'America/New_York' };

    // Act & Assess
    expect(failuresOf({}, mentee)).toEqual(['availability']);
    expect(failuresOf({}, { ...mentee, availability: [{ day: 'tue', from: '13:00', to: '15:00' }] })).toEqual(
      [],
    );
  });

  it('never re-pairs a pair that ended, whichever way round it was recorded', () => {
    expect(failuresOf({}, {}, { endedPairs: pairSet([['sam', 'ada']]) })).toEqual(['ended-pair']);
  });

  it('never pairs across a do-not-match entry', () => {
    // Prepare
    const context = { doNotMatch: pairSet([['ada', 'sam']]), endedPairs: pairSet([['ada', 'kim']]) };

    // Act & Assess
    expect(failuresOf({}, {}, context)).toEqual(['do-not-match']);
  });

  it('lists every failed filter at once', () => {
    expect(failuresOf({}, { languages: ['de'], format: 'in-person', role: 'mentor' })).toEqual([
      'roles',
      'shared-language',
      'format',
    ]);
  });
});

describe('scorePair', () => {
  it('scores a pair as the weighted mean of its criteria, with the breakdown', () => {
    // Act
    const result = scorePair(prepare(ada), prepare(sam), settings);

    // Assess: default weights 3, 2, 3, 1, 1 (total 10).
    expect(result.shared).toEqual({
      experiences: ['Moving to a new city alone'],
      interests: ['hiking', 'chess'],
      goals: ['settle into university'],
    });
    expect(result.breakdown.map(({ criterion, weight, value }) => ({ criterion, weight, value }))).toEqual([
      { criterion: 'shared-experiences', weight: 3, value: 1 }, // the mentee's one experience is shared
      { criterion: 'shared-interests', weight: 2, value: 2 / 3 },
      { criterion: 'goals-mentor-helps-with', weight: 3, value: 1 / 2 },
      { criterion: 'availability-overlap', weight: 1, value: 1 }, // 4 hours: four meetings' worth
      { criterion: 'timezone-distance', weight: 1, value: 1 },
    ]);
    expect(result.score).toBeCloseTo(30 + 40 / 3 + 15 + 10 + 10, 10);
    expect(result.overlap.totalMinutes).toBe(240);
  });

  it('matches tags case-insensitively and ignoring spaces', () => {
    // Act
    const result = scorePair(
      prepare({ ...ada, interests: ['  Board   Games'] }),
      prepare({ ...sam, interests: ['board games '] }),
      settings,
    );

    // Assess
    expect(result.shared.interests).toEqual(['board games']);
  });

  it('counts a mentee goal the mentor has lived through when the mentor did not say what they help with', () => {
    // Prepare
    const mentee = prepare({ ...sam, goals: ['Career change'] });

    // Act
    const byDefault = scorePair(prepare({ ...ada, goals: [] }), mentee, settings);
    const saidOtherwise = scorePair(prepare({ ...ada, helpsWith: ['writing a CV'] }), mentee, settings);

    // Assess
    expect(byDefault.shared.goals).toEqual(['Career change']);
    expect(saidOtherwise.shared.goals).toEqual([]);
  });

  it('removes a criterion whose weight is 0', () => {
    // Prepare
    const onlyInterests = parseMatchingSettings({
      weights: Object.fromEntries(CRITERIA.map((c) => [c, c === 'shared-interests' ? 1 : 0])),
    });

    // Act
    const result = scorePair(prepare(ada), prepare(sam), onlyInterests);
    const withoutExperiences = scorePair(prepare(ada), prepare({ ...sam, experiences: [] }), onlyInterests);

    // Assess
    expect(result.breakdown.map((entry) => entry.criterion)).toEqual(['shared-interests']);
    expect(result.score).toBeCloseTo((2 / 3) * 100, 10);
    expect(withoutExperiences.score).toBe(result.score);
  });

  it('gives 100 to a pair that meets every criterion fully and little to one that shares nothing', () => {
    // Act
    const perfect = scorePair(prepare(ada), prepare({ ...ada, id: 'twin', role: 'mentee' }), settings);
    const strangers = scorePair(
      prepare(ada),
      prepare({ ...sam, interests: ['films'], experiences: ['grief'], goals: ['learn Welsh'] }),
      settings,
    );

    // Assess
    expect(perfect.score).toBeCloseTo(100, 10);
    expect(strangers.score).toBeCloseTo(20, 10); // only availability and time zone
  });

  const pool = ['chess', 'hiking', 'poetry', 'films', 'cooking', 'running', 'grief', 'career change'];
  const tags = fc.subarray(pool, { maxLength: 6 });
  const profiles = fc.record({
    mentor: fc.record({ interests: tags, experiences: tags, goals: tags }),
    mentee: fc.record({ interests: tags, experiences: tags, goals: tags }),
    weights: fc
      .tuple(...CRITERIA.map(() => fc.integer({ min: 0, max: 5 })))
      .filter((w) => w.some((x) => x > 0)),
    timezone: fc.constantFrom('Europe/London', 'Europe/Paris', 'Atlantic/Azores', 'Europe/Moscow'),
  });
  const settingsWith = (weights: number[]) =>
    parseMatchingSettings({ weights: Object.fromEntries(CRITERIA.map((c, i) => [c, weights[i]])) });

  it('keeps the score within 0–100 and equal to the sum of its points', () => {
    fc.assert(
      fc.property(profiles, ({ mentor, mentee, weights, timezone }) => {
        // Act
        const result = scorePair(
          prepare({ ...ada, ...mentor }),
          prepare({ ...sam, ...mentee, timezone }),
          settingsWith(weights),
        );

        // Assess
        expect(result.score).toBeGreaterThanOrEqual(0);
        expect(result.score).toBeLessThanOrEqual(100);
        expect(result.breakdown.reduce((sum, entry) => sum + entry.points, 0)).toBeCloseTo(result.score, 9);
        for (const entry of result.breakdown) {
          expect(entry.value).toBeGreaterThanOrEqual(0);
          expect(entry.value).toBeLessThanOrEqual(1);
          expect(entry.weight).toBeGreaterThan(0);
        }
      }),
    );
  });

  it('never lowers the score for one more shared interest', () => {
    fc.assert(
      fc.property(
        profiles,
        fc.constantFrom(...pool, 'baking', 'Chess'),
        ({ mentor, mentee, weights }, extra) => {
          // Prepare
          const options = settingsWith(weights);
          const before = scorePair(prepare({ ...ada, ...mentor }), prepare({ ...sam, ...mentee }), options);

          // Act
          const after = scorePair(
            prepare({ ...ada, ...mentor, interests: [...mentor.interests, extra] }),
            prepare({ ...sam, ...mentee, interests: [...mentee.interests, extra] }),
            options,
          );

          // Assess
          expect(after.score).toBeGreaterThanOrEqual(before.score - 1e-9);
        },
      ),
    );
  });

  it('never lowers the score when the mentee adds an interest the mentor already has', () => {
    fc.assert(
      fc.property(profiles, fc.nat(), ({ mentor, mentee, weights }, pick) => {
        // Prepare
        fc.pre(mentor.interests.length > 0);
        const options = settingsWith(weights);
        const extra = mentor.interests[pick % mentor.interests.length] as string;
        const before = scorePair(prepare({ ...ada, ...mentor }), prepare({ ...sam, ...mentee }), options);

        // Act
        const after = scorePair(
          prepare({ ...ada, ...mentor }),
          prepare({ ...sam, ...mentee, interests: [...mentee.interests, extra] }),
          options,
        );

        // Assess
        expect(after.score).toBeGreaterThanOrEqual(before.score - 1e-9);
      }),
    );
  });
});

describe('evaluatePair', () => {
  it('scores an eligible pair exactly as scorePair does', () => {
    // Act
    const evaluation = evaluatePair(prepare(ada), prepare(sam), settings);

    // Assess
    expect(evaluation).toEqual({
      eligible: true,
      failures: [],
      result: scorePair(prepare(ada), prepare(sam), settings),
    });
  });

  it('refuses a pair below the minimum score, keeping its score for the record', () => {
    // Prepare
    const strict = parseMatchingSettings({ minimumScore: 90 });

    // Act
    const evaluation = evaluatePair(prepare(ada), prepare(sam), strict);

    // Assess
    expect(evaluation.eligible).toBe(false);
    expect(evaluation.failures).toEqual(['minimum-score']);
    expect(evaluation.result?.score).toBeLessThan(90);
  });

  it('reports the hard filters and no score when a filter fails', () => {
    // Act
    const evaluation = evaluatePair(prepare(ada), prepare({ ...sam, languages: ['de'] }), settings);

    // Assess
    expect(evaluation).toEqual({ eligible: false, failures: ['shared-language'] });
  });
});

describe('mentorCapacity', () => {
  it('uses the mentor’s own capacity, else the program default', () => {
    expect(mentorCapacity(prepare({ ...ada, capacity: 4 }), settings)).toBe(4);
    expect(mentorCapacity(prepare(ada), settings)).toBe(2);
  });
});

describe('matchReasons', () => {
  const people = {
    mentor: { name: 'Ada', timezone: 'Europe/London' },
    mentee: { name: 'Sam', timezone: 'Europe/London' },
  };

  it('tells each person the strongest reasons in plain words', () => {
    // Prepare
    const result = scorePair(prepare(ada), prepare(sam), settings);

    // Act
    const reasons = matchReasons(result, people);

    // Assess
    expect(reasons.mentee).toEqual([
      'You both know what moving to a new city alone is like.',
      'Ada can help with your goal: settle into university.',
      "You're both into hiking and chess.",
    ]);
    expect(reasons.mentor).toEqual([
      'You both know what moving to a new city alone is like.',
      'You can help Sam with their goal: settle into university.',
      "You're both into hiking and chess.",
    ]);
  });

  it('describes the shared weeks in each reader’s own time zone', () => {
    // Prepare: Tuesday and Thursday 18:00–20:00 in London is 13:00–15:00 in New York.
    const mentee = {
      ...sam,
      timezone: 'America/New_York',
      interests: [],
      experiences: [],
      goals: [],
      availability: [
        { day: 'tue', from: '13:00', to: '15:00' },
        { day: 'thu', from: '13:00', to: '15:00' },
      ],
    } satisfies MatchProfile;
    const result = scorePair(prepare(ada), prepare(mentee), settings);

    // Act
    const reasons = matchReasons(result, {
      ...people,
      mentee: { name: 'Sam', timezone: 'America/New_York' },
    });

    // Assess
    expect(reasons.mentor).toEqual(['Your weeks overlap on Tuesday and Thursday evenings.']);
    expect(reasons.mentee).toEqual(['Your weeks overlap on Tuesday and Thursday afternoons.']);
  });

  it('mentions a shared time zone and several goals', () => {
    // Prepare
    const result = scorePair(
      prepare({
        ...ada,
        interests: [],
        experiences: [],
        helpsWith: ['Settle into university.', 'find a first job in tech'],
      }),
      prepare({ ...sam, interests: [], experiences: [] }),
      parseMatchingSettings({ weights: { 'timezone-distance': 5 } }),
    );

    // Act
    const reasons = matchReasons(result, people);

    // Assess
    expect(reasons.mentee).toEqual([
      'You live in the same time zone.',
      'Ada can help with your goals: settle into university and find a first job in tech.',
      'Your weeks overlap on Tuesday and Thursday evenings.',
    ]);
  });

  it('falls back to a kind sentence when nothing scored', () => {
    // Prepare
    const onlyInterests = parseMatchingSettings({
      weights: Object.fromEntries(CRITERIA.map((c) => [c, c === 'shared-interests' ? 1 : 0])),
    });
    const result = scorePair(prepare(ada), prepare({ ...sam, interests: ['films'] }), onlyInterests);

    // Act
    const reasons = matchReasons(result, people);

    // Assess
    expect(reasons).toEqual({ mentor: [FALLBACK_REASON], mentee: [FALLBACK_REASON] });
  });

  it('survives a stored score read back from JSON', () => {
    // Prepare
    const stored = JSON.parse(JSON.stringify(scorePair(prepare(ada), prepare(sam), settings)));

    // Act
    const reasons = matchReasons(stored, people);

    // Assess
    expect(reasons.mentee[0]).toBe('You both know what moving to a new city alone is like.');
    expect(reasons.mentee).toHaveLength(3);
  });
});
