import { Duration, Validations } from 'aws-cdk-lib';
import { type CfnQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface DeadLetterQueueProps {
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
