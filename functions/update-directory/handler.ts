import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import middy from '@middy/core';
import { z } from 'zod';
import { documents } from '../../shared/adapters/aws';
import { readEnv } from '../../shared/config';
import { dynamoDirectory, dynamoDirectorySources } from '../../shared/data/directory';
import { dynamoOrganisationList } from '../../shared/data/organisations';
import { refreshEntry, refreshOrganisation } from '../../shared/domain/directory';
import { eventsOf, handlingTime } from '../../shared/events/envelope';
import { logger } from '../../shared/middleware';

const { TABLE_NAME } = readEnv(['TABLE_NAME']);
const deps = {
  ...dynamoDirectorySources(documents, TABLE_NAME),
  directory: dynamoDirectory(documents, TABLE_NAME),
};
const organisationList = dynamoOrganisationList(documents, TABLE_NAME);

const Scheduled = EventBridgeSchema.extend({
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
});

/**
 * Keeps the directory listings true. Each fact that may change a listing (a seat taken, given up or waited
 * for, a group closed, a match made or ended, an unanswered "still running?") makes the listing be worked out
 * again from its sources, so redelivered or reordered events store nothing twice; DirectoryEntryChanged goes
 * out only when the listing changed. Daily, every organisation's listings are worked out again: that lists
 * new groups and organisations and picks up changed settings (and, on a fresh local start, builds them).
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(
    parser({
      schema: z.union([
        eventsOf(
          'GroupJoined',
          'GroupWaitlisted',
          'GroupLeft',
          'GroupClosed',
          'MatchMade',
          'MatchEnded',
          'ListingCheckDue',
        ),
        Scheduled,
      ]),
    }),
  )
  .handler(async (event) => {
    const now = handlingTime(event);
    if (event['detail-type'] === 'Scheduled Event') {
      let organisations = 0;
      for await (const org of organisationList.all()) {
        const changes = await refreshOrganisation(deps, org, now);
        organisations += 1;
        logger.info('directory entries refreshed', { orgId: org.orgId, changes });
      }
      return { organisations };
    }
    const { detail } = event;
    const entryId = 'groupId' in detail ? detail.groupId : detail.programId;
    if (event['detail-type'] === 'ListingCheckDue' && event.detail.stage !== 'hide') return 'not-a-hiding';
    const outcome = await refreshEntry(
      deps,
      { orgId: detail.orgId, entryId },
      now,
      event['detail-type'] === 'ListingCheckDue'
        ? { type: 'hide', askedAt: event.detail.askedAt }
        : undefined,
    );
    logger.info('directory entry refreshed', {
      fact: event['detail-type'],
      orgId: detail.orgId,
      entryId,
      outcome,
    });
    return outcome;
  });
