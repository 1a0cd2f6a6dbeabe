import { randomUUID } from 'node:crypto';
import { dynamoMatching } from '../data/matching';
import { dynamoOrganisations } from '../data/organisations';
import { dynamoOutbox } from '../data/outbox';
import type { MatchingDeps } from '../domain/matching';
import { logger } from '../middleware';
import { documents } from './aws';

/** The matching use cases wired to the table, as every matching function uses them. */
export const matchingDeps = (tableName: string): MatchingDeps => ({
  organisations: dynamoOrganisations(documents, tableName),
  matching: dynamoMatching(documents, tableName),
  outbox: dynamoOutbox(documents, tableName),
  ids: { next: () => randomUUID() },
  log: (message, fields) => logger.info(message, fields),
});
