import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { documents } from '../../shared/adapters/aws';
import { eventLinkSigner, lambdaMailer, MAILER_ENV } from '../../shared/adapters/mailer';
import { sendEach } from '../../shared/adapters/nudge-sender';
import { readEnv } from '../../shared/config';
import { dynamoCheckIns } from '../../shared/data/check-ins';
import { dynamoMatching } from '../../shared/data/matching';
import { dynamoOrganisations } from '../../shared/data/organisations';
import {
  type ComposedCheckInEmail,
  composeStillAvailable,
  composeStillMeeting,
} from '../../shared/domain/check-in-emails';
import {
  CHECK_IN_LINK_TTL_SECONDS,
  type CheckInAnswer,
  ESCALATE_AFTER_PERIODS,
} from '../../shared/domain/check-ins';
import {
  CHECK_IN_PURPOSE,
  linkSubject,
  RELATIONSHIP_LINK_TTL_SECONDS,
  RESUME_MATCHING_PURPOSE,
} from '../../shared/domain/links';
import { findProgram } from '../../shared/domain/organisation';
import type { Participant } from '../../shared/domain/participant';
import { eventsOf, handlingTime } from '../../shared/events/envelope';
import { logger } from '../../shared/middleware';

const env = readEnv(MAILER_ENV);
const matching = dynamoMatching(documents, env.TABLE_NAME);
const checkIns = dynamoCheckIns(documents, env.TABLE_NAME);
const organisations = dynamoOrganisations(documents, env.TABLE_NAME);
const { emails, nudges } = lambdaMailer(env);
const base = env.PUBLIC_API_URL.replace(/\/$/, '');

/**
 * "Still meeting?" to both of a drifting pair (CheckInDue 'ask'), and "still available?" to a mentor paused
 * after nobody answered (MatchingPaused). Nudges ('check-ins'): the policy decides when they may go.
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(parser({ schema: eventsOf('CheckInDue', 'MatchingPaused') }))
  .handler(async (event, context) => {
    emails.useContext(context);
    const now = handlingTime(event);
    const { 'detail-type': fact, detail } = event;
    const { orgId } = detail;
    const org = await organisations.get(orgId);
    if (!org) {
      logger.info('nothing to send: the organisation is gone', { fact, orgId });
      return;
    }
    const brand = { orgName: org.name, colour: org.branding?.colour };
    const programName = findProgram(org, detail.programId)?.name;
    const sign = await eventLinkSigner(env.TOKEN_SECRET_ID, orgId, detail.occurredAt);
    let outgoing: ComposedCheckInEmail[];
    let latest: Date | undefined;
    let log: Record<string, unknown>;
    let recipients: Participant[];

    if (event['detail-type'] === 'CheckInDue') {
      const { matchId, stage, occurredAt } = event.detail;
      log = { fact, orgId, matchId, stage };
      if (stage !== 'ask') return; // an escalation is handled by watch-drift
      const [match, checkIn, mentor, mentee] = await Promise.all([
        matching.match(orgId, matchId),
        checkIns.get(orgId, matchId),
        matching.participant(orgId, event.detail.mentorId),
        matching.participant(orgId, event.detail.menteeId),
      ]);
      if (!match || !checkIn || !mentor || !mentee) {
        logger.info('nothing to send: match, check-in or participant gone', log);
        return;
      }
      // Met, answered or ended since the ask fell due: the question has its answer.
      if (match.status !== 'active' || checkIn.stage !== 'escalate' || checkIn.askedAt !== occurredAt) {
        logger.info('nothing to send: the pair has answered or ended since', log);
        return;
      }
      const link = (participantId: string, answer: CheckInAnswer) =>
        `${base}/v1/check-ins?token=${sign(CHECK_IN_PURPOSE, linkSubject(matchId, participantId), CHECK_IN_LINK_TTL_SECONDS)}&answer=${answer}`;
      outgoing = composeStillMeeting(
        { brand, programName, mentor, mentee },
        event.detail,
        checkIn.anchorAt,
        link,
      );
      recipients = [mentor, mentee];
      // Of no use once the ask is escalated.
      latest = new Date(Date.parse(occurredAt) + ESCALATE_AFTER_PERIODS * checkIn.periodDays * 86_400_000);
    } else {
      const { participantId } = event.detail;
      log = { fact, orgId, participantId };
      const mentor = await matching.participant(orgId, participantId);
      if (!mentor?.matching?.paused) {
        logger.info('nothing to send: not paused (any more)', log);
        return;
      }
      const link = `${base}/v1/check-ins/resume?token=${sign(RESUME_MATCHING_PURPOSE, linkSubject(detail.programId, participantId), RELATIONSHIP_LINK_TTL_SECONDS)}`;
      outgoing = [composeStillAvailable({ brand, programName, mentor }, event.detail, link)];
      recipients = [mentor];
    }

    const matchId = event['detail-type'] === 'CheckInDue' ? event.detail.matchId : undefined;
    await sendEach(
      outgoing,
      (email) => ({ ...log, participantId: email.participantId, template: email.template }),
      async (email) => {
        const person = recipients.find((p) => p.participantId === email.participantId);
        if (!person) return undefined;
        return nudges.send(
          {
            orgId,
            participant: person,
            category: 'check-ins',
            ...(latest ? { latest } : {}),
            ...(matchId ? { requires: { activeMatch: matchId } } : {}),
            email: { key: email.key, to: email.to, content: email.content },
            issuedAt: new Date(detail.occurredAt),
          },
          now,
        );
      },
      logger,
    );
  });
