import { type DetailType, EVENT_SOURCE } from './catalogue';

/**
 * The rules table: which events reach which function. CDK builds the bus rules from it and the local bus
 * routes with it, so no pattern is ever written twice.
 */

/** How long the bus archive keeps events for replay; consumers keep their idempotency records longer. */
export const EVENT_ARCHIVE_RETENTION_DAYS = 30;

/** Functions that rules may target; each names a folder under functions/. */
export type TargetFunction =
  | 'send-signup-email'
  | 'sweep-due-work'
  | 'match-participant'
  | 'run-matching'
  | 'send-match-email'
  | 'assign-group-seat'
  | 'send-group-email'
  | 'plan-meetings'
  | 'send-meeting-email'
  | 'record-milestones'
  | 'send-milestone-email'
  | 'suppress-address'
  | 'send-feedback-request'
  | 'alert-coordinator'
  | 'send-deferred-email';

export interface EventRule {
  name: string;
  description: string;
  eventPattern: Record<string, unknown>;
  target: TargetFunction;
}

export interface ScheduleRule {
  name: string;
  description: string;
  /** An EventBridge schedule expression; the local clock understands `rate(...)`. */
  schedule: `rate(${string})`;
  target: TargetFunction;
}

const onDetailTypes = (...detailTypes: DetailType[]) => ({
  source: [EVENT_SOURCE],
  'detail-type': detailTypes,
});

export const eventRules: readonly EventRule[] = [
  {
    name: 'signup-emails',
    description:
      'Send the verification email, its reminder, or the already-signed-up email for a repeated signup',
    eventPattern: onDetailTypes('ParticipantSignedUp', 'SignupRepeated', 'VerificationReminderDue'),
    target: 'send-signup-email',
  },
  {
    name: 'rolling-matching',
    description: 'Match a newly verified mentor or mentee at once (programs in rolling mode)',
    eventPattern: { ...onDetailTypes('ParticipantVerified'), detail: { role: ['mentor', 'mentee'] } },
    target: 'match-participant',
  },
  {
    name: 'rematch-after-ending',
    description: 'Match again whoever went back into the pool when a match ended',
    eventPattern: { ...onDetailTypes('MatchEnded'), detail: { rejoining: [{ exists: true }] } },
    target: 'match-participant',
  },
  {
    name: 'matching-runs',
    description: 'Run a whole-pool matching of one program',
    eventPattern: onDetailTypes('MatchingRunRequested'),
    target: 'run-matching',
  },
  {
    name: 'match-emails',
    description: 'Email both people of a new match, and each person when a match ends',
    eventPattern: onDetailTypes('MatchMade', 'MatchEnded'),
    target: 'send-match-email',
  },
  {
    name: 'group-seats',
    description: 'Seat or waitlist a verified group member; give a freed seat to the first waiting',
    eventPattern: {
      $or: [
        { ...onDetailTypes('ParticipantVerified'), detail: { role: ['member'] } },
        onDetailTypes('GroupLeft'),
      ],
    },
    target: 'assign-group-seat',
  },
  {
    name: 'group-emails',
    description: 'Email a member who took a seat or joined a waitlist',
    eventPattern: onDetailTypes('GroupJoined', 'GroupWaitlisted'),
    target: 'send-group-email',
  },
  {
    name: 'meeting-plans',
    description:
      'Start a pair\u2019s meeting plan, plan the next meeting as one falls due, cancel when a match ends',
    eventPattern: onDetailTypes('MatchMade', 'MeetingDue', 'MatchEnded'),
    target: 'plan-meetings',
  },
  {
    name: 'meeting-emails',
    description:
      'Remind both people of a meeting with a calendar invite; cancel the invite of a cancelled one',
    eventPattern: onDetailTypes('MeetingDue', 'MeetingCancelled'),
    target: 'send-meeting-email',
  },
  {
    name: 'milestones',
    description: 'Count held meetings and reach each milestone once',
    eventPattern: { ...onDetailTypes('MeetingLogged'), detail: { status: ['held'] } },
    target: 'record-milestones',
  },
  {
    name: 'milestone-emails',
    description: 'Celebrate a milestone with an email naming it',
    eventPattern: onDetailTypes('MilestoneReached'),
    target: 'send-milestone-email',
  },
  {
    name: 'feedback-requests',
    description: 'Ask each of a pair for a one-click rating of a meeting logged as held',
    eventPattern: {
      ...onDetailTypes('MeetingLogged'),
      detail: { status: ['held'], matchId: [{ exists: true }] },
    },
    target: 'send-feedback-request',
  },
  {
    name: 'coordinator-alerts',
    description:
      'Alert the program coordinator (two low ratings in a row) or the safeguarding contact (crisis language)',
    eventPattern: onDetailTypes('CoordinatorAlertRaised', 'SafeguardingConcernRaised'),
    target: 'alert-coordinator',
  },
  {
    name: 'deferred-emails',
    description: 'Send an email that waited for the morning, the end of a pause or room under the cap',
    eventPattern: onDetailTypes('NudgeDue'),
    target: 'send-deferred-email',
  },
];

export const scheduleRules: readonly ScheduleRule[] = [
  {
    name: 'sweep-due-work',
    description: 'Emit the events of work that has fallen due (verification reminders), from the due index',
    schedule: 'rate(1 hour)',
    target: 'sweep-due-work',
  },
  {
    name: 'daily-matching',
    description:
      'Daily: ask a whole-pool run of every mentoring program (rolling leftovers, cohorts on their date)',
    schedule: 'rate(1 day)',
    target: 'run-matching',
  },
];
