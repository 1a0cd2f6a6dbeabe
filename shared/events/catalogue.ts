import { z } from 'zod';

/**
 * The event catalogue: the only place an event's shape is written. Publishers and consumers import it,
 * CDK publishes its JSON Schemas to the schema registry, and contract tests keep it backward compatible.
 *
 * Details carry ids, never personal data (emails, names, free text): the bus archive keeps every event,
 * and an id can be erased at its source while an email address copied into an archive cannot.
 */

export const EVENT_SOURCE = 'kindred';

export const Id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and dashes');
export const Role = z.enum(['mentor', 'mentee', 'member']);
export const MatchEndReason = z.enum([
  'completed',
  'schedule-conflict',
  'mentor-unavailable',
  'not-a-good-fit',
  'participant-left',
  'safeguarding-concern',
  'inactivity',
  'other',
]);
export const Milestone = z.enum([
  'first-meeting',
  'meetings-3',
  'meetings-6',
  'meetings-12',
  'months-1',
  'months-3',
  'months-6',
  'months-12',
  'goal-achieved',
  'program-completed',
  'sessions-1',
  'sessions-5',
  'sessions-10',
]);

/** Fields every detail carries. `version` is the detail's schema version; consumers tolerate unknown fields. */
const envelope = {
  version: z.literal(1),
  orgId: Id,
  occurredAt: z.iso.datetime(),
};

const detail = <T extends z.ZodRawShape>(shape: T) => z.object({ ...envelope, ...shape });

