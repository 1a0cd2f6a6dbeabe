import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { matchingDeps } from '../../shared/adapters/matching-deps';
import { countStep } from '../../shared/adapters/metrics';
import { readEnv } from '../../shared/config';
import { matchParticipant } from '../../shared/domain/matching';
import { eventsOf, handlingTime } from '../../shared/events/envelope';
import { logger } from '../../shared/middleware';

const { TABLE_NAME } = readEnv(['TABLE_NAME']);
const deps = matchingDeps(TABLE_NAME);

/**
 * Rolling matching: a mentor or mentee who just verified, or who went back into the pool when a match ended,
 * is paired at once when a good enough candidate has a free slot. Redeliveries are harmless: someone already
 * matched is no longer in the pool.
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(parser({ schema: eventsOf('ParticipantVerified', 'MatchEnded', 'MatchingResumed') }))
  .handler(async (event) => {
    const now = handlingTime(event);
    const { orgId } = event.detail;
    let people: string[];
    if (event['detail-type'] !== 'MatchEnded') {
      people = [event.detail.participantId];
    } else {
      const { rejoining = [], mentorId, menteeId } = event.detail;
      people = rejoining.map((role) => (role === 'mentor' ? mentorId : menteeId));
    }
    const outcomes = [];
    // One after the other: a mentor and mentee rejoining together must not race each other for the same slot.
    for (const participantId of people) {
      const result = await matchParticipant(deps, { orgId, participantId }, now);
      logger.info('rolling matching', { orgId, participantId, ...result });
      countStep('MatchMade', result.matchIds.length);
      outcomes.push(result);
    }
    return outcomes;
  });
