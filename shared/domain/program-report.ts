import { DateTime } from 'luxon';
import { MatchEndReason } from '../events/catalogue';
import type { EndReason } from './match';

/**
 * A mentoring program's report, computed from what the platform stored (never hand-entered): the funnel from
 * signup to lasting pairs, milestones, ratings, early closures by reason, time to match and a weekly series.
 * Ids, dates and numbers only go in; no name, address or comment is read.
 */

export interface ReportParticipant {
  participantId: string;
  createdAt: string;
  verifiedAt?: string;
}

export interface ReportMatch {
  matchId: string;
  mentorId: string;
  menteeId: string;
  createdAt: string;
  ended?: { at: string; reason: EndReason };
}

export interface ReportMeeting {
  matchId: string;
  status: string;
}

export interface ReportMilestone {
  subjectId: string;
  name: string;
}

export interface ReportRating {
  matchId: string;
  rating: number;
}

/** One program's stored facts, read by the data layer; see shared/data/program-report.ts. */
export interface ProgramData {
  participants: ReportParticipant[];
  matches: ReportMatch[];
  meetings: ReportMeeting[];
  milestones: ReportMilestone[];
  ratings: ReportRating[];
  /** Anonymous tombstones left by erasure, where the program kept any. */
  erased: number;
}

export interface ReportSource {
  programData(orgId: string, programId: string): Promise<ProgramData>;
}

export const ACTIVE_AFTER_MONTHS = [1, 3, 6] as const;
/** Early closures: every way a match ends but running its course. */
export const EARLY_REASONS = MatchEndReason.options.filter((reason) => reason !== 'completed');
/** The weekly chart stays readable: its last year at most. */
export const MAX_WEEKS = 52;

export interface ProgramReport {
  orgId: string;
  programId: string;
  generatedAt: string;
  signups: number;
  verified: number;
  matchedPeople: number;
  matchedPairs: number;
  firstMeetingHeldPairs: number;
  /** Pairs that lasted the months, of the pairs matched at least that long ago. */
  activeAfter: { months: number; active: number; eligible: number }[];
  milestones: { name: string; count: number }[];
  rating: { average: number | null; count: number };
  earlyClosures: { reason: string; count: number }[];
  timeToMatchDays: { median: number | null; p90: number | null; count: number };
  /** Weeks start on Monday (UTC). */
  weekly: { weekStart: string; signups: number; matches: number }[];
  erasedParticipants: number;
}

const utc = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });
const oneDecimal = (value: number) => Math.round(value * 10) / 10;

/** Nearest-rank percentile of sorted values: an observed value, as a coordinator would read it off a list. */
const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0 ? null : (sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number);

const median = (sorted: readonly number[]) => {
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const weekOf = (iso: string) => utc(iso).startOf('week').toISODate() as string;

const countBy = <T>(items: readonly T[], key: (item: T) => string) => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
};

const weeklySeries = (data: ProgramData, now: Date) => {
  const starts = [...data.participants.map((p) => p.createdAt), ...data.matches.map((m) => m.createdAt)];
  if (starts.length === 0) return [];
  const last = utc(now.toISOString()).startOf('week');
  const earliest = DateTime.min(...starts.map((at) => utc(at).startOf('week'))) as DateTime;
  const first = DateTime.max(earliest, last.minus({ weeks: MAX_WEEKS - 1 })) as DateTime;
  const signups = countBy(data.participants, (p) => weekOf(p.createdAt));
  const matches = countBy(data.matches, (m) => weekOf(m.createdAt));
  const weeks = [];
  for (let week = first; week <= last; week = week.plus({ weeks: 1 })) {
    const weekStart = week.toISODate() as string;
    weeks.push({ weekStart, signups: signups.get(weekStart) ?? 0, matches: matches.get(weekStart) ?? 0 });
  }
  return weeks;
};

