import { Duration, Lazy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnRoute,
  type CfnStage,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import {
  HttpIamAuthorizer,
  HttpLambdaAuthorizer,
  HttpLambdaResponseType,
} from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionName, HttpRoute } from '../functions';
import { routeThrottle, stageThrottle, type Throttle } from '../throttling';
import { logRetentionFor, removalPolicyFor, resourceName } from './stage';

/**
 * Routes without an IAM/JWT authorizer, and why that is right for each. A function that gets a route and is
 * not listed here fails the cdk-nag check (AwsSolutions-APIG4): give it an authorizer or a reason.
 */
const publicRoutes: Partial<Record<FunctionName, string>> = {
  'create-signup':
    'The signup form is embedded on organisations\u2019 public websites and posted by anonymous visitors; abuse is limited by route throttling, by per-address and per-organisation signup limits in the function (429 before anything is stored or sent) and by the double opt-in email.',
  'serve-signup-form':
    'The embeddable form\u2019s script, configuration and pages are loaded by anonymous visitors of organisations\u2019 websites; they are read-only and public (an organisation\u2019s name, programs, consent text), and the configuration answers browsers only for the organisation\u2019s own origins.',
  'verify-participant':
    'Followed from a link in an email by a participant who has no account; the request is authorised by the signed, expiring token in the link, checked by the function.',
  'answer-check-in':
    'Followed from a link in a "still meeting?" or "still available?" email by a participant who has no account; authorised by the signed token in the link, which names the match (or program) and the person.',
  rematch:
    'Followed from a link in a match email by a participant who has no account; authorised by the signed token in the link, which names the match and the person.',
  'log-meeting':
    'Followed from a link in a meeting (or group session) reminder by a participant who has no account; authorised by the signed token in the link, which names the meeting and the person.',
  'reschedule-meeting':
    'Followed from a link in a meeting reminder by a participant who has no account; authorised by the signed token in the link, which names the meeting and the person.',
  'mark-goal':
    'Followed from a link in a meeting reminder by a participant who has no account; authorised by the signed token in the link, which names the match and the person.',
  unsubscribe:
    'Followed from a link in an email, or POSTed by the mail client (RFC 8058 one-click), for a person who has no account; authorised by the signed token in the link.',
  'give-feedback':
    'Followed from a rating link in an email by a participant who has no account; authorised by the signed token in the link, which names the meeting and the person.',
  'leave-group':
    'Followed from a link in a group email by a member who has no account; authorised by the signed token in the link, which names the group and the person.',
  'data-rights':
    'Followed from the \u201cYour data\u201d link in an email by a participant who has no account; authorised by the signed token in the link, which names the person (the export download by its own short-lived token). Its admin routes take the organisation\u2019s API key.',
  'list-directory':
    'The public nonprofit and university directories, read by anyone and embedded on any website; read-only, holding only what organisations publish about their groups and programs (no contact address, no participant).',
  'api-docs':
    'The OpenAPI document and its reference page describe the API to anyone who would call it; read-only, generated from the code, holding no data.',
  'program-report':
    'GET /v1/reports shows one program\u2019s report (anonymous figures, no person) from a link that a coordinator asked for with the organisation\u2019s API key; authorised by the signed token in the link, which names the program and expires within a day. Its other routes take the API key.',
  'answer-listing-check':
    'Followed from a link in a "still running?" email by a group\u2019s contact, who has no account; authorised by the signed token in the link, which names the group.',
};

export interface PublicHttpApiProps {
  stage: string;
  /** Each route's throttle unless it has its own (infra/throttling.ts); defaults to `stageThrottle`. */
  throttle?: Throttle;
}

/** The public HTTP API (API Gateway v2, `$default` stage) with access logs, and throttling per route. */
export class PublicHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  /** Base URL without a trailing slash, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com`. */
  readonly url: string;
  private readonly integrations = new Map<IFunction, HttpLambdaIntegration>();
  private orgKeyAuthorizer?: HttpLambdaAuthorizer;
  /** Route keys with a throttle of their own (the stage's `RouteSettings`). */
  private readonly routeSettings: Record<
    string,
    { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }
  > = {};

  constructor(scope: Construct, id: string, props: PublicHttpApiProps) {
    super(scope, id);
    // No API-wide CORS: it would be one origin list for every organisation. The form's functions check each
    // organisation's own origins and answer the OPTIONS preflight routes themselves (shared/http/cors.ts).
    this.api = new HttpApi(this, 'Api', {
      apiName: resourceName(props.stage),
      description: 'kindred public API',
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: logRetentionFor(props.stage),
      removalPolicy: removalPolicyFor(props.stage),
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? stageThrottle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        // Route templates, not paths with query strings (tokens) and no source IPs: nothing personal is logged.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTimeEpoch',
            route: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            error: '$context.error.message',
          }),
        ),
      },
    });
    const cfnStage = this.stage.node.defaultChild as CfnStage;
    cfnStage.routeSettings = Lazy.any({
      produce: () => (Object.keys(this.routeSettings).length ? this.routeSettings : undefined),
    });
    this.url = this.api.apiEndpoint;
  }

  /** Routes `route` to `fn` (Lambda proxy, payload format 2.0). */
  addRoute(route: HttpRoute, fn: IFunction, functionName: FunctionName): void {
    let integration = this.integrations.get(fn);
    if (!integration) {
      integration = new HttpLambdaIntegration(`${functionName}-integration`, fn, {
        payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
        // One invoke permission per function for this API, not one per route: ~40 fewer resources under
        // CloudFormation's 500. Still only this API may invoke it, and each route reaches only the function
        // its integration names (infra/functions.ts), so no route gains a function it could not reach before.
        scopePermissionToRoute: false,
      });
      this.integrations.set(fn, integration);
    }
    const [created] = this.api.addRoutes({
      path: route.path,
      methods: [HttpMethod[route.method]],
      integration,
      authorizer:
        route.auth === 'iam'
          ? new HttpIamAuthorizer()
          : route.auth === 'org-key'
            ? this.orgKeyAuthorizerBeside(fn)
            : undefined,
    });
    const throttle = routeThrottle(functionName, route);
    if (created && throttle) {
      this.routeSettings[`${route.method} ${route.path}`] = {
        ThrottlingRateLimit: throttle.rateLimit,
        ThrottlingBurstLimit: throttle.burstLimit,
      };
      // Route settings name routes by key: CloudFormation must create the route first.
      this.stage.node.addDependency(created);
    }
    if (route.auth) return;
    const reason = publicRoutes[functionName];
    if (created && reason)
      Validations.of(created.node.defaultChild as CfnRoute).acknowledge({ id: 'AwsSolutions-APIG4', reason });
  }

  /**
   * The `org-key-authorizer` function, a sibling of the route's function (both are LambdaFunctions' children).
   * Results are cached per Authorization header for a minute, so a revoked key works up to a minute more.
   */
  private orgKeyAuthorizerBeside(fn: IFunction): HttpLambdaAuthorizer {
    if (!this.orgKeyAuthorizer) {
      const authorizerFn = fn.node.scope?.node.tryFindChild('OrgKeyAuthorizer') as IFunction | undefined;
      if (!authorizerFn) throw new Error('org-key routes need the org-key-authorizer function beside theirs');
      this.orgKeyAuthorizer = new HttpLambdaAuthorizer('OrgKeyAuthorizer', authorizerFn, {
        authorizerName: 'org-key',
        responseTypes: [HttpLambdaResponseType.SIMPLE],
        identitySource: ['$request.header.Authorization'],
        resultsCacheTtl: Duration.seconds(60),
      });
    }
    return this.orgKeyAuthorizer;
  }
}
