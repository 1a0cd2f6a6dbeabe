import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FunctionName, type FunctionSpec, functionSpecs } from '../../infra/functions';
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
      DefaultRouteSettings: { ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50 },
    });
    const logs = stage.AccessLogSettings as { DestinationArn: unknown; Format: string };
    expect(template.Resources[referencedId(logs.DestinationArn)]?.Type).toBe('AWS::Logs::LogGroup');
    const format = JSON.parse(logs.Format) as Record<string, string>;
    expect(format.requestId).toBe('$context.requestId');
    // Privacy by default: no source IPs, no paths with query strings (tokens) in the access log.
    expect(Object.values(format).join(' ')).not.toMatch(/sourceIp|\$context\.path|querystring/i);
  });

  it('outputs the API URL', () => {
    expect(template.Outputs?.ApiUrl?.Value).toStrictEqual({
      'Fn::GetAtt': [onlyResourceOfType(template, 'AWS::ApiGatewayV2::Api'), 'ApiEndpoint'],
    });
  });
});
