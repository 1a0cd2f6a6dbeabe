import { Duration, Validations } from 'aws-cdk-lib';
import { type CfnQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { resourceName } from './stage';

/**
 * The stack's three dead-letter queues: EventBridge rule targets (`target`), rule-triggered Lambda invocations
 * (`async`) and the outbox stream's relay (`stream`).
 */
export const deadLetterKinds = ['target', 'async', 'stream'] as const;
export type DeadLetterKind = (typeof deadLetterKinds)[number];

/** Fixed per stage (`kindred-prod-target-dlq`), so the command line finds a queue without CloudFormation. */
export const deadLetterQueueName = (stage: string, kind: DeadLetterKind): string =>
  resourceName(stage, kind, 'dlq');

export interface DeadLetterQueueProps {
  stage: string;
  kind: DeadLetterKind;
  /** What ends up here, for the queue's nag acknowledgement and for whoever reads the queue. */
  holds: string;
}

/**
 * An encrypted, TLS-only SQS queue that keeps failed deliveries for the longest time SQS allows, so an
 * operator can inspect and redrive them.
 */
export class DeadLetterQueue extends Construct {
  readonly queue: Queue;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = new Queue(this, 'Queue', {
      queueName: deadLetterQueueName(props.stage, props.kind),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.queue.node.defaultChild as CfnQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `This queue is itself a dead-letter queue (it holds ${props.holds}); a dead-letter queue behind it would only move the same messages once more.`,
    });
  }
}