/** Days from each person's verification to their first match, for those matched after verifying. */
const daysToFirstMatch = (data: ProgramData) => {
  const firstMatch = new Map<string, string>();
  for (const match of data.matches) {
    for (const id of [match.mentorId, match.menteeId]) {
      const known = firstMatch.get(id);
      if (!known || match.createdAt < known) firstMatch.set(id, match.createdAt);
    }
  }
  return data.participants
    .flatMap((p) => {
      const matchedAt = firstMatch.get(p.participantId);
      if (!p.verifiedAt || !matchedAt) return [];
      return [utc(matchedAt).diff(utc(p.verifiedAt), 'days').days];
    })
    .sort((a, b) => a - b);
};

export const computeReport = (
  orgId: string,
  programId: string,
  data: ProgramData,
  now: Date,
): ProgramReport => {
  const at = utc(now.toISOString());
  const heldPairs = new Set(data.meetings.filter((m) => m.status === 'held').map((m) => m.matchId));
  const activeAfter = ACTIVE_AFTER_MONTHS.map((months) => {
    const eligible = data.matches.filter((m) => utc(m.createdAt).plus({ months }) <= at);
    const active = eligible.filter((m) => !m.ended || utc(m.ended.at) >= utc(m.createdAt).plus({ months }));
    return { months, active: active.length, eligible: eligible.length };
  });
  const closures = countBy(
    data.matches.filter((m) => m.ended && m.ended.reason !== 'completed'),
    (m) => m.ended?.reason as string,
  );
  const ratings = data.ratings.map((r) => r.rating);
  const days = daysToFirstMatch(data);
  const milestoneCounts = countBy(data.milestones, (m) => m.name);
  return {
    orgId,
    programId,
    generatedAt: now.toISOString(),
    signups: data.participants.length,
    verified: data.participants.filter((p) => p.verifiedAt).length,
    matchedPeople: new Set(data.matches.flatMap((m) => [m.mentorId, m.menteeId])).size,
    matchedPairs: data.matches.length,
    firstMeetingHeldPairs: data.matches.filter((m) => heldPairs.has(m.matchId)).length,
    activeAfter,
    milestones: [...milestoneCounts]
      .map(([name, count]) => ({ name, count }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    rating: {
      average: ratings.length ? oneDecimal(ratings.reduce((sum, r) => sum + r, 0) / ratings.length) : null,
      count: ratings.length,
    },
    earlyClosures: EARLY_REASONS.map((reason) => ({ reason, count: closures.get(reason) ?? 0 })),
    timeToMatchDays: {
      median: days.length ? oneDecimal(median(days) as number) : null,
      p90: days.length ? oneDecimal(percentile(days, 0.9) as number) : null,
      count: days.length,
    },
    weekly: weeklySeries(data, now),
    erasedParticipants: data.erased,
  };
};

export const programReport = async (source: ReportSource, orgId: string, programId: string, now: Date) =>
  computeReport(orgId, programId, await source.programData(orgId, programId), now);

/** One row per figure, in the report's order: what the CSV export holds. */
export const reportRows = (report: ProgramReport): [string, string | number][] => [
  ['signups', report.signups],
  ['verified', report.verified],
  ['matched_people', report.matchedPeople],
  ['matched_pairs', report.matchedPairs],
  ['first_meeting_held_pairs', report.firstMeetingHeldPairs],
  ...report.activeAfter.flatMap(({ months, active, eligible }): [string, number][] => [
    [`active_after_${months}_months`, active],
    [`matched_at_least_${months}_months_ago`, eligible],
  ]),
  ...report.milestones.map(({ name, count }): [string, number] => [`milestone:${name}`, count]),
  ['average_rating', report.rating.average ?? ''],
  ['ratings', report.rating.count],
  ...report.earlyClosures.map(({ reason, count }): [string, number] => [`early_closures:${reason}`, count]),
  ['time_to_match_median_days', report.timeToMatchDays.median ?? ''],
  ['time_to_match_p90_days', report.timeToMatchDays.p90 ?? ''],
  ['time_to_match_people', report.timeToMatchDays.count],
  ...report.weekly.flatMap(({ weekStart, signups, matches }): [string, number][] => [
    [`week:${weekStart}:signups`, signups],
    [`week:${weekStart}:matches`, matches],
  ]),
  ['erased_participants', report.erasedParticipants],
];
