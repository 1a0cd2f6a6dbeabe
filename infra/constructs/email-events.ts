import { Duration } from 'aws-cdk-lib';
import { type CfnRule, EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  ConfigurationSetEventDestination,
  EmailSendingEvent,
  EventDestination,
  type IConfigurationSet,
} from 'aws-cdk-lib/aws-ses';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SES_FEEDBACK_RULE } from '../../shared/domain/suppression';
import { resourceName } from './stage';

export interface EmailEventsProps {
  stage: string;
  /** The configuration set every email is sent with. */
  configurationSet: IConfigurationSet;
  /** The function that suppresses bounced and complained addresses. */
  target: IFunction;
  /** Where EventBridge parks an event it could not hand to the function (the platform bus's target DLQ). */
  deadLetterQueue: IQueue;
}

/**
 * The same retry policy as the platform bus's rule targets (event-bus.ts): EventBridge retries for 24 h, 185
 * times at most, then parks the event. The contract test holds the two equal.
 */
const TARGET_RETRY = { maxEventAge: Duration.hours(24), retryAttempts: 185 } as const;

/**
 * Bounces and complaints back into kindred: the configuration set publishes them to the account's default
 * event bus (the only bus SES publishes to), and a rule there hands them to the suppress-address function.
 * The rule's pattern is `SES_FEEDBACK_RULE`, the one the local runtime checks its stand-in events against.
 */
export class EmailEvents extends Construct {
  readonly destination: ConfigurationSetEventDestination;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: EmailEventsProps) {
    super(scope, id);
    const defaultBus = EventBus.fromEventBusName(this, 'DefaultBus', 'default');

    this.destination = new ConfigurationSetEventDestination(this, 'ToEventBridge', {
      configurationSet: props.configurationSet,
      configurationSetEventDestinationName: resourceName(props.stage, 'bounces-complaints'),
      destination: EventDestination.eventBus(defaultBus),
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT],
    });

    this.rule = new Rule(this, 'Rule', {
      ruleName: resourceName(props.stage, SES_FEEDBACK_RULE.name),
      description: SES_FEEDBACK_RULE.description,
      // SES publishes to the default bus only, so the rule lives there (no eventBus given).
      eventPattern: {
        source: [...SES_FEEDBACK_RULE.eventPattern.source],
        detailType: [...SES_FEEDBACK_RULE.eventPattern['detail-type']],
      },
      targets: [
        new LambdaFunction(props.target, { deadLetterQueue: props.deadLetterQueue, ...TARGET_RETRY }),
      ],
    });
    // The synthesized pattern is the shared definition itself, byte for byte.
    (this.rule.node.defaultChild as CfnRule).addPropertyOverride(
      'EventPattern',
      SES_FEEDBACK_RULE.eventPattern,
    );
  }
}
