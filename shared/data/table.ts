/**
 * The one definition of kindred's single DynamoDB table. CDK builds the table from it and the local runtime
 * creates it in DynamoDB Local from it.
 */
export const tableDefinition = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Look-ups other than by primary key (participants of an organisation, by status). */
  lookupIndex: { name: 'lookup', partitionKey: 'lookupPk', sortKey: 'lookupSk' },
  /** Due work by time bucket (`DUE#<yyyy-mm-ddThh>`), so scheduled sweeps query one bucket instead of scanning. */
  dueIndex: { name: 'due', partitionKey: 'duePk', sortKey: 'dueSk' },
  /** Epoch seconds; DynamoDB deletes the item some time after. Powertools idempotency writes the same unit. */
  ttlAttribute: 'expiresAt',
  /** The outbox relay only needs what was written. */
  streamView: 'NEW_IMAGE',
} as const;

/**
 * Partition key prefixes: every item's partition key starts with one. IAM limits each function to the
 * prefixes it needs (dynamodb:LeadingKeys), built from these same constants.
 */
export const PARTITIONS = {
  organisation: 'ORG#',
  outbox: 'OUTBOX#',
  sweep: 'SWEEP#',
  idempotency: 'IDEMPOTENCY#',
  /** The due index's own partition key. */
  due: 'DUE#',
  /** An address that must get nothing more (hard bounce, complaint), by its pseudonym, across organisations. */
  suppression: 'SUPPRESSION#',
  /** The lookup index's partition of every organisation (`ORGS#all`): what daily sweeps walk. */
  organisations: 'ORGS#',
  /** The lookup index's partition of each public directory (`DIRECTORY#university`): its visible listings. */
  directory: 'DIRECTORY#',
  /** Rate-limit counters of the public signup path (per client address, per organisation), one per window. */
  rateLimit: 'RATE#',
  /** Organisation admin API keys by key id (`APIKEY#<keyId>`): what the authorizer reads, and nothing else. */
  apiKey: 'APIKEY#',
} as const;

/** Outbox items' partition key prefix; the relay's stream filter selects them. */
export const OUTBOX_PREFIX = PARTITIONS.outbox;

/**
 * Which stream records the outbox relay receives. The Lambda event-source mapping filters with it in AWS;
 * the local relay filters with the same pattern through the local EventBridge pattern matcher.
 */
export const outboxStreamFilter = {
  eventName: ['INSERT'],
  dynamodb: { NewImage: { pk: { S: [{ prefix: OUTBOX_PREFIX }] } } },
} as const;

/**
 * How the relay is fed from the stream (the Lambda event-source mapping in AWS, the local relay's loop):
 * after this many attempts, or once a record is this old, the mapping gives up on it. Outbox items the
 * relay never published are written again by the sweep some time after that (OUTBOX_REDRIVE_AFTER_MS).
 */
export const outboxStreamPolicy = {
  batchSize: 100,
  retryAttempts: 10,
  maxRecordAgeSeconds: 3600,
} as const;

/** CreateTable input for DynamoDB Local, derived from the definition above. */
export const createTableInput = (tableName: string) => {
  const { partitionKey, sortKey, lookupIndex, dueIndex } = tableDefinition;
  const attributes = [
    partitionKey,
    sortKey,
    ...[lookupIndex, dueIndex].flatMap((i) => [i.partitionKey, i.sortKey]),
  ];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: attributes.map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' as const },
      { AttributeName: sortKey, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: [lookupIndex, dueIndex].map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'ALL' as const },
    })),
    StreamSpecification: { StreamEnabled: true, StreamViewType: tableDefinition.streamView },
  };
};
