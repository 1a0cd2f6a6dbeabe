import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { documents } from '../../shared/adapters/aws';
import { lambdaMailer, MAILER_ENV } from '../../shared/adapters/mailer';
import { sendEach } from '../../shared/adapters/nudge-sender';
import { readEnv } from '../../shared/config';
import { dynamoMatching } from '../../shared/data/matching';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { celebration, composeMilestoneEmails, type MilestonePerson } from '../../shared/domain/milestones';
import { findProgram } from '../../shared/domain/organisation';
import { eventsOf, handlingTime } from '../../shared/events/envelope';
import { logger } from '../../shared/middleware';

const env = readEnv(MAILER_ENV);
const matching = dynamoMatching(documents, env.TABLE_NAME);
const organisations = dynamoOrganisations(documents, env.TABLE_NAME);
const { emails, nudges } = lambdaMailer(env);

/** Celebrates a milestone: one email per person it names, each sent once under its own key. */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(parser({ schema: eventsOf('MilestoneReached') }))
  .handler(async (event, context) => {
    emails.useContext(context);
    const now = handlingTime(event);
    const { detail } = event;
    const { orgId, matchId, groupId, milestone } = detail;
    const log = { orgId, matchId, groupId, milestone };

    const [org, match] = await Promise.all([
      organisations.get(orgId),
      matchId ? matching.match(orgId, matchId) : Promise.resolve(undefined),
    ]);
    const verdict = celebration(detail, match);
    if (!org || verdict !== 'send') {
      logger.info('nothing to send', { ...log, reason: org ? verdict : 'organisation-gone' });
      return;
    }
    // The readers and, for a pair, both people (each email names the other).
    const ids = new Set([...detail.participantIds, ...(match ? [match.mentorId, match.menteeId] : [])]);
    const found = await Promise.all([...ids].map((id) => matching.participant(orgId, id)));
    const people = new Map<string, MilestonePerson>();
    for (const person of found) if (person) people.set(person.participantId, person);

    const { emails: outgoing, missing } = composeMilestoneEmails(detail, {
      brand: { orgName: org.name, colour: org.branding?.colour },
      programName: findProgram(org, match?.programId ?? groupId)?.name,
      groupName: groupId ? findProgram(org, groupId)?.name : undefined,
      match,
      people,
    });
    for (const participantId of missing)
      logger.info('nothing to send: participant gone', { ...log, participantId });

    // Every person's email is tried even when another's fails (see sendEach).
    await sendEach(
      outgoing,
      (email) => ({ ...log, participantId: email.participantId }),
      async (email) => {
        const person = people.get(email.participantId);
        if (!person) return undefined;
        return nudges.send(
          {
            orgId,
            participant: person,
            category: 'milestones',
            ...(matchId ? { requires: { noSafeguardingEnd: matchId } } : {}),
            email: { key: email.key, to: email.to, content: email.content },
            issuedAt: new Date(detail.occurredAt),
          },
          now,
        );
      },
      logger,
    );
  });
