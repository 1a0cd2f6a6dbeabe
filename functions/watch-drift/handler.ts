import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { documents } from '../../shared/adapters/aws';
import { readEnv } from '../../shared/config';
import { dynamoCheckIns } from '../../shared/data/check-ins';
import { dynamoMatching } from '../../shared/data/matching';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { escalateCheckIn, signOfLife } from '../../shared/domain/drifting-pairs';
import { eventsOf, handlingTime } from '../../shared/events/envelope';
import { logger } from '../../shared/middleware';

const { TABLE_NAME } = readEnv(['TABLE_NAME']);
const deps = {
  organisations: dynamoOrganisations(documents, TABLE_NAME),
  matching: dynamoMatching(documents, TABLE_NAME),
  checkIns: dynamoCheckIns(documents, TABLE_NAME),
  log: (message: string, fields: Record<string, unknown>) => logger.info(message, fields),
};

/**
 * Keeps each active pair's check-in: armed by MatchMade, moved forward by every held meeting logged, stopped by
 * MatchEnded; an unanswered ask (CheckInDue 'escalate') alerts the coordinator and pauses the mentor. Signs of
 * life count from the event's own time, so a late or redelivered one never moves the check-in back.
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(parser({ schema: eventsOf('MatchMade', 'MeetingLogged', 'MatchEnded', 'CheckInDue') }))
  .handler(async (event) => {
    const { detail } = event;
    const { orgId } = detail;
    switch (event['detail-type']) {
      case 'MatchMade':
      case 'MeetingLogged': {
        const { matchId } = event.detail;
        if (!matchId || (event['detail-type'] === 'MeetingLogged' && event.detail.status !== 'held')) {
          return 'not-a-held-pair-meeting';
        }
        const outcome = await signOfLife(deps, { orgId, matchId }, new Date(detail.occurredAt));
        logger.info('check-in', { fact: event['detail-type'], orgId, matchId, outcome });
        return outcome;
      }
      case 'MatchEnded': {
        const { matchId } = event.detail;
        await deps.checkIns.end(orgId, matchId, handlingTime(event));
        logger.info('check-in stopped', { orgId, matchId });
        return 'stopped';
      }
      case 'CheckInDue': {
        const { matchId, stage } = event.detail;
        if (stage !== 'escalate') return 'not-an-escalation'; // the ask is emailed by send-check-in-email
        const outcome = await escalateCheckIn(deps, { orgId, matchId }, handlingTime(event));
        logger.info('check-in escalation', { orgId, matchId, outcome });
        return outcome;
      }
    }
  });
