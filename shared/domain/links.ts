/**
 * Signed links in emails about a relationship (see shared/adapters/tokens.ts). The token's subject names the
 * relationship and the person (`<matchId>:<participantId>`), so a link opens exactly one person's choice.
 */

export const REMATCH_PURPOSE = 'rematch';
export const LEAVE_GROUP_PURPOSE = 'leave-group';
/** "We met" / "we skipped" from a meeting reminder; the subject is `<meetingId>:<participantId>`. */
export const LOG_MEETING_PURPOSE = 'log-meeting';

/** Longer than most mentoring relationships and group memberships last; the state decides what the link may do. */
export const RELATIONSHIP_LINK_TTL_SECONDS = 400 * 24 * 3600;

export const linkSubject = (relationshipId: string, participantId: string) =>
  `${relationshipId}:${participantId}`;

/** The two ids of a subject, or undefined when it is not one (a genuine token never has that). */
export const parseLinkSubject = (subject: string) => {
  const [relationshipId, participantId, ...rest] = subject.split(':');
  return relationshipId && participantId && rest.length === 0 ? { relationshipId, participantId } : undefined;
};
