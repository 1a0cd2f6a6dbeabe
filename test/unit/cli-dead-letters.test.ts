import {
  type _Record,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import {
  InvokeCommand,
  type InvokeCommandInput,
  type InvokeCommandOutput,
  LambdaClient,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type Message,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../infra/cli/program';
import { detailExamples } from '../fixtures/event-details';
import { ACCOUNT, eventBridgeEvent, REGION } from '../helpers/events';

/**
 * `kindred --region … --stage … dead-letters list|replay`: the command line's own reading and redelivery of the
 * stage's three dead-letter queues, with SQS, Lambda and DynamoDB Streams as the AWS boundary.
 */

const sqs = mockClient(SQSClient);
const lambda = mockClient(LambdaClient);
const streams = mockClient(DynamoDBStreamsClient);

const STAGE = 'prod';
const fn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:kindred-${STAGE}-${name}`;
const STREAM_ARN = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/kindred-${STAGE}/stream/2025-03-14T09:00:00.000`;
const queueUrl = (name: string) => `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}`;

// Prepare: one message of each queue, shaped as EventBridge and Lambda write them.
const matchMade = eventBridgeEvent('MatchMade', detailExamples.MatchMade);
const meetingDue = eventBridgeEvent('MeetingDue', detailExamples.MeetingDue);

const targetMessage: Message = {
  MessageId: 'msg-target',
  ReceiptHandle: 'rh-target',
  Body: JSON.stringify(matchMade),
  Attributes: { ApproximateReceiveCount: '1' },
  MessageAttributes: {
    RULE_ARN: {
      DataType: 'String',
      StringValue: `arn:aws:events:${REGION}:${ACCOUNT}:rule/kindred-${STAGE}/kindred-${STAGE}-match-made-email`,
    },
    TARGET_ARN: { DataType: 'String', StringValue: fn('send-match-email') },
    ERROR_CODE: { DataType: 'String', StringValue: 'SDK_CLIENT_ERROR' },
    RETRY_ATTEMPTS: { DataType: 'String', StringValue: '184' },
    EXHAUSTED_RETRY_CONDITION: { DataType: 'String', StringValue: 'MaximumRetryAttempts' },
    ERROR_MESSAGE: {
      DataType: 'String',
      StringValue:
        'Function failed for priya.shah@example.org\nwhile rendering the match email, with a message far longer than a table cell',
    },
  },
};

const asyncMessage: Message = {
  MessageId: 'msg-async',
  ReceiptHandle: 'rh-async',
  Attributes: { ApproximateReceiveCount: '2' },
  Body: JSON.stringify({
    version: '1.0',
    timestamp: '2025-03-14T09:30:00.000Z',
    requestContext: {
      requestId: 'req-1',
      functionArn: `${fn('send-meeting-email')}:$LATEST`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
    },
    requestPayload: meetingDue,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: {
      errorType: 'Error',
      errorMessage: "Cannot read properties of undefined (reading 'timezone')",
      stackTrace: ['Error: secret stack line'],
    },
  }),
};

const FIRST = '400000000000000000001';
const LAST = '400000000000000000003';
const streamMessage: Message = {
  MessageId: 'msg-stream',
  ReceiptHandle: 'rh-stream',
  Attributes: { ApproximateReceiveCount: '1' },
  Body: JSON.stringify({
    requestContext: {
      requestId: 'req-2',
      functionArn: fn('relay-outbox'),
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 11,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: '2025-03-14T09:31:00.000Z',
    DDBStreamBatchInfo: {
      shardId: 'shardId-00000001741943000000-abcdef12',
      startSequenceNumber: FIRST,
      endSequenceNumber: LAST,
      approximateArrivalOfFirstRecord: '2025-03-14T09:20:00Z',
      approximateArrivalOfLastRecord: '2025-03-14T09:20:01Z',
      batchSize: 2,
      streamArn: STREAM_ARN,
    },
  }),
};

type StreamImage = NonNullable<NonNullable<_Record['dynamodb']>['NewImage']>;

/** An item as the Streams API returns it (its own AttributeValue type, same wire shape). */
const image = (item: Record<string, unknown>) => marshall(item) as StreamImage;
const outboxItem = (n: number) =>
  image({
    pk: `OUTBOX#2025-03-14T09:2${n}`,
    sk: `EVENT#${n}`,
    detailType: 'MatchMade',
    detail: JSON.stringify(detailExamples.MatchMade),
    createdAt: '2025-03-14T09:20:00.000Z',
  });
const record = (sequence: string, eventName: 'INSERT' | 'MODIFY', newImage: StreamImage): _Record => ({
  eventID: `ev-${sequence}`,
  eventName,
  eventVersion: '1.1',
  eventSource: 'aws:dynamodb',
  awsRegion: REGION,
  dynamodb: {
    ApproximateCreationDateTime: new Date('2025-03-14T09:20:00Z'),
    Keys: { pk: newImage.pk as StreamImage[string], sk: newImage.sk as StreamImage[string] },
    NewImage: newImage,
    SequenceNumber: sequence,
    SizeBytes: 200,
    StreamViewType: 'NEW_IMAGE',
  },
});

/** What a synchronous Invoke answers: the function's result as bytes. */
const answered = (result: unknown) =>
  new TextEncoder().encode(JSON.stringify(result)) as InvokeCommandOutput['Payload'];

/** A stage's queues: what each holds, in the rounds ReceiveMessage hands them out. */
let rounds: Record<string, Message[][]>;
let waiting: Record<string, number>;

const serveQueues = () => {
  sqs.on(GetQueueUrlCommand).callsFake(({ QueueName }: { QueueName: string }) => {
    if (!(QueueName in rounds)) {
      throw new QueueDoesNotExist({ message: 'The specified queue does not exist.', $metadata: {} });
    }
    return { QueueUrl: queueUrl(QueueName) };
  });
  sqs.on(ReceiveMessageCommand).callsFake(({ QueueUrl }: { QueueUrl: string }) => ({
    Messages: rounds[QueueUrl.split('/').pop() as string]?.shift() ?? [],
  }));
  sqs.on(GetQueueAttributesCommand).callsFake(({ QueueUrl }: { QueueUrl: string }) => {
    const name = QueueUrl.split('/').pop() as string;
    const held = new Set((rounds[name] ?? []).flat().map((m) => m.MessageId)).size;
    return { Attributes: { ApproximateNumberOfMessages: String(waiting[name] ?? held) } };
  });
  sqs.on(DeleteMessageCommand).resolves({});
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
};

const queues = (messages: { target?: Message[][]; async?: Message[][]; stream?: Message[][] }) => {
  rounds = {
    [`kindred-${STAGE}-target-dlq`]: messages.target ?? [],
    [`kindred-${STAGE}-async-dlq`]: messages.async ?? [],
    [`kindred-${STAGE}-stream-dlq`]: messages.stream ?? [],
  };
};

const serveStream = () => {
  streams.on(GetShardIteratorCommand).resolves({ ShardIterator: 'iterator-1' });
  streams.on(GetRecordsCommand, { ShardIterator: 'iterator-1' }).resolves({
    Records: [record(FIRST, 'INSERT', outboxItem(1))],
    NextShardIterator: 'iterator-2',
  });
  streams.on(GetRecordsCommand, { ShardIterator: 'iterator-2' }).resolves({
    Records: [
      record('400000000000000000002', 'MODIFY', image({ pk: 'ORG#riverside', sk: 'MATCH#m-1' })),
      record(LAST, 'INSERT', outboxItem(3)),
      record('400000000000000000004', 'INSERT', outboxItem(4)),
    ],
    NextShardIterator: 'iterator-3',
  });
};

const kindred = async (...args: string[]) => {
  let out = '';
  let err = '';
  const code = await runCli(['--region', REGION, '--stage', STAGE, ...args], {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
  });
  return { code, out, err };
};

const invocations = () => lambda.commandCalls(InvokeCommand).map((call) => call.args[0].input);
const payloadOf = (input: InvokeCommandInput) =>
  JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array));
const deleted = () => sqs.commandCalls(DeleteMessageCommand).map((call) => call.args[0].input.ReceiptHandle);
const rowOf = (out: string, start: string) => out.split('\n').find((line) => line.startsWith(start)) ?? '';

beforeEach(() => {
  sqs.reset();
  lambda.reset();
  streams.reset();
  waiting = {};
  queues({});
  serveQueues();
  serveStream();
});

describe('dead-letters list on a deployed stage', () => {
  it('shows each queue\u2019s messages in one table, with the failing function and a short error', async () => {
    queues({ target: [[targetMessage]], async: [[asyncMessage]], stream: [[streamMessage]] });

    const { code, out, err } = await kindred('dead-letters', 'list');

    expect({ code, err }).toStrictEqual({ code: 0, err: '' });
    expect(out).toMatch(/^QUEUE\s+EVENT ID\s+EVENT\s+TARGET\s+ATTEMPTS\s+RECEIVES\s+ERROR$/m);
    expect(rowOf(out, 'target')).toMatch(
      new RegExp(
        `^target\\s+${matchMade.id}\\s+MatchMade\\s+kindred-prod-send-match-email\\s+185\\s+1\\s+SDK_CLIENT_ERROR`,
      ),
    );
    expect(rowOf(out, 'async')).toMatch(
      new RegExp(
        `^async\\s+${meetingDue.id}\\s+MeetingDue\\s+kindred-prod-send-meeting-email\\s+3\\s+2\\s+RetriesExhausted`,
      ),
    );
    expect(rowOf(out, 'stream')).toMatch(
      new RegExp(
        `^stream\\s+${FIRST}\\.\\.${LAST}\\s+stream batch of 2\\s+kindred-prod-relay-outbox\\s+11\\s+1`,
      ),
    );
    // Error texts are cut to one short line, addresses masked, response payloads never printed whole.
    expect(out).not.toContain('priya.shah@example.org');
    expect(out).toContain('[address]');
    expect(out).not.toContain('secret stack line');
    expect(out).not.toContain('longer than a table cell');
    expect(out.split('\n')).toHaveLength(5);
    // A listing only peeks: nothing is invoked or deleted.
    expect(invocations()).toHaveLength(0);
    expect(deleted()).toHaveLength(0);
    const receives = sqs.commandCalls(ReceiveMessageCommand).map((call) => call.args[0].input);
    expect(receives.every((input) => (input.VisibilityTimeout ?? 0) <= 30)).toBe(true);
  });

  it('reads several rounds, counts a message once however often it comes back, and says how many are left unseen', async () => {
    const second = { ...targetMessage, MessageId: 'msg-target-2', ReceiptHandle: 'rh-2' };
    const third = { ...targetMessage, MessageId: 'msg-target-3', ReceiptHandle: 'rh-3' };
    queues({ target: [[targetMessage, second], [second, third], []] });
    waiting = { [`kindred-${STAGE}-target-dlq`]: 250 };

    const { code, out } = await kindred('dead-letters', 'list', '--queue', 'target');

    expect(code).toBe(0);
    expect(out.split('\n').filter((line) => line.startsWith('target'))).toHaveLength(3);
    expect(out).toContain('kindred-prod-target-dlq holds about 250 messages; 3 shown.');
    const asked = sqs.commandCalls(GetQueueUrlCommand).map((call) => call.args[0].input.QueueName);
    expect(asked).toStrictEqual(['kindred-prod-target-dlq']);
  });

  it('says so when every queue is empty', async () => {
    const { code, out } = await kindred('dead-letters', 'list');
    expect(code).toBe(0);
    expect(out).toBe('No dead-lettered events on stage prod in eu-west-1.\n');
  });
});

describe('dead-letters replay on a deployed stage', () => {
  it('redelivers each message to the function that failed it, with its event, and deletes what was accepted', async () => {
    queues({ target: [[targetMessage]], async: [[asyncMessage]], stream: [[streamMessage]] });
    lambda.on(InvokeCommand, { InvocationType: 'Event' }).resolves({ StatusCode: 202 });
    lambda.on(InvokeCommand, { InvocationType: 'RequestResponse' }).resolves({
      StatusCode: 200,
      Payload: answered({ batchItemFailures: [] }),
    });

    const { code, out } = await kindred('dead-letters', 'replay');

    expect(code).toBe(0);
    expect(out).toBe(
      'Replayed 3 dead-lettered deliveries on stage prod in eu-west-1; 0 left in their queues.\n',
    );
    const [target, async, stream] = invocations() as [
      InvokeCommandInput,
      InvokeCommandInput,
      InvokeCommandInput,
    ];
    expect(target).toMatchObject({ FunctionName: fn('send-match-email'), InvocationType: 'Event' });
    expect(payloadOf(target)).toStrictEqual(matchMade);
    expect(async).toMatchObject({
      FunctionName: `${fn('send-meeting-email')}:$LATEST`,
      InvocationType: 'Event',
    });
    expect(payloadOf(async)).toStrictEqual(meetingDue);
    expect(stream).toMatchObject({ FunctionName: fn('relay-outbox'), InvocationType: 'RequestResponse' });

    // The relay gets the batch's outbox inserts as its event-source mapping would have sent them.
    expect(streams.commandCalls(GetShardIteratorCommand)[0]?.args[0].input).toStrictEqual({
      StreamArn: STREAM_ARN,
      ShardId: 'shardId-00000001741943000000-abcdef12',
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      SequenceNumber: FIRST,
    });
    const { Records } = payloadOf(stream);
    expect(
      Records.map((r: { dynamodb: { SequenceNumber: string } }) => r.dynamodb.SequenceNumber),
    ).toStrictEqual([FIRST, LAST]);
    expect(Records[0]).toMatchObject({
      eventName: 'INSERT',
      eventSourceARN: STREAM_ARN,
      dynamodb: { ApproximateCreationDateTime: 1741944000, NewImage: outboxItem(1) },
    });

    expect(deleted().sort()).toStrictEqual(['rh-async', 'rh-stream', 'rh-target']);
    const received = sqs.commandCalls(ReceiveMessageCommand).map((call) => call.args[0].input);
    expect(received.every((input) => (input.VisibilityTimeout ?? 0) >= 60)).toBe(true);
  });

  it('leaves a message whose function fails again or is throttled, and deletes the rest', async () => {
    const again = { ...targetMessage, MessageId: 'msg-again', ReceiptHandle: 'rh-again' };
    queues({ target: [[targetMessage, again]], async: [[asyncMessage]] });
    lambda
      .on(InvokeCommand, { FunctionName: fn('send-match-email') })
      .resolvesOnce({ StatusCode: 202, FunctionError: 'Unhandled' })
      .resolvesOnce({ StatusCode: 202 });
    lambda
      .on(InvokeCommand, { FunctionName: `${fn('send-meeting-email')}:$LATEST` })
      .rejects(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} }));

    const { code, out } = await kindred('dead-letters', 'replay');

    expect(code).toBe(0);
    expect(out).toContain(
      'Replayed 1 dead-lettered delivery on stage prod in eu-west-1; 2 left in their queues.',
    );
    expect(rowOf(out, 'target')).toMatch(
      /kindred-prod-send-match-email\s+the function failed again \(Unhandled\)$/,
    );
    expect(rowOf(out, 'async')).toMatch(/throttled \(TooManyRequestsException\): replay again later$/);
    expect(deleted()).toStrictEqual(['rh-again']);
    // What stays is visible again at once, so a `list` right after shows it.
    expect(
      sqs
        .commandCalls(ChangeMessageVisibilityCommand)
        .map((c) => [c.args[0].input.ReceiptHandle, c.args[0].input.VisibilityTimeout]),
    ).toStrictEqual([
      [targetMessage.ReceiptHandle, 0],
      [asyncMessage.ReceiptHandle, 0],
    ]);
  });

  it('leaves a stream batch whose records the stream no longer holds, saying so', async () => {
    queues({ stream: [[streamMessage]] });
    streams
      .on(GetShardIteratorCommand)
      .rejects(new TrimmedDataAccessException({ message: 'trimmed', $metadata: {} }));

    const { code, out } = await kindred('dead-letters', 'replay', '--queue', 'stream');

    expect(code).toBe(0);
    expect(out).toContain(
      'Replayed 0 dead-lettered deliveries on stage prod in eu-west-1; 1 left in its queue.',
    );
    expect(rowOf(out, 'stream')).toMatch(
      /its records are gone from the table stream \(it keeps them 24 hours\)$/,
    );
    expect(invocations()).toHaveLength(0);
    expect(deleted()).toHaveLength(0);
  });

  it('leaves a stream batch the relay could not publish in full', async () => {
    queues({ stream: [[streamMessage]] });
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      Payload: answered({ batchItemFailures: [{ itemIdentifier: LAST }] }),
    });

    const { out } = await kindred('dead-letters', 'replay', '--queue', 'stream');

    expect(rowOf(out, 'stream')).toMatch(/the relay left 1 record\(s\) unpublished$/);
    expect(deleted()).toHaveLength(0);
  });

  it('leaves a message it cannot read, and touches only the queue asked for', async () => {
    queues({ async: [[{ MessageId: 'msg-odd', ReceiptHandle: 'rh-odd', Body: 'not json' }]] });

    const { code, out } = await kindred('dead-letters', 'replay', '--queue', 'async');

    expect(code).toBe(0);
    expect(rowOf(out, 'async')).toMatch(
      /^async\s+msg-odd\s+\(unreadable\).*not a message this command understands/,
    );
    const asked = sqs.commandCalls(GetQueueUrlCommand).map((call) => call.args[0].input.QueueName);
    expect(asked).toStrictEqual(['kindred-prod-async-dlq']);
    expect(invocations()).toHaveLength(0);
    expect(deleted()).toHaveLength(0);
  });

  it('says so when there is nothing to replay', async () => {
    const { code, out } = await kindred('dead-letters', 'replay');
    expect(code).toBe(0);
    expect(out).toBe('No dead-lettered events on stage prod in eu-west-1: nothing to replay.\n');
  });
});

