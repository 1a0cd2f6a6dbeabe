import {
  type _Record,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { InvocationType, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { outboxStreamFilter } from '../../shared/data/table';
import { type DeadLetterKind, deadLetterKinds, deadLetterQueueName } from '../constructs/dead-letter-queue';
import { type Output, table } from './output';
import { explainAwsError, type Target } from './target';

/**
 * Dead letters of a deployed stage, read from its three SQS dead-letter queues and redelivered to the function
 * that failed them with the very event it failed on (same event id), so the functions' idempotency holds.
 */

/** At most this many messages of each queue per run: enough to see a pattern, bounded on a flooded queue. */
const MAX_PER_QUEUE = 100;
const RECEIVE_ROUNDS = 12;
/** A listing hides what it read only briefly, so a replay soon after finds it again. */
const PEEK_VISIBILITY_SECONDS = 10;
/** A replay handles one round (10 messages) at a time: ten synchronous relay runs of up to 60 s each fit. */
const REPLAY_VISIBILITY_SECONDS = 900;
/** GetRecords calls (an open shard may answer empty pages) before a batch counts as only partly readable. */
const STREAM_READS = 25;
const ERROR_WIDTH = 60;

const eventBridgeEvent = z.object({ id: z.string(), 'detail-type': z.string() });

const requestContext = z.object({
  functionArn: z.string(),
  condition: z.string().optional(),
  approximateInvokeCount: z.number().optional(),
});
const responseContext = z.object({ functionError: z.string().optional() }).optional();
const errorPayload = z
  .object({ errorType: z.string().optional(), errorMessage: z.string().optional() })
  .optional()
  .catch(undefined);

/** Lambda's record of an asynchronous invocation that failed every retry (its on-failure destination). */
const asyncInvocationRecord = z.object({
  requestContext,
  requestPayload: z.unknown(),
  responseContext,
  responsePayload: errorPayload,
});

/** What the stream's event-source mapping parks on failure: where the batch was, not its records. */
const streamBatchRecord = z.object({
  requestContext,
  responseContext,
  DDBStreamBatchInfo: z.object({
    shardId: z.string(),
    startSequenceNumber: z.string(),
    endSequenceNumber: z.string(),
    streamArn: z.string(),
    batchSize: z.number().optional(),
  }),
});

type Letter = {
  kind: DeadLetterKind;
  messageId: string;
  receiptHandle: string;
  receives: string;
} & (
  | {
      shape: 'target';
      body: string;
      event: z.infer<typeof eventBridgeEvent>;
      targetArn: string;
      attempts: string;
      error: string;
    }
  | { shape: 'async'; record: z.infer<typeof asyncInvocationRecord> }
  | { shape: 'stream'; record: z.infer<typeof streamBatchRecord> }
  | { shape: 'unreadable' }
);

type Outcome = { replayed: true } | { replayed: false; why: string };

const ADDRESS = /[^\s@]+@[^\s@]+/g;

/** A short, single-line cut of an error, any address-like word masked: error texts are not ours to print. */
const shortError = (text: string) => {
  const line = text.replace(ADDRESS, '[address]').replace(/\s+/g, ' ').trim();
  return line.length > ERROR_WIDTH ? `${line.slice(0, ERROR_WIDTH - 1)}\u2026` : line;
};

/** `arn:aws:lambda:eu-west-1:1:function:kindred-prod-x[:qualifier]` -> `kindred-prod-x`. */
const functionNameOf = (arn: string) => {
  const parts = arn.split(':');
  return parts[2] === 'lambda' && parts[5] === 'function' && parts[6] ? parts[6] : undefined;
};

const parseJson = (body: string | undefined): unknown => {
  try {
    return JSON.parse(body ?? '');
  } catch {
    return undefined;
  }
};

const readLetter = (kind: DeadLetterKind, message: Message): Letter => {
  const base = {
    kind,
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    receives: message.Attributes?.ApproximateReceiveCount ?? '',
  };
  const body = parseJson(message.Body);
  if (kind === 'target') {
    const event = eventBridgeEvent.safeParse(body);
    const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue ?? '';
    const targetArn = attribute('TARGET_ARN');
    if (!event.success || !targetArn) return { ...base, shape: 'unreadable' };
    const error = [attribute('ERROR_CODE'), attribute('ERROR_MESSAGE')].filter(Boolean).join(': ');
    // EventBridge counts retries; the first delivery makes one attempt more.
    const retries = attribute('RETRY_ATTEMPTS');
    const attempts = /^\d+$/.test(retries) ? String(Number(retries) + 1) : '';
    return {
      ...base,
      shape: 'target',
      body: message.Body ?? '',
      event: event.data,
      targetArn,
      attempts,
      error,
    };
  }
  if (kind === 'async') {
    const record = asyncInvocationRecord.safeParse(body);
    return record.success
      ? { ...base, shape: 'async', record: record.data }
      : { ...base, shape: 'unreadable' };
  }
  const record = streamBatchRecord.safeParse(body);
  return record.success
    ? { ...base, shape: 'stream', record: record.data }
    : { ...base, shape: 'unreadable' };
};

/** One row of the listing: QUEUE, EVENT ID, EVENT, TARGET, ATTEMPTS, RECEIVES, ERROR. */
const listingRow = (letter: Letter): string[] => {
  const row = (eventId: string, event: string, target: string, attempts: string, error: string) => [
    letter.kind,
    eventId,
    event,
    target,
    attempts,
    letter.receives,
    shortError(error),
  ];
  switch (letter.shape) {
    case 'target':
      return row(
        letter.event.id,
        letter.event['detail-type'],
        functionNameOf(letter.targetArn) ?? letter.targetArn,
        letter.attempts,
        letter.error,
      );
    case 'async': {
      const {
        requestContext: context,
        requestPayload,
        responseContext: response,
        responsePayload,
      } = letter.record;
      const event = eventBridgeEvent.safeParse(requestPayload);
      const error =
        [responsePayload?.errorType, responsePayload?.errorMessage].filter(Boolean).join(': ') ||
        response?.functionError ||
        '';
      return row(
        event.success ? event.data.id : '',
        event.success ? event.data['detail-type'] : '',
        functionNameOf(context.functionArn) ?? context.functionArn,
        String(context.approximateInvokeCount ?? ''),
        [context.condition, error].filter(Boolean).join(': '),
      );
    }
    case 'stream': {
      const { requestContext: context, responseContext: response, DDBStreamBatchInfo: batch } = letter.record;
      return row(
        `${batch.startSequenceNumber}..${batch.endSequenceNumber}`,
        `stream batch of ${batch.batchSize ?? '?'}`,
        functionNameOf(context.functionArn) ?? context.functionArn,
        String(context.approximateInvokeCount ?? ''),
        [context.condition, response?.functionError].filter(Boolean).join(': '),
      );
    }
    case 'unreadable':
      return row(letter.messageId, '(unreadable)', '', '', 'not a message this command understands');
  }
};

/** The Lambda event a DynamoDB stream mapping would have sent for these records. */
const toLambdaRecord = (record: _Record, streamArn: string) => {
  const created = record.dynamodb?.ApproximateCreationDateTime;
  return {
    ...record,
    dynamodb: {
      ...record.dynamodb,
      ...(created ? { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) } : {}),
    },
    eventSourceARN: streamArn,
  };
};

const outboxPrefix = outboxStreamFilter.dynamodb.NewImage.pk.S[0].prefix;
/** The mapping's own filter, so the relay gets what it would have got. */
const passesOutboxFilter = (record: _Record) =>
  (outboxStreamFilter.eventName as readonly string[]).includes(record.eventName ?? '') &&
  (record.dynamodb?.NewImage?.pk?.S ?? '').startsWith(outboxPrefix);

const isGone = (error: unknown) =>
  ['TrimmedDataAccessException', 'ExpiredIteratorException', 'ResourceNotFoundException'].includes(
    (error as Error).name,
  );

export const deployedDeadLetters = (
  target: Target,
  { region, stage }: { region: string; stage: string },
  output: Output,
) => {
  const sqs = new SQSClient({ region });
  const lambda = new LambdaClient({ region });
  const streams = new DynamoDBStreamsClient({ region });

  const queueUrl = async (kind: DeadLetterKind) =>
    (await sqs.send(new GetQueueUrlCommand({ QueueName: deadLetterQueueName(stage, kind) }))).QueueUrl ?? '';

  /** Rounds of ReceiveMessage, deduplicated by message id, until a round brings nothing new or the bound. */
  async function* rounds(url: string, visibilitySeconds: number) {
    const seen = new Map<string, Message>();
    for (let round = 0; round < RECEIVE_ROUNDS && seen.size < MAX_PER_QUEUE; round++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: Math.min(10, MAX_PER_QUEUE - seen.size),
          VisibilityTimeout: visibilitySeconds,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          MessageAttributeNames: ['All'],
        }),
      );
      const fresh = Messages.filter((message) => message.MessageId && !seen.has(message.MessageId));
      if (fresh.length === 0) return;
      for (const message of fresh) seen.set(message.MessageId as string, message);
      yield fresh;
    }
  }

  const waiting = async (url: string) => {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
  };

  /** Accepted means Lambda took it (202 or 200) and the function reported no error. */
  const invoke = async (
    functionArn: string,
    payload: string,
    type: InvocationType,
  ): Promise<{ accepted: true; payload?: Uint8Array } | { accepted: false; why: string }> => {
    try {
      const answer = await lambda.send(
        new InvokeCommand({
          FunctionName: functionArn,
          InvocationType: type,
          Payload: new TextEncoder().encode(payload),
        }),
      );
      if (answer.FunctionError) {
        return { accepted: false, why: `the function failed again (${answer.FunctionError})` };
      }
      const expected = type === InvocationType.Event ? 202 : 200;
      if (answer.StatusCode !== expected) {
        return { accepted: false, why: `Lambda answered ${answer.StatusCode ?? 'nothing'}` };
      }
      return { accepted: true, payload: answer.Payload };
    } catch (error) {
      // Credentials and permissions stop the whole run; anything else stays with this one message.
      if (explainAwsError(error, target)) throw error;
      const name = (error as Error).name;
      if (name === 'TooManyRequestsException') {
        return { accepted: false, why: 'throttled (TooManyRequestsException): replay again later' };
      }
      if (name === 'ResourceNotFoundException') {
        return { accepted: false, why: `function ${functionNameOf(functionArn) ?? functionArn} not found` };
      }
      return { accepted: false, why: `${name}: ${shortError((error as Error).message ?? '')}` };
    }
  };

  /** The batch's records from the stream, or why they cannot be read any more. */
  const streamRecords = async (
    batch: z.infer<typeof streamBatchRecord>['DDBStreamBatchInfo'],
  ): Promise<{ records: _Record[] } | { why: string }> => {
    const gone = 'its records are gone from the table stream (it keeps them 24 hours)';
    let iterator: string | undefined;
    try {
      ({ ShardIterator: iterator } = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: batch.streamArn,
          ShardId: batch.shardId,
          ShardIteratorType: 'AT_SEQUENCE_NUMBER',
          SequenceNumber: batch.startSequenceNumber,
        }),
      ));
    } catch (error) {
      if (isGone(error)) return { why: gone };
      throw error;
    }
    const last = BigInt(batch.endSequenceNumber);
    const records: _Record[] = [];
    for (let read = 0; iterator && read < STREAM_READS; read++) {
      let page: GetRecordsCommandOutput;
      try {
        page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      } catch (error) {
        if (isGone(error)) return { why: gone };
        throw error;
      }
      for (const record of page.Records ?? []) {
        const sequence = BigInt(record.dynamodb?.SequenceNumber ?? '0');
        if (sequence > last) return { records };
        records.push(record);
        if (sequence === last) return { records };
      }
      iterator = page.NextShardIterator;
    }
    return { why: `only ${records.length} of its records could be read from the table stream` };
  };

  const redeliver = async (letter: Letter): Promise<Outcome> => {
    switch (letter.shape) {
      case 'target': {
        if (!functionNameOf(letter.targetArn)) {
          return { replayed: false, why: 'its target is not a Lambda function' };
        }
        const result = await invoke(letter.targetArn, letter.body, InvocationType.Event);
        return result.accepted ? { replayed: true } : { replayed: false, why: result.why };
      }
      case 'async': {
        const { functionArn } = letter.record.requestContext;
        if (letter.record.requestPayload === undefined) {
          return { replayed: false, why: 'its record keeps no event to redeliver' };
        }
        const result = await invoke(
          functionArn,
          JSON.stringify(letter.record.requestPayload),
          InvocationType.Event,
        );
        return result.accepted ? { replayed: true } : { replayed: false, why: result.why };
      }
      case 'stream': {
        const batch = letter.record.DDBStreamBatchInfo;
        const read = await streamRecords(batch);
        if ('why' in read) return { replayed: false, why: read.why };
        const event = {
          Records: read.records.filter(passesOutboxFilter).map((r) => toLambdaRecord(r, batch.streamArn)),
        };
        const result = await invoke(
          letter.record.requestContext.functionArn,
          JSON.stringify(event),
          InvocationType.RequestResponse,
        );
        if (!result.accepted) return { replayed: false, why: result.why };
        const answer = parseJson(new TextDecoder().decode(result.payload)) as {
          batchItemFailures?: unknown[];
        } | null;
        const failures = answer?.batchItemFailures?.length ?? 0;
        return failures === 0
          ? { replayed: true }
          : { replayed: false, why: `the relay left ${failures} record(s) unpublished` };
      }
      case 'unreadable':
        return { replayed: false, why: 'not a message this command understands; read it in the SQS console' };
    }
  };

  return {
    async list(kinds: readonly DeadLetterKind[] = deadLetterKinds) {
      const rows: string[][] = [];
      const notes: string[] = [];
      for (const kind of kinds) {
        const url = await queueUrl(kind);
        const total = await waiting(url);
        const letters: Letter[] = [];
        for await (const round of rounds(url, PEEK_VISIBILITY_SECONDS)) {
          letters.push(...round.map((message) => readLetter(kind, message)));
        }
        rows.push(...letters.map(listingRow));
        if (total > letters.length) {
          notes.push(
            `${deadLetterQueueName(stage, kind)} holds about ${total} messages; ${letters.length} shown.`,
          );
        }
      }
      if (rows.length === 0) {
        output.out(`No dead-lettered events on ${target.description}.\n`);
        return;
      }
      output.out(table(['QUEUE', 'EVENT ID', 'EVENT', 'TARGET', 'ATTEMPTS', 'RECEIVES', 'ERROR'], rows));
      for (const note of notes) output.out(`${note}\n`);
    },

    async replay(kinds: readonly DeadLetterKind[] = deadLetterKinds) {
      let replayed = 0;
      const left: string[][] = [];
      /** What stays, to be shown again at once rather than after the replay's long visibility timeout. */
      const kept: { url: string; receiptHandle: string }[] = [];
      const showAgain = async () => {
        for (const { url, receiptHandle } of kept.splice(0)) {
          try {
            await sqs.send(
              new ChangeMessageVisibilityCommand({
                QueueUrl: url,
                ReceiptHandle: receiptHandle,
                VisibilityTimeout: 0,
              }),
            );
          } catch {
            // It reappears when the timeout ends anyway.
          }
        }
      };
      const report = () => {
        output.out(
          `Replayed ${replayed} dead-lettered deliver${replayed === 1 ? 'y' : 'ies'} on ${target.description}; ` +
            `${left.length} left in ${left.length === 1 ? 'its queue' : 'their queues'}.\n`,
        );
        if (left.length > 0) {
          output.out(`\n${table(['QUEUE', 'EVENT ID', 'EVENT', 'TARGET', 'WHY LEFT'], left)}`);
        }
      };
      /** Anything but missing credentials or permissions stays with its one message. */
      const reasonFor = (error: unknown) => {
        if (explainAwsError(error, target)) throw error;
        return `${(error as Error).name}: ${shortError((error as Error).message ?? '')}`;
      };
      const replayOne = async (kind: DeadLetterKind, url: string, message: Message) => {
        const letter = readLetter(kind, message);
        const [, eventId = '', event = '', fn = ''] = listingRow(letter);
        const outcome = await redeliver(letter).catch(
          (error): Outcome => ({ replayed: false, why: reasonFor(error) }),
        );
        if (!outcome.replayed) {
          left.push([kind, eventId, event, fn, outcome.why]);
          kept.push({ url, receiptHandle: letter.receiptHandle });
          return;
        }
        try {
          await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: letter.receiptHandle }));
          replayed++;
        } catch (error) {
          const why = `redelivered but not deleted (${reasonFor(error)}); a second replay is harmless`;
          left.push([kind, eventId, event, fn, why]);
        }
      };
      try {
        for (const kind of kinds) {
          const url = await queueUrl(kind);
          for await (const round of rounds(url, REPLAY_VISIBILITY_SECONDS)) {
            for (const message of round) await replayOne(kind, url, message);
          }
        }
      } catch (error) {
        await showAgain();
        // What was redelivered before the stop is deleted already: say so before the error.
        if (replayed > 0 || left.length > 0) report();
        throw error;
      }
      await showAgain();
      if (replayed === 0 && left.length === 0) {
        output.out(`No dead-lettered events on ${target.description}: nothing to replay.\n`);
        return;
      }
      report();
    },
  };
};
