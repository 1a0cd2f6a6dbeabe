import { Duration } from 'aws-cdk-lib';
import { type CfnRule, EventBus, type EventPattern, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../../shared/events/catalogue';
import {
  EVENT_ARCHIVE_RETENTION_DAYS,
  type EventRule,
  eventRules,
  type ScheduleRule,
  scheduleRules,
  type TargetFunction,
} from '../../shared/events/rules';
import { DeadLetterQueue } from './dead-letter-queue';
import { resourceName } from './stage';

export interface PlatformEventBusProps {
  stage: string;
  /** How long the archive keeps events for replay. */
  archiveRetention?: Duration;
}

/** EventBridge keeps retrying a target for 24 h (185 attempts is its maximum) before giving up to the DLQ. */
const TARGET_RETRY = { maxEventAge: Duration.hours(24), retryAttempts: 185 } as const;

/**
 * The rules table writes patterns the way EventBridge does (`detail-type`); the L2 `EventPattern` spells the
 * top-level keys in camelCase and renders them back. Only `detail-type` differs.
 */
const toCdkEventPattern = (pattern: Record<string, unknown>): EventPattern =>
  Object.fromEntries(
    Object.entries(pattern).map(([key, value]) => [key === 'detail-type' ? 'detailType' : key, value]),
  ) as EventPattern;

/**
 * The platform's custom bus with its archive, and the rules from `shared/events/rules.ts`: one rule per row,
 * every target retried for 24 h and then parked in one dead-letter queue.
 */
export class PlatformEventBus extends Construct {
  readonly bus: EventBus;
  readonly deadLetterQueue: DeadLetterQueue;
  private readonly stage: string;

  constructor(scope: Construct, id: string, props: PlatformEventBusProps) {
    super(scope, id);
    this.stage = props.stage;
    this.bus = new EventBus(this, 'Bus', {
      eventBusName: resourceName(props.stage),
      description: 'kindred domain events (see shared/events/catalogue.ts)',
    });
    this.bus.archive('Archive', {
      archiveName: resourceName(props.stage),
      description: 'Every kindred event, for replay after a consumer fix',
      eventPattern: { source: [EVENT_SOURCE] },
      retention: props.archiveRetention ?? Duration.days(EVENT_ARCHIVE_RETENTION_DAYS),
    });
    this.deadLetterQueue = new DeadLetterQueue(this, 'TargetDlq', {
      stage: props.stage,
      kind: 'target',
      holds: 'events EventBridge could not deliver to a rule target within 24 hours',
    });
  }

  /** Creates one rule per row of `eventRules` and of `scheduleRules`, each targeting its function. */
  addRules(functions: Record<TargetFunction, IFunction>): void {
    for (const row of eventRules) this.addEventRule(row, functions[row.target]);
    for (const row of scheduleRules) this.addScheduleRule(row, functions[row.target]);
  }

  private target(fn: IFunction) {
    return new LambdaFunction(fn, { deadLetterQueue: this.deadLetterQueue.queue, ...TARGET_RETRY });
  }

  private addEventRule(row: EventRule, fn: IFunction): void {
    const rule = new Rule(this, `Rule-${row.name}`, {
      eventBus: this.bus,
      ruleName: resourceName(this.stage, row.name),
      description: row.description,
      eventPattern: toCdkEventPattern(row.eventPattern),
      targets: [this.target(fn)],
    });
    // The synthesized pattern is the row itself, byte for byte, whatever the L2 would render.
    (rule.node.defaultChild as CfnRule).addPropertyOverride('EventPattern', row.eventPattern);
  }

  private addScheduleRule(row: ScheduleRule, fn: IFunction): void {
    // Scheduled rules only run on the account's default bus.
    new Rule(this, `Schedule-${row.name}`, {
      ruleName: resourceName(this.stage, row.name),
      description: row.description,
      schedule: Schedule.expression(row.schedule),
      targets: [this.target(fn)],
    });
  }
}
