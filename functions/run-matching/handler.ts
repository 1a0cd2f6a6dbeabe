import { randomUUID } from 'node:crypto';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import middy from '@middy/core';
import { z } from 'zod';
import { documents } from '../../shared/adapters/aws';
import { matchingDeps } from '../../shared/adapters/matching-deps';
import { countStep } from '../../shared/adapters/metrics';
import { readEnv } from '../../shared/config';
import { dynamoOrganisationList } from '../../shared/data/organisations';
import { dueForDailyRun, runMatching } from '../../shared/domain/matching';
import { eventsOf, handlingTime } from '../../shared/events/envelope';
import { parseMatchingSettings } from '../../shared/matching/settings';
import { logger } from '../../shared/middleware';

const { TABLE_NAME } = readEnv(['TABLE_NAME']);
const deps = matchingDeps(TABLE_NAME);
const organisationList = dynamoOrganisationList(documents, TABLE_NAME);

const Scheduled = EventBridgeSchema.extend({
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
});

/**
 * Two jobs. The daily schedule asks a run of every mentoring program that is due one (rolling programs'
 * leftovers; cohorts from their matching day), each as its own MatchingRunRequested so one big program
 * cannot hold up the others. A MatchingRunRequested (from the schedule or a coordinator) runs one program.
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(parser({ schema: z.union([eventsOf('MatchingRunRequested'), Scheduled]) }))
  .handler(async (event) => {
    const now = handlingTime(event);
    if (event['detail-type'] === 'Scheduled Event') {
      let requested = 0;
      for await (const org of organisationList.all()) {
        for (const program of org.programs) {
          if (program.kind !== 'mentoring') continue;
          let due: boolean;
          try {
            due = dueForDailyRun(parseMatchingSettings(program.matching), now);
          } catch {
            logger.warn('program skipped: its matching settings are invalid', {
              orgId: org.orgId,
              programId: program.programId,
            });
            continue;
          }
          // Nobody waiting, nothing to run: no run is asked for.
          if (!due || !(await deps.matching.anyInPool(org.orgId, program.programId, 'mentee'))) continue;
          await deps.outbox.publish(
            {
              detailType: 'MatchingRunRequested',
              detail: {
                version: 1,
                orgId: org.orgId,
                occurredAt: now.toISOString(),
                runId: randomUUID(),
                programId: program.programId,
                trigger: 'schedule',
              },
            },
            now,
          );
          requested++;
        }
      }
      logger.info('daily matching runs requested', { requested });
      return { requested };
    }
    const { detail } = event;
    const summary = await runMatching(
      deps,
      { orgId: detail.orgId, programId: detail.programId, runId: detail.runId },
      now,
    );
    countStep('MatchMade', summary?.matched ?? 0);
    logger.info('matching run finished', {
      orgId: detail.orgId,
      ...(summary ?? { programId: detail.programId, skipped: true }),
    });
    return summary;
  });
