import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { documents } from '../../shared/adapters/aws';
import { countStep } from '../../shared/adapters/metrics';
import { readEnv } from '../../shared/config';
import { dynamoGroupSessions } from '../../shared/data/group-sessions';
import { dynamoMatching } from '../../shared/data/matching';
import { dynamoMeetings } from '../../shared/data/meetings';
import {
  recordMeetingMilestones,
  recordProgramCompleted,
  recordSessionMilestones,
} from '../../shared/domain/milestones';
import { eventsOf } from '../../shared/events/envelope';
import { logger } from '../../shared/middleware';

const { TABLE_NAME } = readEnv(['TABLE_NAME']);
const deps = {
  matching: dynamoMatching(documents, TABLE_NAME),
  meetings: dynamoMeetings(documents, TABLE_NAME),
  sessions: dynamoGroupSessions(documents, TABLE_NAME),
};

/**
 * MeetingLogged (held): reaches each meeting milestone the pair's held meetings have passed, or each session
 * milestone of the member's attended sessions, once. MatchEnded (completed): the pair completed the program.
 * Every reach is a conditional write, so redelivered, late or concurrent events reach nothing twice and skip
 * nothing.
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(parser({ schema: eventsOf('MeetingLogged', 'MatchEnded') }))
  .handler(async (event) => {
    const now = new Date(Math.max(Date.parse(event.time), Date.parse(event.detail.occurredAt), Date.now()));
    if (event['detail-type'] === 'MatchEnded') {
      const { orgId, matchId, reason } = event.detail;
      const result = await recordProgramCompleted(deps, event.detail, now);
      logger.info('program milestone', { orgId, matchId, reason, ...result });
      countStep('MilestoneReached', result.outcome === 'reached' ? 1 : 0);
      return result;
    }
    const { orgId, matchId, groupId, meetingId, participantId, status } = event.detail;
    const log = { orgId, matchId, groupId, meetingId };
    if (status !== 'held') {
      logger.info('no milestone: the meeting was skipped', log);
      return { outcome: 'skipped-meeting' };
    }
    if (groupId) {
      const result = await recordSessionMilestones(deps, { orgId, groupId, participantId }, now);
      logger.info('session milestones', { ...log, participantId, ...result });
      countStep('MilestoneReached', result.reached.length);
      return result;
    }
    if (!matchId) {
      logger.info('no milestone: neither a pair’s meeting nor a group session', log);
      return { outcome: 'not-a-pair' };
    }
    const result = await recordMeetingMilestones(deps, { orgId, matchId }, now);
    logger.info('milestones', { ...log, ...result });
    if (result.outcome === 'recorded') countStep('MilestoneReached', result.reached.length);
    return result;
  });
