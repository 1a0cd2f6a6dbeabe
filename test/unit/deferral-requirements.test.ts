import { describe, expect, it } from 'vitest';
import { type RequirementReader, unmetRequirement } from '../../shared/data/deferrals';

/** What must still hold when a waiting email is finally sent. */

const reader = (
  match: { status: string; ended?: { reason: string } } | undefined,
  meeting: { status: string; sequence?: number } | undefined,
): RequirementReader => ({ match: async () => match, meeting: async () => meeting });

const ORG = 'riverside-mentors';

describe('unmetRequirement', () => {
  it('holds a reminder while its match is active and its meeting planned at the time it names', async () => {
    const requires = { activeMatch: 'm-1', plannedMeeting: 'm-1-2', meetingSequence: 0 };
    expect(
      await unmetRequirement(reader({ status: 'active' }, { status: 'planned', sequence: 0 }), ORG, requires),
    ).toBeUndefined();
  });

  it('drops a reminder of a meeting moved since it was written: the moved meeting has its own', async () => {
    const requires = { activeMatch: 'm-1', plannedMeeting: 'm-1-2', meetingSequence: 0 };
    expect(
      await unmetRequirement(reader({ status: 'active' }, { status: 'planned', sequence: 1 }), ORG, requires),
    ).toBe('meeting-moved');
  });

  it('drops a reminder of a meeting no longer planned, or of an ended match', async () => {
    const requires = { activeMatch: 'm-1', plannedMeeting: 'm-1-2' };
    expect(await unmetRequirement(reader({ status: 'active' }, { status: 'held' }), ORG, requires)).toBe(
      'planned-meeting',
    );
    expect(await unmetRequirement(reader({ status: 'ended' }, { status: 'planned' }), ORG, requires)).toBe(
      'active-match',
    );
  });

  it('drops a celebration after a safeguarding ending, not after another ending', async () => {
    const requires = { noSafeguardingEnd: 'm-1' };
    const ended = (reason: string) => reader({ status: 'ended', ended: { reason } }, undefined);
    expect(await unmetRequirement(ended('safeguarding-concern'), ORG, requires)).toBe('no-safeguarding-end');
    expect(await unmetRequirement(ended('completed'), ORG, requires)).toBeUndefined();
  });
});
