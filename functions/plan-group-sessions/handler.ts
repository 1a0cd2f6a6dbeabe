import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { documents } from '../../shared/adapters/aws';
import { readEnv } from '../../shared/config';
import { dynamoGroupSessions } from '../../shared/data/group-sessions';
import { dynamoGroups } from '../../shared/data/groups';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { planFollowingSession, startSessionPlan, stopSessionPlan } from '../../shared/domain/group-sessions';
import { eventsOf, handlingTime } from '../../shared/events/envelope';
import { logger } from '../../shared/middleware';

const { TABLE_NAME } = readEnv(['TABLE_NAME']);
const deps = {
  organisations: dynamoOrganisations(documents, TABLE_NAME),
  groups: dynamoGroups(documents, TABLE_NAME),
  sessions: dynamoGroupSessions(documents, TABLE_NAME),
  log: (message: string, fields: Record<string, unknown>) => logger.info(message, fields),
};

/**
 * Keeps the next session of each running group planned: the first when a member takes a seat, the next as
 * one falls due, and every one still ahead cancelled when the group closes. Redelivered or late events
 * change nothing twice (each step is a conditional write).
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(parser({ schema: eventsOf('GroupJoined', 'MeetingDue', 'GroupClosed') }))
  .handler(async (event) => {
    const now = handlingTime(event);
    switch (event['detail-type']) {
      case 'GroupJoined': {
        const { orgId, groupId } = event.detail;
        const outcome = await startSessionPlan(deps, { orgId, groupId }, now);
        logger.info('session plan', { orgId, groupId, outcome });
        return outcome;
      }
      case 'MeetingDue': {
        const { orgId, groupId, meetingId } = event.detail;
        if (!groupId) return 'not-a-group'; // a pair's meetings are planned by plan-meetings
        const outcome = await planFollowingSession(deps, { orgId, groupId, meetingId }, now);
        logger.info('next session', { orgId, groupId, meetingId, outcome });
        return outcome;
      }
      case 'GroupClosed': {
        const { orgId, groupId } = event.detail;
        const cancelled = await stopSessionPlan(deps, { orgId, groupId }, now);
        logger.info('session plan stopped', { orgId, groupId, cancelled });
        return cancelled;
      }
    }
  });
