import { describe, expect, it } from 'vitest';
import { reportCsv, reportPage } from '../../functions/program-report/handler';
import {
  computeReport,
  MAX_WEEKS,
  type ProgramData,
  programReport,
  reportRows,
} from '../../shared/domain/program-report';
import { barChart, safeColour } from '../../shared/http/charts';

/**
 * A hand-built program with known outcomes: seven signups (one never verified), four matches (one still
 * running, one ended early for a schedule conflict, one for not a good fit, one completed), meetings,
 * milestones and ratings. Every expected figure below was worked out by hand.
 */

const NOW = new Date('2026-07-01T00:00:00.000Z');

const dataset = (): ProgramData => ({
  participants: [
    { participantId: 'p1', createdAt: '2026-01-05T09:00:00.000Z', verifiedAt: '2026-01-05T12:00:00.000Z' },
    { participantId: 'p2', createdAt: '2026-01-06T09:00:00.000Z', verifiedAt: '2026-01-07T00:00:00.000Z' },
    { participantId: 'p3', createdAt: '2026-01-12T09:00:00.000Z', verifiedAt: '2026-01-13T00:00:00.000Z' },
    { participantId: 'p4', createdAt: '2026-01-13T00:00:00.000Z', verifiedAt: '2026-01-13T00:00:00.000Z' },
    { participantId: 'p5', createdAt: '2026-03-02T09:00:00.000Z', verifiedAt: '2026-03-03T00:00:00.000Z' },
    { participantId: 'p6', createdAt: '2026-03-02T10:00:00.000Z' },
    { participantId: 'p7', createdAt: '2026-03-03T09:00:00.000Z', verifiedAt: '2026-03-04T00:00:00.000Z' },
  ],
  matches: [
    { matchId: 'm1', mentorId: 'p2', menteeId: 'p1', createdAt: '2026-01-09T12:00:00.000Z' },
    {
      matchId: 'm2',
      mentorId: 'p4',
      menteeId: 'p3',
      createdAt: '2026-01-23T00:00:00.000Z',
      ended: { at: '2026-03-01T00:00:00.000Z', reason: 'schedule-conflict' },
    },
    {
      matchId: 'm3',
      mentorId: 'p7',
      menteeId: 'p5',
      createdAt: '2026-03-10T00:00:00.000Z',
      ended: { at: '2026-03-20T00:00:00.000Z', reason: 'not-a-good-fit' },
    },
    {
      matchId: 'm4',
      mentorId: 'p2',
      menteeId: 'p5',
      createdAt: '2026-04-01T00:00:00.000Z',
      ended: { at: '2026-06-15T00:00:00.000Z', reason: 'completed' },
    },
  ],
  meetings: [
    { matchId: 'm1', status: 'held' },
    { matchId: 'm1', status: 'held' },
    { matchId: 'm2', status: 'skipped' },
    { matchId: 'm3', status: 'planned' },
    { matchId: 'm4', status: 'held' },
  ],
  milestones: [
    { subjectId: 'm1', name: 'first-meeting' },
    { subjectId: 'm4', name: 'first-meeting' },
    { subjectId: 'm1', name: 'months-1' },
  ],
  ratings: [
    { matchId: 'm1', rating: 5 },
    { matchId: 'm1', rating: 4 },
    { matchId: 'm4', rating: 2 },
    { matchId: 'm4', rating: 4 },
  ],
  erased: 1,
});