export const catalogue = {
  ParticipantSignedUp: detail({
    participantId: Id,
    programId: Id,
    role: Role,
  }).describe('A signup form was accepted for a new participant; their email is not yet verified.'),

  SignupRepeated: detail({
    participantId: Id,
    programId: Id,
  }).describe(
    'Someone submitted the signup form again with an address that is already registered at the organisation.',
  ),

  VerificationReminderDue: detail({
    participantId: Id,
    programId: Id,
  }).describe('A signup is still unconfirmed two days on; its person gets one reminder.'),

  ParticipantVerified: detail({
    participantId: Id,
    programId: Id,
    role: Role,
  }).describe('A participant followed the verification link in their email (double opt-in).'),

  MatchMade: detail({
    matchId: Id,
    programId: Id,
    mentorId: Id,
    menteeId: Id,
    score: z.number(),
    reasons: z.array(z.object({ criterion: z.string(), score: z.number() })),
  }).describe('A mentor and a mentee were paired.'),

  MatchEnded: detail({
    matchId: Id,
    programId: Id,
    mentorId: Id,
    menteeId: Id,
    reason: MatchEndReason,
    endedBy: z.enum(['mentor', 'mentee', 'coordinator', 'system']),
    /** Who went back into the pool to be matched again (absent in events from before it existed: nobody). */
    rejoining: z.array(z.enum(['mentor', 'mentee'])).optional(),
  }).describe('A pair ended, with the reason; the pair is never matched again.'),

  MatchingRunRequested: detail({
    runId: Id,
    programId: Id,
    trigger: z.enum(['coordinator', 'schedule']),
  }).describe('A whole-pool matching run of one program was asked for.'),

  MatchingRunCompleted: detail({
    runId: Id,
    programId: Id,
    mentees: z.number().int().nonnegative(),
    mentors: z.number().int().nonnegative(),
    matched: z.number().int().nonnegative(),
    totalScore: z.number().nonnegative(),
    /** The assignment is the exact optimum of the candidate graph (false: a conflicting write skipped pairs). */
    exact: z.boolean(),
  }).describe('A whole-pool matching run finished; each pair it made is its own MatchMade.'),

  MeetingDue: detail({
    meetingId: Id,
    matchId: Id.optional(),
    groupId: Id.optional(),
    startsAt: z.iso.datetime(),
    sequence: z.number().int().nonnegative(),
  }).describe('A planned meeting starts within the reminder lead.'),

  MeetingCancelled: detail({
    meetingId: Id,
    matchId: Id.optional(),
    groupId: Id.optional(),
    startsAt: z.iso.datetime(),
    /** The invite's SEQUENCE after the cancellation. */
    sequence: z.number().int().nonnegative(),
    reason: z.enum(['match-ended', 'group-closed', 'rescheduled']),
    /** Whether its invite had gone out (only then does a cancellation need sending). */
    invited: z.boolean(),
  }).describe('A planned meeting will not take place.'),

  MeetingRescheduled: detail({
    meetingId: Id,
    matchId: Id,
    /** Who moved it (one of the pair). */
    participantId: Id,
    startsAt: z.iso.datetime(),
    previousStartsAt: z.iso.datetime(),
    /** The invite's SEQUENCE after the move (raised on every change). */
    sequence: z.number().int().nonnegative(),
  }).describe('One of a pair moved a planned meeting to another time; both get the updated invite.'),

  MeetingLogged: detail({
    meetingId: Id,
    matchId: Id.optional(),
    groupId: Id.optional(),
    participantId: Id,
    status: z.enum(['held', 'skipped']),
  }).describe('A meeting was marked held or skipped.'),

  MilestoneReached: detail({
    milestone: Milestone,
    participantIds: z.array(Id).min(1),
    matchId: Id.optional(),
    groupId: Id.optional(),
    /** `goal-achieved`: which of the pair's goals (a digest of its words, never the words). */
    goalId: Id.optional(),
  }).describe('A person or pair reached a milestone; each is reached once.'),

  FeedbackGiven: detail({
    feedbackId: Id,
    participantId: Id,
    meetingId: Id.optional(),
    matchId: Id.optional(),
    rating: z.number().int().min(1).max(5),
    hasComment: z.boolean(),
  }).describe('A rating (and perhaps a comment, kept out of the event) arrived.'),

  CheckInDue: detail({
    matchId: Id,
    programId: Id,
    mentorId: Id,
    menteeId: Id,
    /** `ask`: no meeting logged for three cadence periods; `escalate`: still no answer two periods later. */
    stage: z.enum(['ask', 'escalate']),
  }).describe(
    'A pair has logged no meeting for a while: ask if they still meet, or escalate an unanswered ask.',
  ),

  CheckInAnswered: detail({
    matchId: Id,
    programId: Id,
    participantId: Id,
    answer: z.enum(['still-meeting', 'pause', 'end']),
  }).describe('One of a drifting pair answered "still meeting?".'),

  MatchingPaused: detail({
    participantId: Id,
    programId: Id,
    reason: z.enum(['unanswered-check-in']),
  }).describe('A mentor gets no new matches until they confirm they are still available.'),

  MatchingResumed: detail({
    participantId: Id,
    programId: Id,
  }).describe('A paused mentor confirmed and can be matched again.'),

  ParticipantErased: detail({
    participantId: Id,
    programId: Id,
  }).describe('A participant’s personal data was erased; only an anonymous tombstone remains.'),

  GroupJoined: detail({
    groupId: Id,
    participantId: Id,
    seatsLeft: z.number().int().nonnegative(),
  }).describe('A member took a seat in a peer-support group.'),

  GroupWaitlisted: detail({
    groupId: Id,
    participantId: Id,
    position: z.number().int().positive(),
  }).describe('A member joined the waitlist of a full group.'),

  GroupLeft: detail({
    groupId: Id,
    participantId: Id,
    from: z.enum(['seat', 'waitlist']),
  }).describe('A member gave up their seat in a group, or left its waitlist.'),

  GroupClosed: detail({
    groupId: Id,
    closedBy: z.enum(['coordinator', 'contact']),
  }).describe('A peer-support group stopped running; its planned sessions are cancelled.'),

  DirectoryEntryChanged: detail({
    entryId: Id,
    directory: z.enum(['nonprofit', 'university']),
    kind: z.enum(['group', 'program']),
    change: z.enum(['created', 'updated', 'hidden', 'shown', 'removed']),
  }).describe('A public directory listing changed.'),

  ListingCheckDue: detail({
    groupId: Id,
    /** `ask`: "still running?" to the group's contact; `hide`: that ask went unanswered for 30 days. */
    stage: z.enum(['ask', 'hide']),
    /** The ask this is about (for `ask`, the ask now). */
    askedAt: z.iso.datetime(),
  }).describe(
    'A listed peer group is due its "still running?" check, or an unanswered check hides its listing.',
  ),

  NudgeDue: detail({
    participantId: Id,
    deferralId: Id,
  }).describe('An email that waited (quiet hours, a pause, the frequency cap) may now be sent.'),

  DigestDue: detail({
    participantId: Id,
    digestId: Id,
  }).describe(
    'Nudges folded while a person was at the frequency cap may now go out together, as one digest.',
  ),

  EmailSuppressed: detail({
    participantId: Id.optional(),
    reason: z.enum(['bounce', 'complaint', 'unsubscribe']),
    category: z.string().optional(),
  }).describe('An address must not be mailed (again), or not for one category.'),

  CoordinatorAlertRaised: detail({
    /** `low-ratings`: the person's two most recent ratings of their match (by meeting order) are both low. */
    /** `drifting-pair`: a pair left a "still meeting?" email unanswered; its mentor is paused. */
    kind: z.enum(['low-ratings', 'drifting-pair']),
    participantId: Id,
    matchId: Id.optional(),
    programId: Id.optional(),
    /** The rated meetings behind the alert, oldest first. */
    meetingIds: z.array(Id).optional(),
  }).describe(
    'Something the program coordinator should look at, e.g. a second low rating in a row; ids only, never comments.',
  ),

  SafeguardingConcernRaised: detail({
    /** Where the words were: a feedback comment. */
    source: z.enum(['feedback-comment']),
    participantId: Id,
    matchId: Id.optional(),
    programId: Id.optional(),
    meetingId: Id.optional(),
    feedbackId: Id.optional(),
  }).describe(
    'What a participant wrote suggests they may be in crisis or unsafe; the words stay out of the event.',
  ),
} as const;

