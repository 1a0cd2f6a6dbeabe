import { describe, expect, it } from 'vitest';
import { Problem } from '../../shared/http/problem';
import {
  CRITERIA,
  DEFAULT_WEIGHTS,
  defaultMatchingSettings,
  MatchingSettings,
  parseMatchingSettings,
} from '../../shared/matching/settings';

/** The pointers and messages the settings are refused for, as the API would name them. */
const refusal = (input: unknown) => {
  try {
    parseMatchingSettings(input, '/matching');
  } catch (error) {
    if (error instanceof Problem) return { status: error.status, errors: error.errors ?? [] };
    throw error;
  }
  return undefined;
};
const badPointers = (input: unknown) => refusal(input)?.errors.map((e) => e.pointer) ?? [];

describe('MatchingSettings', () => {
  it('gives working defaults for an empty object', () => {
    // Prepare
    const input = {};

    // Act
    const settings = MatchingSettings.parse(input);

    // Assess
    expect(settings).toEqual({
      weights: DEFAULT_WEIGHTS,
      meetingMinutes: 60,
      minimumScore: 20,
      objective: 'best-score',
      mode: 'rolling',
      defaultMentorCapacity: 2,
    });
    expect(defaultMatchingSettings).toEqual(settings);
    expect(Object.values(settings.weights).some((weight) => weight > 0)).toBe(true);
  });

  it('treats missing settings as the defaults', () => {
    expect(parseMatchingSettings(undefined)).toEqual(defaultMatchingSettings);
  });

  it('keeps the default weight of each criterion a program does not mention', () => {
    // Prepare
    const input = { weights: { 'shared-interests': 5, 'timezone-distance': 0 } };

    // Act
    const settings = parseMatchingSettings(input);

    // Assess
    expect(settings.weights).toEqual({ ...DEFAULT_WEIGHTS, 'shared-interests': 5, 'timezone-distance': 0 });
  });

  it('accepts every field set by hand', () => {
    // Prepare
    const input = {
      weights: Object.fromEntries(CRITERIA.map((criterion) => [criterion, 1.5])),
      meetingMinutes: 45,
      minimumScore: 0,
      objective: 'most-matched',
      mode: 'cohort',
      defaultMentorCapacity: 1,
    };

    // Act
    const settings = parseMatchingSettings(input);

    // Assess
    expect(settings).toEqual(input);
  });

  it.each([
    ['a negative weight', { weights: { 'shared-interests': -1 } }, '/matching/weights/shared-interests'],
    [
      'a NaN weight',
      { weights: { 'shared-experiences': Number.NaN } },
      '/matching/weights/shared-experiences',
    ],
    [
      'an infinite weight',
      { weights: { 'timezone-distance': Infinity } },
      '/matching/weights/timezone-distance',
    ],
    [
      'a weight as a string',
      { weights: { 'availability-overlap': '2' } },
      '/matching/weights/availability-overlap',
    ],
    ['an unknown criterion', { weights: { 'shared-star-sign': 1 } }, '/matching/weights/shared-star-sign'],
    ['an unknown setting', { maxDistanceKm: 10 }, '/matching/maxDistanceKm'],
    ['capacity 0', { defaultMentorCapacity: 0 }, '/matching/defaultMentorCapacity'],
    ['a fractional capacity', { defaultMentorCapacity: 1.5 }, '/matching/defaultMentorCapacity'],
    ['a minimum score below 0', { minimumScore: -1 }, '/matching/minimumScore'],
    ['a minimum score above 100', { minimumScore: 101 }, '/matching/minimumScore'],
    ['a meeting of 0 minutes', { meetingMinutes: 0 }, '/matching/meetingMinutes'],
    ['an unknown objective', { objective: 'fastest' }, '/matching/objective'],
    ['an unknown mode', { mode: 'daily' }, '/matching/mode'],
  ])('names the field for %s', (_, input, pointer) => {
    // Act
    const refused = refusal(input);

    // Assess
    expect(refused?.status).toBe(422);
    expect(refused?.errors.map((e) => e.pointer)).toEqual([pointer]);
  });

  it('refuses weights that are all zero, naming the weights', () => {
    // Prepare
    const input = { weights: Object.fromEntries(CRITERIA.map((criterion) => [criterion, 0])) };

    // Act
    const refused = refusal(input);

    // Assess
    expect(refused?.errors).toEqual([
      { pointer: '/matching/weights', detail: 'at least one weight above 0' },
    ]);
  });

  it('names only the bad weight, not the whole object, when one weight is not a number', () => {
    // Prepare: every other weight is 0, so "all zero" would also be true of what remains.
    const input = {
      weights: {
        ...Object.fromEntries(CRITERIA.map((criterion) => [criterion, 0])),
        'shared-interests': 'x',
      },
    };

    // Act & Assess
    expect(badPointers(input)).toEqual(['/matching/weights/shared-interests']);
  });

  it('names every bad field at once', () => {
    // Prepare
    const input = { weights: { 'shared-interests': -2 }, defaultMentorCapacity: 0, minimumScore: 200 };

    // Act & Assess
    expect(badPointers(input).sort()).toEqual(
      [
        '/matching/defaultMentorCapacity',
        '/matching/minimumScore',
        '/matching/weights/shared-interests',
      ].sort(),
    );
  });
});