describe('programReport', () => {
  it('computes the funnel, lasting pairs, milestones, ratings, closures and time to match', () => {
    // Act
    const report = computeReport('riverside', 'youth', dataset(), NOW);

    // Assess
    expect(report).toMatchObject({
      orgId: 'riverside',
      programId: 'youth',
      generatedAt: NOW.toISOString(),
      signups: 7,
      verified: 6,
      matchedPeople: 6,
      matchedPairs: 4,
      firstMeetingHeldPairs: 2,
      activeAfter: [
        { months: 1, active: 3, eligible: 4 },
        { months: 3, active: 1, eligible: 4 },
        { months: 6, active: 0, eligible: 0 },
      ],
      milestones: [
        { name: 'first-meeting', count: 2 },
        { name: 'months-1', count: 1 },
      ],
      rating: { average: 3.8, count: 4 },
      // Days to first match: 2.5, 4, 6, 7, 10, 10 (a second match does not count).
      timeToMatchDays: { median: 6.5, p90: 10, count: 6 },
      erasedParticipants: 1,
    });
    expect(report.earlyClosures).toStrictEqual([
      { reason: 'schedule-conflict', count: 1 },
      { reason: 'mentor-unavailable', count: 0 },
      { reason: 'not-a-good-fit', count: 1 },
      { reason: 'participant-left', count: 0 },
      { reason: 'safeguarding-concern', count: 0 },
      { reason: 'inactivity', count: 0 },
      { reason: 'other', count: 0 },
    ]);
  });

  it('counts signups and matches per week from the first signup’s Monday to this week', () => {
    // Act
    const { weekly } = computeReport('riverside', 'youth', dataset(), NOW);

    // Assess
    expect(weekly).toHaveLength(26);
    expect(weekly[0]).toStrictEqual({ weekStart: '2026-01-05', signups: 2, matches: 1 });
    expect(weekly[weekly.length - 1]).toStrictEqual({ weekStart: '2026-06-29', signups: 0, matches: 0 });
    const nonEmpty = weekly.filter((w) => w.signups || w.matches);
    expect(nonEmpty).toStrictEqual([
      { weekStart: '2026-01-05', signups: 2, matches: 1 },
      { weekStart: '2026-01-12', signups: 2, matches: 0 },
      { weekStart: '2026-01-19', signups: 0, matches: 1 },
      { weekStart: '2026-03-02', signups: 3, matches: 0 },
      { weekStart: '2026-03-09', signups: 0, matches: 1 },
      { weekStart: '2026-03-30', signups: 0, matches: 1 },
    ]);
  });

  it('keeps the weekly series to its last year', () => {
    // Act
    const { weekly } = computeReport('riverside', 'youth', dataset(), new Date('2028-01-01T00:00:00.000Z'));

    // Assess
    expect(weekly).toHaveLength(MAX_WEEKS);
    expect(weekly.every((w) => w.signups === 0 && w.matches === 0)).toBe(true);
  });

  it('reports an empty program with zeros and no averages', async () => {
    // Prepare
    const empty: ProgramData = {
      participants: [],
      matches: [],
      meetings: [],
      milestones: [],
      ratings: [],
      erased: 0,
    };

    // Act
    const report = await programReport({ programData: async () => empty }, 'riverside', 'youth', NOW);

    // Assess
    expect(report).toMatchObject({
      signups: 0,
      verified: 0,
      matchedPairs: 0,
      rating: { average: null, count: 0 },
      timeToMatchDays: { median: null, p90: null, count: 0 },
      weekly: [],
    });
    expect(reportRows(report)).toContainEqual(['average_rating', '']);
  });

  it('exports one CSV row per figure', () => {
    // Act
    const csv = reportCsv(computeReport('riverside', 'youth', dataset(), NOW));

    // Assess
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('figure,value');
    expect(lines).toContain('signups,7');
    expect(lines).toContain('active_after_3_months,1');
    expect(lines).toContain('matched_at_least_3_months_ago,4');
    expect(lines).toContain('milestone:first-meeting,2');
    expect(lines).toContain('early_closures:not-a-good-fit,1');
    expect(lines).toContain('time_to_match_median_days,6.5');
    expect(lines).toContain('week:2026-03-02:signups,3');
    expect(lines).toHaveLength(1 + reportRows(computeReport('riverside', 'youth', dataset(), NOW)).length);
  });
});

describe('report page and charts', () => {
  it('draws titled charts in the organisation’s colour with the numbers also in tables', () => {
    // Act
    const html = reportPage(
      computeReport('riverside', 'youth', dataset(), NOW),
      'Youth <mentoring>',
      '#2e7d5b',
    );

    // Assess
    expect(html).toContain('<title>Program report: Youth &#60;mentoring&#62;</title>');
    expect(html.match(/<svg class="chart" role="img"/g)).toHaveLength(3);
    expect(html).toContain('<title id="funnel-chart-title">From signup to lasting pairs</title>');
    expect(html).toContain('Signed up: 7; Verified: 6');
    expect(html).toContain('fill="#2e7d5b"');
    expect(html).toContain('<th scope="row">Pairs active after 3 months</th><td>1</td>');
    expect(html).toContain('<th scope="row">3 months</th><td>1</td><td>4</td><td>25%</td>');
    expect(html).toContain('<a href="report.csv" download>');
  });

  it('ignores a colour that is not plain hex', () => {
    expect(safeColour('red" onload="x')).toBe('#1f4e79');
    expect(safeColour('#ABCDEF')).toBe('#ABCDEF');
    expect(
      barChart({ id: 'c', title: 't', desc: 'd', bars: [{ label: '<b>', value: 0 }], colour: '#000000' }),
    ).toContain('&#60;b&#62;');
  });
});
