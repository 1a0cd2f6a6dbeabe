import {
  IdempotencyConfig,
  IdempotencyItemNotFoundError,
  IdempotencyRecordStatus,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { PARTITIONS, tableDefinition } from '../data/table';
import { dynamodb } from './aws';

/**
 * Whether an email went out, by its key: the record the idempotent sender (email-sender.ts) claims and
 * completes for each key, read through the same Powertools persistence layer and the same settings, so the
 * record is found where the sender wrote it. A digest asks it of each email it lists: one that went out on its
 * own meanwhile (a redelivery once the cap had room) is not listed again.
 */
export const sentEmails = (tableName: string) => {
  const store = new DynamoDBPersistenceLayer({
    tableName,
    awsSdkV3Client: dynamodb,
    keyAttr: tableDefinition.partitionKey,
    sortKeyAttr: tableDefinition.sortKey,
    staticPkValue: `${PARTITIONS.idempotency}email`,
    expiryAttr: tableDefinition.ttlAttribute,
  });
  store.configure({ config: new IdempotencyConfig({ eventKeyJmesPath: 'key' }), keyPrefix: 'email' });

  return {
    /** True once sent, or while another attempt is sending it. */
    async wasSent(key: string): Promise<boolean> {
      try {
        const record = await store.getRecord({ key });
        return record.getStatus() !== IdempotencyRecordStatus.EXPIRED;
      } catch (error) {
        if (error instanceof IdempotencyItemNotFoundError) return false;
        throw error;
      }
    },
  };
};