describe('mistakes and AWS errors the operator can act on', () => {
  it('refuses an unknown --queue before any request', async () => {
    const { code, err } = await kindred('dead-letters', 'replay', '--queue', 'bus');
    expect(code).not.toBe(0);
    expect(err).toContain("option '--queue <queue>' argument 'bus' is invalid");
    expect(err).toContain('target, async, stream');
    expect(sqs.calls()).toHaveLength(0);
  });

  it('asks whether the stage is deployed when its queues are missing', async () => {
    rounds = {};
    const { code, err } = await kindred('dead-letters', 'list');
    expect(code).toBe(1);
    expect(err).toContain('is missing for stage prod in eu-west-1: is that stage deployed in that region');
    expect(err).toContain('kindred-prod-target-dlq');
  });

  it('stops at a function the operator may not invoke, after saying what it replayed so far', async () => {
    queues({ target: [[targetMessage]], async: [[asyncMessage]] });
    const denied = Object.assign(new Error('not authorized to perform: lambda:InvokeFunction'), {
      name: 'AccessDeniedException',
    });
    lambda.on(InvokeCommand, { FunctionName: fn('send-match-email') }).resolves({ StatusCode: 202 });
    lambda.on(InvokeCommand, { FunctionName: `${fn('send-meeting-email')}:$LATEST` }).rejects(denied);

    const { code, out, err } = await kindred('dead-letters', 'replay');

    expect(code).toBe(1);
    expect(out).toContain('Replayed 1 dead-lettered delivery on stage prod in eu-west-1; 0 left');
    expect(err).toContain('Your AWS identity may not do that on stage prod in eu-west-1');
    expect(deleted()).toStrictEqual(['rh-target']);
  });

  it('leaves a message when the stream cannot be read for another reason, and goes on', async () => {
    queues({ stream: [[streamMessage]], target: [[targetMessage]] });
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    streams
      .on(GetRecordsCommand)
      .rejects(
        Object.assign(new Error('Too many requests\nfor this shard'), { name: 'LimitExceededException' }),
      );

    const { code, out } = await kindred('dead-letters', 'replay');

    expect(code).toBe(0);
    expect(out).toContain(
      'Replayed 1 dead-lettered delivery on stage prod in eu-west-1; 1 left in its queue.',
    );
    expect(rowOf(out, 'stream')).toMatch(/LimitExceededException: Too many requests for this shard$/);
    expect(deleted()).toStrictEqual(['rh-target']);
  });

  it('asks for credentials when there are none', async () => {
    sqs.on(GetQueueUrlCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    );
    const { code, err } = await kindred('dead-letters', 'list');
    expect(code).toBe(1);
    expect(err).toContain('No valid AWS credentials for stage prod in eu-west-1');
  });
});
