import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { tableDefinition } from '../shared/data/table';
import { SES_FEEDBACK_RULE } from '../shared/domain/suppression';
import { Data } from './constructs/data';
import { Email } from './constructs/email';
import { EmailEvents } from './constructs/email-events';
import { PlatformEventBus } from './constructs/event-bus';
import { PublicHttpApi } from './constructs/http-api';
import { LambdaFunctions } from './constructs/lambda-functions';
import { Observability } from './constructs/observability';
import { EventSchemaRegistry } from './constructs/schema-registry';
import { TokenSecret } from './constructs/secrets';
import { type FunctionName, type FunctionSpec, functionSpecs } from './functions';

export interface PlatformStackProps extends StackProps {
  /** Deployment stage, e.g. `dev`, `prod`, `pr-42`. */
  stage: string;
  /** From address of every email. */
  emailFrom: string;
  /** Domain to create an SES identity for; when absent the identity must already be verified. */
  emailDomain?: string;
  /** Subscribed to the alarm topic when given. */
  alarmEmail?: string;
}

/** Everything kindred runs in one region: data, events, email, the public API and the functions. */
export class PlatformStack extends Stack {
  readonly data: Data;
  readonly events: PlatformEventBus;
  readonly api: PublicHttpApi;
  readonly lambdas: LambdaFunctions;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, props);
    const { stage } = props;

    this.data = new Data(this, 'Data', { stage });
    this.events = new PlatformEventBus(this, 'Events', { stage });
    new EventSchemaRegistry(this, 'Schemas', { stage });
    const tokenSecret = new TokenSecret(this, 'TokenSecret', { stage });
    const email = new Email(this, 'Email', { stage, from: props.emailFrom, domain: props.emailDomain });
    // The API (not its routes) exists before the functions, so their PUBLIC_API_URL refers to the API alone.
    this.api = new PublicHttpApi(this, 'HttpApi', { stage });

    this.lambdas = new LambdaFunctions(this, 'Functions', {
      stage,
      table: this.data.table,
      dueIndexArn: this.data.dueIndexArn,
      lookupIndexArn: this.data.lookupIndexArn,
      bus: this.events.bus,
      secret: tokenSecret.secret,
      email,
      publicApiUrl: this.api.url,
    });

    for (const [name, spec] of Object.entries(functionSpecs) as [FunctionName, FunctionSpec][]) {
      for (const route of spec.http ?? []) this.api.addRoute(route, this.lambdas.functions[name], name);
    }
    this.events.addRules(this.lambdas.functions);
    // SES bounces and complaints arrive on the default bus; the address is suppressed.
    new EmailEvents(this, 'EmailEvents', {
      stage,
      configurationSet: email.configurationSet,
      target: this.lambdas.functions[SES_FEEDBACK_RULE.target],
      deadLetterQueue: this.events.deadLetterQueue.queue,
    });
    this.lambdas.addRuleTarget(SES_FEEDBACK_RULE.target);

    // Last: it finds every dead-letter queue and rule of the stack to alarm on.
    this.observability = new Observability(this, 'Observability', {
      stage,
      alarmEmail: props.alarmEmail,
      functions: this.lambdas.functions,
      table: this.data.table,
      indexNames: [tableDefinition.lookupIndex.name, tableDefinition.dueIndex.name],
    });

    new CfnOutput(this, 'ApiUrl', { description: 'Base URL of the kindred public API', value: this.api.url });
    new CfnOutput(this, 'EventBusName', { value: this.events.bus.eventBusName });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'SNS topic every alarm notifies; subscribe more endpoints to it',
      value: this.observability.topic.topicArn,
    });
    new CfnOutput(this, 'DashboardName', { value: this.observability.dashboard.dashboardName });
  }
}
