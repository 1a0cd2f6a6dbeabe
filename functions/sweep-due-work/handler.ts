import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import middy from '@middy/core';
import { documents } from '../../shared/adapters/aws';
import { readEnv } from '../../shared/config';
import { dynamoDueWork } from '../../shared/data/due-work';
import { sweepDueWork } from '../../shared/domain/sweep';
import { handlingTime } from '../../shared/events/envelope';
import { logger } from '../../shared/middleware';

const { TABLE_NAME } = readEnv(['TABLE_NAME']);
const dueWork = dynamoDueWork(documents, TABLE_NAME);

/** Started by the hourly schedule. */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(parser({ schema: EventBridgeSchema }))
  .handler(async (event) => {
    const now = handlingTime(event);
    const counts = await sweepDueWork(dueWork, now);
    if (counts.unknown > 0) logger.warn('due items of an unknown kind were left in place', counts);
    logger.info('due work swept', counts);
    return counts;
  });
