import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { documents } from '../../shared/adapters/aws';
import { platformSecret } from '../../shared/adapters/email-hash';
import { issueToken } from '../../shared/adapters/tokens';
import { readEnv } from '../../shared/config';
import { dynamoMatching } from '../../shared/data/matching';
import { dynamoMeetings } from '../../shared/data/meetings';
import { dynamoOrganisations } from '../../shared/data/organisations';
import {
  Comment,
  type FeedbackClaims,
  type FeedbackDeps,
  feedbackMeetingNotFound,
  giveFeedback,
  type RateableMeeting,
  Rating,
  rateableMeeting,
} from '../../shared/domain/feedback';
import {
  FEEDBACK_PURPOSE,
  linkSubject,
  parseLinkSubject,
  RELATIONSHIP_LINK_TTL_SECONDS,
  REMATCH_PURPOSE,
} from '../../shared/domain/links';
import { describeMeetingTime } from '../../shared/domain/meetings';
import { firstName } from '../../shared/email/templates';
import { LINK_PAGE_HEADERS, LinkToken, linkClaims, wantsPage } from '../../shared/http/link-claims';
import { httpHandler, logger } from '../../shared/middleware';
import { DEFAULT_CRISIS_HELP, feedbackFormPage, feedbackThanksPage, NOT_A_CRISIS_SERVICE } from './pages';

const { TABLE_NAME, TOKEN_SECRET_ID, PUBLIC_API_URL } = readEnv([
  'TABLE_NAME',
  'TOKEN_SECRET_ID',
  'PUBLIC_API_URL',
]);
const matching = dynamoMatching(documents, TABLE_NAME);
const organisations = dynamoOrganisations(documents, TABLE_NAME);
const deps: FeedbackDeps = {
  matching,
  meetings: dynamoMeetings(documents, TABLE_NAME),
  newId: () => randomUUID(),
};

/**
 * A comment of 2,000 characters, each up to 4 bytes of UTF-8 and tripled by form encoding, still fits; the
 * comment's own limit is checked on the characters.
 */
const MAX_BODY_BYTES = 32 * 1024;

/** The meeting and person the link names; the token is checked before anything is read. */
const feedbackClaims = async (token: string, now: Date): Promise<FeedbackClaims> => {
  const { orgId, subject } = await linkClaims(TOKEN_SECRET_ID, token, now, {
    purpose: FEEDBACK_PURPOSE,
    whenExpired: 'Rating links work for 30 days. You can still tell your program coordinator how it went.',
    parse: parseLinkSubject,
    names: 'a meeting',
  });
  return { orgId, meetingId: subject.relationshipId, participantId: subject.participantId };
};

/** The person the link names: one no longer on record (erased) sees and records nothing. */
const personOf = async (claims: FeedbackClaims) => {
  const person = await matching.participant(claims.orgId, claims.participantId);
  if (!person) throw feedbackMeetingNotFound();
  return person;
};

/** The other of the pair (by first name) and the organisation. */
const pageContext = async (claims: FeedbackClaims, rateable: RateableMeeting) => {
  const [other, org] = await Promise.all([
    matching.participant(claims.orgId, rateable.otherId),
    organisations.get(claims.orgId),
  ]);
  const otherFirstName = other
    ? firstName(other.name)
    : rateable.role === 'mentee'
      ? 'your mentor'
      : 'your mentee';
  return { otherFirstName, org };
};

/** The link that asks for a new match of this person in this match (the rematch page asks before it acts). */
const rematchUrl = async (claims: FeedbackClaims, matchId: string, now: Date) => {
  const token = issueToken(
    await platformSecret(TOKEN_SECRET_ID),
    { purpose: REMATCH_PURPOSE, orgId: claims.orgId, subject: linkSubject(matchId, claims.participantId) },
    now,
    RELATIONSHIP_LINK_TTL_SECONDS,
  );
  return `${PUBLIC_API_URL.replace(/\/$/, '')}/v1/rematch?token=${encodeURIComponent(token)}`;
};

/** Link scanners in mail systems follow links: the GET only asks, preselecting the rating clicked. */
const showForm = httpHandler(
  { query: z.object({ token: LinkToken, rating: Rating.optional() }) },
  async ({ query, now, event }) => {
    const claims = await feedbackClaims(query.token, now);
    const rateable = await rateableMeeting(deps, claims);
    const [person, { otherFirstName, org }] = await Promise.all([
      personOf(claims),
      pageContext(claims, rateable),
    ]);
    return {
      status: 200,
      headers: LINK_PAGE_HEADERS,
      html: feedbackFormPage({
        orgName: org?.name ?? 'your organisation',
        colour: org?.branding?.colour,
        otherFirstName,
        when: describeMeetingTime(new Date(rateable.meeting.startsAt), person.timezone),
        action: event.rawPath,
        token: query.token,
        rating: query.rating,
        crisisHelp: org?.crisisHelp,
      }),
    };
  },
);

/** The person's button press (an HTML form), or an API client's JSON `{ token, rating, comment? }`. */
const record = httpHandler(
  {
    body: z.strictObject({ token: LinkToken, rating: Rating, comment: Comment }),
    form: true,
    maxBodyBytes: MAX_BODY_BYTES,
  },
  async ({ body, now, headers }) => {
    const claims = await feedbackClaims(body.token, now);
    await personOf(claims);
    const outcome = await giveFeedback(deps, claims, { rating: body.rating, comment: body.comment }, now);
    const { match } = outcome;
    // Ids and outcomes only: the comment is never logged.
    logger.info('feedback recorded', {
      orgId: claims.orgId,
      meetingId: claims.meetingId,
      matchId: match.matchId,
      participantId: claims.participantId,
      feedbackId: outcome.feedbackId,
      rating: outcome.rating,
      hasComment: outcome.hasComment,
      concern: outcome.concern,
      lowInARow: outcome.lowInARow,
      alerted: outcome.alerted,
    });
    const { otherFirstName, org } = await pageContext(claims, outcome);
    const crisisHelp = org?.crisisHelp ?? DEFAULT_CRISIS_HELP;
    const rematch = outcome.offerRematch ? await rematchUrl(claims, match.matchId, now) : undefined;

    if (!wantsPage(headers)) {
      return {
        status: 200,
        headers: LINK_PAGE_HEADERS,
        body: {
          feedbackId: outcome.feedbackId,
          meetingId: claims.meetingId,
          matchId: match.matchId,
          rating: outcome.rating,
          hasComment: outcome.hasComment,
          ...(outcome.concern ? { help: { crisis: crisisHelp, notice: NOT_A_CRISIS_SERVICE } } : {}),
          ...(rematch ? { rematchUrl: rematch } : {}),
        },
      };
    }
    return {
      status: 200,
      headers: LINK_PAGE_HEADERS,
      html: feedbackThanksPage({
        orgName: org?.name ?? 'your organisation',
        colour: org?.branding?.colour,
        otherFirstName,
        hasComment: outcome.hasComment,
        concern: outcome.concern,
        safeguardingAlerted: Boolean(org?.contacts?.safeguarding ?? org?.contacts?.coordinator),
        crisisHelp,
        lowInARow: outcome.lowInARow,
        coordinatorAlerted: outcome.offerRematch && Boolean(org?.contacts?.coordinator),
        rematchUrl: rematch,
      }),
    };
  },
);

/** GET shows the rating form; POST (the person's button press) records the rating. */
export const handler = (event: APIGatewayProxyEventV2, context: Context) =>
  event.requestContext.http.method === 'POST' ? record(event, context) : showForm(event, context);
