import { driftingPairAlertEmail, stillAvailableEmail, stillMeetingEmail } from '../email/check-in-templates';
import { type Branding, firstName, type RenderedEmail } from '../email/templates';
import type { EventDetail } from '../events/catalogue';
import { type CheckInAnswer, PAIR_PAUSE_DAYS, type StoredCheckIn } from './check-ins';
import type { Match } from './match';
import type { Participant } from './participant';

/**
 * The emails of check-ins, one per person and fact, each keyed by the fact (its time names the ask or the
 * pause) and the template version, so a redelivered event emails nobody twice.
 */

export type CheckInPerson = Pick<Participant, 'participantId' | 'name' | 'email'>;

export interface ComposedCheckInEmail {
  to: string;
  /** The participant it is to (asks, confirmations), or about (the alert: the mentor). */
  participantId: string;
  key: string;
  template: 'still-meeting' | 'still-available' | 'drifting-pair-alert';
  content: RenderedEmail;
}

const keyOf = (parts: string[], template: { name: string; version: number }) =>
  [...parts, template.name, `v${template.version}`].join(':');

const DAY_MS = 24 * 3_600_000;

/** "6 weeks" (or days, below two weeks). */
export const quietFor = (since: string, now: Date) => {
  const days = Math.max(1, Math.round((now.getTime() - Date.parse(since)) / DAY_MS));
  return days < 14 ? `${days} days` : `${Math.round(days / 7)} weeks`;
};

/** "Still meeting?" to each of the pair, with the three one-click answers. */
export const composeStillMeeting = (
  context: { brand: Branding; programName?: string; mentor: CheckInPerson; mentee: CheckInPerson },
  fact: Pick<EventDetail<'CheckInDue'>, 'matchId' | 'occurredAt'>,
  since: string,
  link: (participantId: string, answer: CheckInAnswer) => string,
): ComposedCheckInEmail[] =>
  [
    { reader: context.mentee, other: context.mentor },
    { reader: context.mentor, other: context.mentee },
  ].map(({ reader, other }) => ({
    to: reader.email,
    participantId: reader.participantId,
    key: keyOf(['CheckInDue', fact.matchId, reader.participantId, fact.occurredAt], stillMeetingEmail),
    template: 'still-meeting',
    content: stillMeetingEmail.render({
      brand: context.brand,
      programName: context.programName,
      firstName: firstName(reader.name),
      otherFirstName: firstName(other.name),
      quietFor: quietFor(since, new Date(fact.occurredAt)),
      breakFor: `${PAIR_PAUSE_DAYS / 7} weeks`,
      links: {
        stillMeeting: link(reader.participantId, 'still-meeting'),
        pause: link(reader.participantId, 'pause'),
        end: link(reader.participantId, 'end'),
      },
    }),
  }));

/** "Still available?" to a mentor paused from new matches. */
export const composeStillAvailable = (
  context: { brand: Branding; programName?: string; mentor: CheckInPerson },
  fact: Pick<EventDetail<'MatchingPaused'>, 'participantId' | 'occurredAt'>,
  confirmLink: string,
): ComposedCheckInEmail => ({
  to: context.mentor.email,
  participantId: fact.participantId,
  key: keyOf(['MatchingPaused', fact.participantId, fact.occurredAt], stillAvailableEmail),
  template: 'still-available',
  content: stillAvailableEmail.render({
    brand: context.brand,
    programName: context.programName,
    firstName: firstName(context.mentor.name),
    confirmLink,
  }),
});

const describeUtc = (at: string) =>
  new Date(at).toLocaleString('en-GB', {
    timeZone: 'UTC',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });

/** The coordinator's alert about a pair that left "still meeting?" unanswered, once per escalation. */
export const composeDriftingPairAlert = (
  context: {
    brand: Branding;
    programName?: string;
    to: string;
    match?: Pick<Match, 'mentorId' | 'menteeId'>;
    mentor?: CheckInPerson;
    mentee?: CheckInPerson;
    checkIn?: StoredCheckIn;
    /** Whether the mentor is paused now because of this pair (not by an earlier one). */
    pausedByThis: boolean;
  },
  alert: EventDetail<'CoordinatorAlertRaised'>,
): ComposedCheckInEmail => {
  const person = (id: string, found: CheckInPerson | undefined) => ({
    participantId: id,
    ...(found ? { name: found.name, email: found.email } : {}),
  });
  const matchId = alert.matchId ?? '-';
  const { checkIn } = context;
  return {
    to: context.to,
    participantId: alert.participantId,
    key: keyOf(
      ['CoordinatorAlertRaised', alert.kind, matchId, alert.participantId, alert.occurredAt],
      driftingPairAlertEmail,
    ),
    template: 'drifting-pair-alert',
    content: driftingPairAlertEmail.render({
      brand: context.brand,
      programName: context.programName,
      mentor: person(context.match?.mentorId ?? alert.participantId, context.mentor),
      mentee: person(context.match?.menteeId ?? 'unknown', context.mentee),
      ...(checkIn?.askedAt ? { askedAt: `${describeUtc(checkIn.askedAt)} UTC` } : {}),
      ...(checkIn ? { quietFor: quietFor(checkIn.anchorAt, new Date(alert.occurredAt)) } : {}),
      mentorPaused: context.pausedByThis,
      matchId,
    }),
  };
};
