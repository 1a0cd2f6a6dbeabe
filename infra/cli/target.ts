import { DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { deadLetterKinds, deadLetterQueueName } from '../constructs/dead-letter-queue';
import { resourceName } from '../constructs/stage';
import { ConfigurationError, readSettings } from '../settings';

/**
 * Where the command line works: the local runtime (`npm start`), found through its own endpoints, or a deployed
 * stage in a region, whose table is named as infra/constructs/stage.ts names it.
 */

export interface TargetOptions {
  local?: string;
  region?: string;
  stage?: string;
}

export interface Target {
  /** For messages: `the local runtime at …` or `stage prod in eu-west-1`. */
  description: string;
  documents: DynamoDBDocumentClient;
  tableName: string;
  /** The platform's now: the local runtime's clock may have been moved on. */
  now(): Promise<Date>;
  /** The local runtime's API, for its dead letters; absent for a deployed stage. */
  localApi?: string;
  /** A deployed stage's region and stage, for its dead-letter queues; absent for the local runtime. */
  deployed?: { region: string; stage: string };
}

/** A mistake in what the operator asked: printed as it is, with a non-zero exit and no stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const DEFAULT_LOCAL_API = 'http://127.0.0.1:3000';
const LOCAL_STAGE = 'local';

const documentsFor = (client: DynamoDBClient) =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

const localTarget = async (api: string): Promise<Target> => {
  let base: URL;
  try {
    base = new URL(api);
  } catch {
    throw new UsageError(
      `--local "${api}" is not a URL: give the local runtime's API, e.g. ${DEFAULT_LOCAL_API}`,
    );
  }
  const get = async <T>(path: string) => {
    const response = await fetch(new URL(path, base)).catch(() => undefined);
    if (!response?.ok) {
      throw new UsageError(
        `No local runtime answers at ${base.origin}: start it with \`npm start\`, or name another with --local <url>.`,
      );
    }
    return (await response.json()) as T;
  };
  const endpoints = await get<{ dynamodb: string }>('/_local/endpoints');
  const client = new DynamoDBClient({
    endpoint: endpoints.dynamodb,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    description: `the local runtime at ${base.origin}`,
    documents: documentsFor(client),
    tableName: resourceName(LOCAL_STAGE),
    now: async () => new Date((await get<{ now: string }>('/_local/clock')).now),
    localApi: base.origin,
  };
};

const deployedTarget = (region: string | undefined, stage: string | undefined): Target => {
  if (!region || !stage) {
    throw new UsageError(
      'A deployed stage needs both --region and --stage (e.g. --region eu-west-1 --stage prod).',
    );
  }
  try {
    // The same checks `cdk deploy` makes, so a typo is named before any request.
    readSettings((key) => ({ regions: region, stage })[key]);
  } catch (error) {
    if (error instanceof ConfigurationError)
      throw new UsageError(error.message.replace(' in context "regions"', ''));
    throw error;
  }
  return {
    description: `stage ${stage} in ${region}`,
    documents: documentsFor(new DynamoDBClient({ region })),
    tableName: resourceName(stage),
    now: async () => new Date(),
    deployed: { region, stage },
  };
};

export const resolveTarget = async (options: TargetOptions): Promise<Target> => {
  if (options.local !== undefined && (options.region || options.stage)) {
    throw new UsageError('Give either --local or --region with --stage, not both.');
  }
  if (options.region || options.stage) return deployedTarget(options.region, options.stage);
  return localTarget(options.local ?? process.env.KINDRED_LOCAL_API ?? DEFAULT_LOCAL_API);
};

/** An AWS error the operator can act on, as a sentence; undefined for the rest. */
export const explainAwsError = (error: unknown, target: Target) => {
  if (error instanceof ResourceNotFoundException) {
    return `There is no table ${target.tableName} for ${target.description}: is that stage deployed in that region?`;
  }
  const name = (error as Error | undefined)?.name ?? '';
  if (/CredentialsProviderError|ExpiredToken|UnrecognizedClient|InvalidSignature/.test(name)) {
    return `No valid AWS credentials for ${target.description} (${name}): sign in (e.g. aws sso login) and try again.`;
  }
  if (name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue') {
    const queues = deadLetterKinds.map((kind) => deadLetterQueueName(target.deployed?.stage ?? '?', kind));
    return `A dead-letter queue (${queues.join(', ')}) is missing for ${target.description}: is that stage deployed in that region, with a version that names its queues?`;
  }
  if (/^AccessDenied(Exception)?$/.test(name)) {
    return `Your AWS identity may not do that on ${target.description}: ${(error as Error).message}`;
  }
  return undefined;
};
