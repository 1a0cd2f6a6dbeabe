import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BUSINESS_STEPS, countStep, STAGE_VARIABLE, stepCounter } from '../../shared/adapters/metrics';

/**
 * Business metrics leave the function as CloudWatch EMF lines on stdout; CloudWatch turns them into metrics.
 * So the test reads what is printed: one record per count, namespace `kindred`, `stage` its only dimension.
 */

interface EmfRecord {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [key: string]: unknown;
}

const printed = () => {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return () =>
    lines
      .flatMap((line) => line.split('\n'))
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as EmfRecord)
      .filter((record) => record._aws !== undefined);
};

beforeEach(() => {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('stepCounter', () => {
  it('prints one EMF record per count: namespace kindred, the stage its only dimension', () => {
    const records = printed();
    const count = stepCounter('prod');
    count('MatchMade', 3);
    count('EmailSent');

    const [matches, sent, ...rest] = records();
    expect(rest).toStrictEqual([]);
    expect(matches).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          { Namespace: 'kindred', Dimensions: [['stage']], Metrics: [{ Name: 'MatchMade', Unit: 'Count' }] },
        ],
      },
      stage: 'prod',
      MatchMade: 3,
    });
    expect(sent).toMatchObject({ stage: 'prod', EmailSent: 1 });
    // No service, organisation or person: nothing but the stage and the count.
    expect(Object.keys(matches ?? {}).sort()).toStrictEqual(['MatchMade', '_aws', 'stage']);
  });

  it('counts nothing for a tally of zero', () => {
    const records = printed();
    stepCounter('prod')('MilestoneReached', 0);
    expect(records()).toStrictEqual([]);
  });

  it('prints nothing when metrics are disabled, as in tests and the local runtime', () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    const records = printed();
    stepCounter('prod')('SignupAccepted');
    expect(records()).toStrictEqual([]);
  });
});

describe('countStep', () => {
  it('never fails the step it counts, even with a bad stage in the environment', () => {
    vi.stubEnv(STAGE_VARIABLE, 'Not A Stage');
    const records = printed();
    expect(() => countStep('MeetingLogged')).not.toThrow();
    expect(records()).toStrictEqual([]);
  });

  it('counts under the stage of the function’s environment', () => {
    vi.stubEnv(STAGE_VARIABLE, 'pr-42');
    const records = printed();
    countStep('ParticipantVerified');
    expect(records()).toMatchObject([{ stage: 'pr-42', ParticipantVerified: 1 }]);
  });

  it('names the steps the dashboard shows', () => {
    expect([...BUSINESS_STEPS]).toStrictEqual([
      'SignupAccepted',
      'ParticipantVerified',
      'MatchMade',
      'MeetingLogged',
      'MilestoneReached',
      'EmailSent',
      'EmailSuppressed',
    ]);
  });
});
