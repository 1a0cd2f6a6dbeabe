/**
 * Signed links in emails about a relationship (see shared/adapters/tokens.ts). The token's subject names the
 * relationship and the person (`<matchId>:<participantId>`), so a link opens exactly one person's choice.
 */

export const REMATCH_PURPOSE = 'rematch';
export const LEAVE_GROUP_PURPOSE = 'leave-group';
/** "We met" / "we skipped" from a meeting reminder; the subject is `<meetingId>:<participantId>`. */
export const LOG_MEETING_PURPOSE = 'log-meeting';
/** A one-click rating of a held meeting (and its comment page); the subject is `<meetingId>:<participantId>`. */
export const FEEDBACK_PURPOSE = 'feedback';

/** Longer than most mentoring relationships and group memberships last; the state decides what the link may do. */
export const RELATIONSHIP_LINK_TTL_SECONDS = 400 * 24 * 3600;

/** A rating is about one meeting: worth giving while it is fresh, so its links work for 30 days. */
export const FEEDBACK_LINK_TTL_SECONDS = 30 * 24 * 3600;

export const linkSubject = (relationshipId: string, participantId: string) =>
  `${relationshipId}:${participantId}`;

/** The two ids of a subject, or undefined when it is not one (a genuine token never has that). */
export const parseLinkSubject = (subject: string) => {
  const [relationshipId, participantId, ...rest] = subject.split(':');
  return relationshipId && participantId && rest.length === 0 ? { relationshipId, participantId } : undefined;
};

/**
 * "Unsubscribe" / "pause" in every nudge (and its RFC 8058 one-click header); the subject is
 * `<participantId>:<category>`, or `<participantId>:all` for every nudge.
 */
export const UNSUBSCRIBE_PURPOSE = 'unsubscribe';

/** An unsubscribe link keeps working long after its email (the law in many places asks for at least 30 days). */
export const UNSUBSCRIBE_LINK_TTL_SECONDS = 400 * 24 * 3600;

/** "Reschedule" from a meeting reminder; the subject is `<meetingId>:<participantId>`. */
export const RESCHEDULE_PURPOSE = 'reschedule';
/** "Still meeting? yes / pause / end" for a drifting pair; the subject is `<matchId>:<participantId>`. */
export const CHECK_IN_PURPOSE = 'check-in';
/** "Still available? confirm" to a mentor paused after an unanswered check-in; the subject is `<programId>:<participantId>`. */
export const RESUME_MATCHING_PURPOSE = 'resume-matching';
/** "I was there" from a group session reminder; the subject is `<meetingId>:<participantId>`. */
export const ATTEND_SESSION_PURPOSE = 'attend-session';
/** "Still running? yes / update / closed" to a directory group's contact; the subject is the group's id. */
export const LISTING_CHECK_PURPOSE = 'listing-check';
/** "I reached a goal" (a milestone the person marks); the subject is `<matchId>:<participantId>`. */
export const GOAL_PURPOSE = 'goal';
/** "Your data" in every nudge: a page to ask for an export or for erasure; the subject is the participant's id. */
export const DATA_RIGHTS_PURPOSE = 'data-rights';
/** Lasts as long as the unsubscribe link beside it. */
export const DATA_RIGHTS_LINK_TTL_SECONDS = UNSUBSCRIBE_LINK_TTL_SECONDS;
/** The download link of an export, emailed on request; the subject is the participant's id. */
export const DATA_EXPORT_PURPOSE = 'data-export';
/** Short: the download is the person's whole record. */
export const DATA_EXPORT_LINK_TTL_SECONDS = 7 * 24 * 3600;
/** A read-only view of a program's report, asked for with the organisation's API key; the subject is the program's id. */
export const REPORT_VIEW_PURPOSE = 'report-view';
/** A day: long enough to look at and share in a meeting, short enough that a forwarded link soon stops working. */
export const REPORT_VIEW_LINK_TTL_SECONDS = 24 * 3600;
