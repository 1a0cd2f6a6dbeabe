import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { documents } from '../../shared/adapters/aws';
import { eventLinkSigner, lambdaMailer, MAILER_ENV } from '../../shared/adapters/mailer';
import { sendEach } from '../../shared/adapters/nudge-sender';
import { readEnv } from '../../shared/config';
import { dynamoMatching } from '../../shared/data/matching';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { linkSubject, RELATIONSHIP_LINK_TTL_SECONDS, REMATCH_PURPOSE } from '../../shared/domain/links';
import {
  type ComposedMatchEmail,
  composeMatchEnded,
  composeMatchMade,
  type MatchEmailContext,
} from '../../shared/domain/match-emails';
import { findProgram } from '../../shared/domain/organisation';
import { eventsOf, handlingTime } from '../../shared/events/envelope';
import { logger } from '../../shared/middleware';

const env = readEnv(MAILER_ENV);
const matching = dynamoMatching(documents, env.TABLE_NAME);
const organisations = dynamoOrganisations(documents, env.TABLE_NAME);
const { emails, nudges } = lambdaMailer(env);

const MatchFacts = eventsOf('MatchMade', 'MatchEnded');

/**
 * The rematch link of one person in one match. Signed at the event's time, so a redelivery renders the very
 * same link; it names the match and the person, and the match's state decides what it may still do.
 */
const rematchLinks = async (orgId: string, matchId: string, occurredAt: string) => {
  const sign = await eventLinkSigner(env.TOKEN_SECRET_ID, orgId, occurredAt);
  const base = env.PUBLIC_API_URL.replace(/\/$/, '');
  return (participantId: string) =>
    `${base}/v1/rematch?token=${sign(REMATCH_PURPOSE, linkSubject(matchId, participantId), RELATIONSHIP_LINK_TTL_SECONDS)}`;
};

export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(parser({ schema: MatchFacts }))
  .handler(async (event, context) => {
    emails.useContext(context);
    const now = handlingTime(event);
    const { 'detail-type': fact, detail } = event;
    const { orgId, matchId } = detail;
    const log = { fact, orgId, matchId };

    const [match, mentor, mentee, org] = await Promise.all([
      matching.match(orgId, matchId),
      matching.participant(orgId, detail.mentorId),
      matching.participant(orgId, detail.menteeId),
      organisations.get(orgId),
    ]);
    if (!match || !mentor || !mentee || !org) {
      logger.info('nothing to send: match, participant or organisation gone', {
        ...log,
        match: Boolean(match),
        mentor: Boolean(mentor),
        mentee: Boolean(mentee),
        organisation: Boolean(org),
      });
      return;
    }

    const people: MatchEmailContext = {
      brand: { orgName: org.name, colour: org.branding?.colour },
      programName: findProgram(org, detail.programId)?.name,
      mentor,
      mentee,
    };
    let outgoing: ComposedMatchEmail[];
    if (fact === 'MatchMade') {
      // An introduction hands each person the other's address: never for a match that has already ended.
      if (match.status !== 'active') {
        logger.info('nothing to send: the match has already ended', log);
        return;
      }
      const links = await rematchLinks(orgId, matchId, detail.occurredAt);
      outgoing = composeMatchMade(detail, match.explanation, people, links);
    } else {
      outgoing = composeMatchEnded(detail, people);
    }

    // Every person's email is tried even when another's fails (see sendEach).
    await sendEach(
      outgoing,
      (email) => ({ ...log, participantId: email.participantId, template: email.template }),
      async (email) => {
        const person = email.participantId === mentor.participantId ? mentor : mentee;
        return nudges.send(
          {
            orgId,
            participant: person,
            category: 'match',
            ...(fact === 'MatchMade' ? { requires: { activeMatch: matchId } } : {}),
            email: { key: email.key, to: email.to, content: email.content },
            issuedAt: new Date(detail.occurredAt),
          },
          now,
        );
      },
      logger,
    );
  });
