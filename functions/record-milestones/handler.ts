import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { documents } from '../../shared/adapters/aws';
import { readEnv } from '../../shared/config';
import { dynamoMatching } from '../../shared/data/matching';
import { dynamoMeetings } from '../../shared/data/meetings';
import { recordMeetingMilestones } from '../../shared/domain/milestones';
import { eventsOf } from '../../shared/events/envelope';
import { logger } from '../../shared/middleware';

const { TABLE_NAME } = readEnv(['TABLE_NAME']);
const deps = {
  matching: dynamoMatching(documents, TABLE_NAME),
  meetings: dynamoMeetings(documents, TABLE_NAME),
};

/**
 * MeetingLogged (held): reaches each meeting milestone the pair's held meetings have passed, once. Every
 * reach is a conditional write, so redelivered, late or concurrent events reach nothing twice and skip nothing.
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(parser({ schema: eventsOf('MeetingLogged') }))
  .handler(async (event) => {
    const { orgId, matchId, meetingId, status } = event.detail;
    const log = { orgId, matchId, meetingId };
    if (status !== 'held') {
      logger.info('no milestone: the meeting was skipped', log);
      return { outcome: 'skipped-meeting' };
    }
    if (!matchId) {
      logger.info('no milestone: not a pair’s meeting', { ...log, groupId: event.detail.groupId });
      return { outcome: 'not-a-pair' };
    }
    const now = new Date(Math.max(Date.parse(event.time), Date.parse(event.detail.occurredAt), Date.now()));
    const result = await recordMeetingMilestones(deps, { orgId, matchId }, now);
    logger.info('milestones', { ...log, ...result });
    return result;
  });