export type DetailType = keyof typeof catalogue;
export type EventDetail<T extends DetailType> = z.infer<(typeof catalogue)[T]>;
export const detailTypes = Object.keys(catalogue) as DetailType[];

/** An event on its way to the bus, as the outbox stores it. */
export interface OutgoingEvent<T extends DetailType = DetailType> {
  detailType: T;
  detail: EventDetail<T>;
}

export const isDetailType = (value: string): value is DetailType => Object.hasOwn(catalogue, value);

/** Validates a detail against the catalogue; throws a ZodError naming each bad field. */
export const parseDetail = <T extends DetailType>(detailType: T, value: unknown): EventDetail<T> =>
  catalogue[detailType].parse(value) as EventDetail<T>;

/**
 * JSON Schema (draft 4, what the EventBridge schema registry accepts) of the whole event as it appears on
 * the bus, so a consumer in any language can generate bindings from the registry.
 */
export const eventJsonSchema = (detailType: DetailType): Record<string, unknown> => {
  const detailSchema = z.toJSONSchema(catalogue[detailType], { target: 'draft-4', io: 'input' });
  delete (detailSchema as { $schema?: string }).$schema;
  return {
    $schema: 'http://json-schema.org/draft-04/schema#',
    title: detailType,
    description: catalogue[detailType].description,
    type: 'object',
    required: ['source', 'detail-type', 'detail'],
    properties: {
      source: { type: 'string', enum: [EVENT_SOURCE] },
      'detail-type': { type: 'string', enum: [detailType] },
      detail: detailSchema,
    },
  };
};
