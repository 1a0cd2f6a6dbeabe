import { type DetailType, EVENT_SOURCE } from './catalogue';

/**
 * The rules table: which events reach which function. CDK builds the bus rules from it and the local bus
 * routes with it, so no pattern is ever written twice.
 */

/** How long the bus archive keeps events for replay; consumers keep their idempotency records longer. */
export const EVENT_ARCHIVE_RETENTION_DAYS = 30;

/** Functions that rules may target; each names a folder under functions/. */
export type TargetFunction = 'send-signup-email' | 'sweep-due-work';

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
];

export const scheduleRules: readonly ScheduleRule[] = [
  {
    name: 'sweep-due-work',
    description: 'Emit the events of work that has fallen due (verification reminders), from the due index',
    schedule: 'rate(1 hour)',
    target: 'sweep-due-work',
  },
];
