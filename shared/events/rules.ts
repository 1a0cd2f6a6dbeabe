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
  | 'watch-drift'
  | 'send-check-in-email'
  | 'send-deferred-email'
  | 'send-digest'
  | 'plan-group-sessions'
  | 'send-session-email'
  | 'update-directory'
  | 'check-listing'
  | 'deliver-webhook';

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
    name: 'drift-watch',
    description:
      'Arm a pair\u2019s check-in when matched, move it on with each held meeting, stop it when the match ends',
    eventPattern: {
      $or: [
        onDetailTypes('MatchMade', 'MatchEnded'),
        { ...onDetailTypes('MeetingLogged'), detail: { status: ['held'], matchId: [{ exists: true }] } },
      ],
    },
    target: 'watch-drift',
  },
  {
    name: 'check-in-escalations',
    description: 'Alert the coordinator and pause the mentor when a pair left "still meeting?" unanswered',
    eventPattern: { ...onDetailTypes('CheckInDue'), detail: { stage: ['escalate'] } },
    target: 'watch-drift',
  },
  {
    name: 'check-in-emails',
    description: 'Ask both of a drifting pair "still meeting?"; ask a paused mentor "still available?"',
    eventPattern: {
      $or: [{ ...onDetailTypes('CheckInDue'), detail: { stage: ['ask'] } }, onDetailTypes('MatchingPaused')],
    },
    target: 'send-check-in-email',
  },
  {
    name: 'rematch-after-resume',
    description: 'Match a paused mentor again as soon as they confirm they are still available',
    eventPattern: onDetailTypes('MatchingResumed'),
    target: 'match-participant',
  },
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
    // A pair's facts only: a group session's MeetingDue (no matchId) goes to group-session-plans.
    eventPattern: {
      ...onDetailTypes('MatchMade', 'MeetingDue', 'MatchEnded'),
      detail: { matchId: [{ exists: true }] },
    },
    target: 'plan-meetings',
  },
  {
    name: 'meeting-emails',
    description:
      'Remind both people of a meeting with a calendar invite; update it when moved, cancel it when cancelled',
    // A pair's meetings only: a group session's are group-session-emails'.
    eventPattern: {
      ...onDetailTypes('MeetingDue', 'MeetingRescheduled', 'MeetingCancelled'),
      detail: { matchId: [{ exists: true }] },
    },
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
  {
    name: 'digests',
    description: 'Send a digest of the nudges held back at the frequency cap, once the cap has room',
    eventPattern: onDetailTypes('DigestDue'),
    target: 'send-digest',
  },
  {
    name: 'group-session-plans',
    description:
      'Start a group\u2019s session plan when a member is seated, plan the next session as one falls due, cancel on closing',
    eventPattern: {
      $or: [
        onDetailTypes('GroupJoined', 'GroupClosed'),
        { ...onDetailTypes('MeetingDue'), detail: { groupId: [{ exists: true }] } },
      ],
    },
    target: 'plan-group-sessions',
  },
  {
    name: 'group-session-emails',
    description:
      'Remind each seated member of a group session with a calendar invite; cancel the invites of a cancelled one',
    eventPattern: {
      ...onDetailTypes('MeetingDue', 'MeetingCancelled'),
      detail: { groupId: [{ exists: true }] },
    },
    target: 'send-session-email',
  },
  {
    name: 'program-completed',
    description: 'Celebrate a pair that completed the program',
    eventPattern: { ...onDetailTypes('MatchEnded'), detail: { reason: ['completed'] } },
    target: 'record-milestones',
  },
  {
    name: 'directory-listings',
    description:
      'Keep directory listings true: seats, open mentor slots, closed groups, listings left unconfirmed',
    eventPattern: {
      $or: [
        onDetailTypes(
          'GroupJoined',
          'GroupWaitlisted',
          'GroupLeft',
          'GroupClosed',
          'MatchMade',
          'MatchEnded',
        ),
        { ...onDetailTypes('ListingCheckDue'), detail: { stage: ['hide'] } },
      ],
    },
    target: 'update-directory',
  },
  {
    name: 'listing-checks',
    description: 'Ask a listed group\u2019s contact "still running?" with one-click answers',
    eventPattern: { ...onDetailTypes('ListingCheckDue'), detail: { stage: ['ask'] } },
    target: 'check-listing',
  },
  {
    name: 'org-webhooks',
    description: 'Deliver each directory change to its organisation\u2019s webhook, signed with its key',
    eventPattern: onDetailTypes('DirectoryEntryChanged'),
    target: 'deliver-webhook',
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
  {
    name: 'directory-sync',
    description:
      'Daily: work out every organisation\u2019s directory listings again (new groups, changed settings)',
    schedule: 'rate(1 day)',
    target: 'update-directory',
  },
];
