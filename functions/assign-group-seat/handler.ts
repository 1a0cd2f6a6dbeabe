import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { documents } from '../../shared/adapters/aws';
import { readEnv } from '../../shared/config';
import { dynamoGroups } from '../../shared/data/groups';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { dynamoParticipants } from '../../shared/data/participants';
import { fillFreeSeats, seatVerifiedMember } from '../../shared/domain/groups';
import { eventsOf } from '../../shared/events/envelope';
import { logger } from '../../shared/middleware';

const { TABLE_NAME } = readEnv(['TABLE_NAME']);
const deps = {
  organisations: dynamoOrganisations(documents, TABLE_NAME),
  participants: dynamoParticipants(documents, TABLE_NAME, () =>
    Promise.reject(new Error('assign-group-seat never hashes addresses')),
  ),
  groups: dynamoGroups(documents, TABLE_NAME),
};

const SeatFacts = eventsOf('ParticipantVerified', 'GroupLeft');

/**
 * A verified member takes a seat or joins the waitlist; after someone leaves, any seat still free goes to
 * the first waiting. Both are safe to run again: a redelivery finds the work done and changes nothing.
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(parser({ schema: SeatFacts }))
  .handler(async (event) => {
    // The bus's time (what the local clock drives) or later: what this writes happens now, not at the fact.
    const now = new Date(Math.max(Date.parse(event.time), Date.parse(event.detail.occurredAt), Date.now()));
    if (event['detail-type'] === 'ParticipantVerified') {
      const { detail } = event;
      const log = { orgId: detail.orgId, programId: detail.programId, participantId: detail.participantId };
      if (detail.role !== 'member') {
        logger.info('ignored: not a group member', { ...log, role: detail.role });
        return;
      }
      const outcome = await seatVerifiedMember(deps, detail, now);
      logger.info('member placed', { ...log, ...outcome });
      return;
    }
    const { detail } = event;
    const outcome = await fillFreeSeats(deps, detail, now);
    logger.info('free seats filled', { orgId: detail.orgId, groupId: detail.groupId, ...outcome });
  });
