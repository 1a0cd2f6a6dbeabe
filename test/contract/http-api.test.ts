import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FunctionName, type FunctionSpec, functionSpecs } from '../../infra/functions';
import { routeThrottle, stageThrottle } from '../../infra/throttling';
import {
  functionLogicalId,
  onlyResourceOfType,
  referencedId,
  resourcesOfType,
  type Synthesized,
  synthesize,
  type TemplateJson,
} from './synth';

/** One route per route of infra/functions.ts, each to its function; the stage logs and throttles. */

const STAGE = 'dev';
const routes = (Object.entries(functionSpecs) as [FunctionName, FunctionSpec][]).flatMap(([name, spec]) =>
  (spec.http ?? []).map((route) => [`${route.method} ${route.path}`, name] as const),
);

let synthesized: Synthesized;
let template: TemplateJson;

beforeAll(() => {
  synthesized = synthesize({ stage: STAGE });
  template = synthesized.json[0] as TemplateJson;
});
afterAll(() => synthesized?.cleanup());

describe('http api', () => {
  it('has exactly the routes of functionSpecs', () => {
    const routeKeys = resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(
      ([, r]) => r.Properties?.RouteKey,
    );
    expect(routeKeys.sort()).toStrictEqual(routes.map(([key]) => key).sort());
  });

  it.each(routes)('%s -> %s (Lambda proxy, payload 2.0)', (routeKey, name) => {
    const [[, route] = []] = resourcesOfType(template, 'AWS::ApiGatewayV2::Route').filter(
      ([, r]) => r.Properties?.RouteKey === routeKey,
    );
    const target = route?.Properties?.Target as { 'Fn::Join': [string, unknown[]] };
    const integrationId = referencedId(target['Fn::Join'][1][1]);
    const integration = template.Resources[integrationId]?.Properties;
    expect(integration).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
    expect(referencedId(integration?.IntegrationUri)).toBe(functionLogicalId(template, STAGE, name));
  });

  it('has no CORS configuration yet (per-organisation origins come later)', () => {
    const api = template.Resources[onlyResourceOfType(template, 'AWS::ApiGatewayV2::Api')];
    expect(api?.Properties?.CorsConfiguration).toBeUndefined();
  });

  it('the $default stage auto-deploys, throttles and writes access logs to a log group', () => {
    const stage =
      template.Resources[onlyResourceOfType(template, 'AWS::ApiGatewayV2::Stage')]?.Properties ?? {};
    expect(stage).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingBurstLimit: stageThrottle.burstLimit,
        ThrottlingRateLimit: stageThrottle.rateLimit,
      },
    });
    const logs = stage.AccessLogSettings as { DestinationArn: unknown; Format: string };
    expect(template.Resources[referencedId(logs.DestinationArn)]?.Type).toBe('AWS::Logs::LogGroup');
    const format = JSON.parse(logs.Format) as Record<string, string>;
    expect(format.requestId).toBe('$context.requestId');
    // Privacy by default: no source IPs, no paths with query strings (tokens) in the access log.
    expect(Object.values(format).join(' ')).not.toMatch(/sourceIp|\$context\.path|querystring/i);
  });

  describe('route throttling', () => {
    const stageId = () => onlyResourceOfType(template, 'AWS::ApiGatewayV2::Stage');
    const routeSettings = () =>
      (template.Resources[stageId()]?.Properties?.RouteSettings ?? {}) as Record<
        string,
        { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }
      >;
    const routeIdOf = (routeKey: string) =>
      resourcesOfType(template, 'AWS::ApiGatewayV2::Route').find(
        ([, r]) => r.Properties?.RouteKey === routeKey,
      )?.[0];

    it('throttles the public signup POST tighter than the stage: 10 a second, bursts of 50', () => {
      expect(routeSettings()['POST /v1/orgs/{orgId}/signups']).toStrictEqual({
        ThrottlingRateLimit: 10,
        ThrottlingBurstLimit: 50,
      });
    });

    it('gives exactly the routes infra/throttling.ts names their own throttle, each tighter than the stage', () => {
      const expected = Object.fromEntries(
        (Object.entries(functionSpecs) as [FunctionName, FunctionSpec][]).flatMap(([name, spec]) =>
          (spec.http ?? []).flatMap((route) => {
            const throttle = routeThrottle(name, route);
            return throttle
              ? [
                  [
                    `${route.method} ${route.path}`,
                    { ThrottlingRateLimit: throttle.rateLimit, ThrottlingBurstLimit: throttle.burstLimit },
                  ],
                ]
              : [];
          }),
        ),
      );
      expect(routeSettings()).toStrictEqual(expected);
      // Every link from an email is among them, the IAM routes never.
      expect(Object.keys(expected)).toEqual(
        expect.arrayContaining(['GET /v1/verify', 'POST /v1/orgs/{orgId}/signups']),
      );
      for (const [key, settings] of Object.entries(routeSettings())) {
        expect(routes.some(([routeKey]) => routeKey === key)).toBe(true);
        expect(settings.ThrottlingRateLimit).toBeLessThanOrEqual(stageThrottle.rateLimit);
        expect(settings.ThrottlingBurstLimit).toBeLessThanOrEqual(stageThrottle.burstLimit);
      }
      const iamRoutes = (Object.values(functionSpecs) as FunctionSpec[]).flatMap((spec) =>
        (spec.http ?? []).filter((route) => route.auth === 'iam').map((r) => `${r.method} ${r.path}`),
      );
      for (const key of iamRoutes) expect(routeSettings()[key]).toBeUndefined();
    });

    it('is created after the routes its settings name (CloudFormation refuses settings for unknown routes)', () => {
      const stage = template.Resources[stageId()] as { DependsOn?: string | string[] };
      const dependsOn = [stage.DependsOn ?? []].flat();
      for (const key of Object.keys(routeSettings())) expect(dependsOn).toContain(routeIdOf(key));
    });
  });

  it('puts org-key routes behind the org-key authorizer: REQUEST, simple responses, the header, a minute\u2019s cache', () => {
    const authorizers = resourcesOfType(template, 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizers).toHaveLength(1);
    const [[authorizerId, authorizer] = []] = authorizers;
    expect(authorizer?.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: 60,
    });
    expect(JSON.stringify(authorizer?.Properties?.AuthorizerUri)).toContain(
      functionLogicalId(template, STAGE, 'org-key-authorizer'),
    );
    const orgKeyRoutes = (Object.values(functionSpecs) as FunctionSpec[]).flatMap((spec) =>
      (spec.http ?? []).filter((r) => r.auth === 'org-key').map((r) => `${r.method} ${r.path}`),
    );
    expect(orgKeyRoutes.length).toBeGreaterThan(0);
    for (const [, r] of resourcesOfType(template, 'AWS::ApiGatewayV2::Route')) {
      const orgKey = orgKeyRoutes.includes(String(r.Properties?.RouteKey));
      if (orgKey)
        expect(r.Properties).toMatchObject({
          AuthorizationType: 'CUSTOM',
          AuthorizerId: { Ref: authorizerId },
        });
      else expect(r.Properties?.AuthorizationType).not.toBe('CUSTOM');
    }
  });

  it('lets API Gateway invoke each routed function with one permission, for this API only', () => {
    const api = onlyResourceOfType(template, 'AWS::ApiGatewayV2::Api');
    const fromApi = resourcesOfType(template, 'AWS::Lambda::Permission').filter(
      ([, p]) => p.Properties?.Principal === 'apigateway.amazonaws.com',
    );
    const routed = new Set(routes.map(([, name]) => name));
    // The authorizer is invoked by the API too, with its own permission.
    expect(fromApi).toHaveLength(routed.size + 1);
    for (const [, permission] of fromApi) {
      expect(JSON.stringify(permission.Properties?.SourceArn)).toContain(`{"Ref":"${api}"}`);
    }
  });

  it('keeps the stack well under CloudFormation\u2019s 500 resources, with room for what comes next', () => {
    expect(Object.keys(template.Resources).length).toBeLessThan(450);
  });

  it('outputs the API URL', () => {
    expect(template.Outputs?.ApiUrl?.Value).toStrictEqual({
      'Fn::GetAtt': [onlyResourceOfType(template, 'AWS::ApiGatewayV2::Api'), 'ApiEndpoint'],
    });
  });
});
