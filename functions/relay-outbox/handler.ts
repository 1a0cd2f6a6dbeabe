import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { documents, eventbridge } from '../../shared/adapters/aws';
import { readEnv } from '../../shared/config';
import { deletePublished } from '../../shared/data/outbox-cleanup';
import { relayOutbox } from '../../shared/events/relay';
import { logger } from '../../shared/middleware';

const { EVENT_BUS_NAME, TABLE_NAME } = readEnv(['EVENT_BUS_NAME', 'TABLE_NAME']);
const forget = deletePublished(documents, TABLE_NAME);

export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler((event) => relayOutbox(eventbridge, EVENT_BUS_NAME, event.Records, forget));
