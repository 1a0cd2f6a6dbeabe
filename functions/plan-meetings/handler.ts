import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { documents } from '../../shared/adapters/aws';
import { readEnv } from '../../shared/config';
import { dynamoMatching } from '../../shared/data/matching';
import { dynamoMeetings } from '../../shared/data/meetings';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { planFollowingMeeting, startMeetingPlan, stopMeetingPlan } from '../../shared/domain/meeting-plans';
import { eventsOf, handlingTime } from '../../shared/events/envelope';
import { logger } from '../../shared/middleware';

const { TABLE_NAME } = readEnv(['TABLE_NAME']);
const deps = {
  organisations: dynamoOrganisations(documents, TABLE_NAME),
  matching: dynamoMatching(documents, TABLE_NAME),
  meetings: dynamoMeetings(documents, TABLE_NAME),
  log: (message: string, fields: Record<string, unknown>) => logger.info(message, fields),
};

/** Keeps one planned meeting ahead of each active pair; redelivered or late events change nothing twice. */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(parser({ schema: eventsOf('MatchMade', 'MeetingDue', 'MatchEnded') }))
  .handler(async (event) => {
    const now = handlingTime(event);
    switch (event['detail-type']) {
      case 'MatchMade': {
        const { orgId, matchId } = event.detail;
        const outcome = await startMeetingPlan(deps, { orgId, matchId }, now);
        logger.info('meeting plan', { orgId, matchId, outcome });
        return outcome;
      }
      case 'MeetingDue': {
        const { orgId, matchId, meetingId } = event.detail;
        if (!matchId) return 'not-a-pair'; // group meetings follow their schedule elsewhere
        const outcome = await planFollowingMeeting(deps, { orgId, matchId, meetingId }, now);
        logger.info('next meeting', { orgId, matchId, meetingId, outcome });
        return outcome;
      }
      case 'MatchEnded': {
        const { orgId, matchId } = event.detail;
        const cancelled = await stopMeetingPlan(deps, { orgId, matchId }, now);
        logger.info('meeting plan stopped', { orgId, matchId, cancelled });
        return cancelled;
      }
    }
  });
