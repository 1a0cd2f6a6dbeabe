import { describe, expect, it } from 'vitest';
import { buildApp, ConfigurationError } from '../../infra/app';
import { onlyResourceOfType, SKIP_BUNDLING, synthesize, type TemplateJson } from './synth';

/** One stack per region, named by stage and region; bad context fails before synthesis with a clear message. */

const build = (context: Record<string, unknown>) =>
  buildApp({ ...SKIP_BUNDLING, ...context }, { nag: false });

describe('regions and stages', () => {
  it('defaults to one dev stack in eu-west-1', () => {
    const { stacks } = build({});
    expect(stacks.map((s) => [s.stackName, s.region])).toStrictEqual([
      ['kindred-dev-eu-west-1', 'eu-west-1'],
    ]);
  });

  it('builds one stack per region, each named after it', () => {
    const { stacks } = build({ regions: 'eu-west-1,us-east-1', stage: 'prod' });
    expect(stacks.map((s) => [s.stackName, s.region])).toStrictEqual([
      ['kindred-prod-eu-west-1', 'eu-west-1'],
      ['kindred-prod-us-east-1', 'us-east-1'],
    ]);
  });

  it('accepts spaces around region names and a list', () => {
    expect(build({ regions: ' eu-west-1 , us-gov-west-1' }).stacks.map((s) => s.region)).toStrictEqual([
      'eu-west-1',
      'us-gov-west-1',
    ]);
    expect(build({ regions: ['ap-southeast-2'] }).stacks.map((s) => s.region)).toStrictEqual([
      'ap-southeast-2',
    ]);
  });

  it.each([
    ['EU-WEST-1', /Invalid region "EU-WEST-1"/],
    ['eu-west', /Invalid region "eu-west"/],
    ['eu-west-1,us_east_1', /Invalid region "us_east_1"/],
    ['eu-west-1,eu-west-1', /Region "eu-west-1" is listed twice/],
    [',', /names no region/],
  ])('rejects regions=%s', (regions, message) => {
    expect(() => build({ regions })).toThrow(ConfigurationError);
    expect(() => build({ regions })).toThrow(message);
  });

  it.each(['Prod', 'p', 'a-very-long-stage-name', 'pr_42', '1dev'])('rejects stage=%s', (stage) => {
    expect(() => build({ stage })).toThrow(new RegExp(`Invalid stage "${stage}"`));
  });

  it('rejects a From address that is not an address, or not at the SES domain', () => {
    expect(() => build({ emailFrom: 'kindred' })).toThrow(/"kindred" is not an email address/);
    expect(() => build({ emailFrom: 'hello@example.org', emailDomain: 'kindred.example' })).toThrow(
      /must be an address at "emailDomain"/,
    );
  });
});

describe('stage-dependent data protection', () => {
  const tableOf = (stage: string) => {
    const synthesized = synthesize({ stage });
    try {
      const template = synthesized.json[0] as TemplateJson;
      return template.Resources[onlyResourceOfType(template, 'AWS::DynamoDB::GlobalTable')];
    } finally {
      synthesized.cleanup();
    }
  };

  it('dev: the table can be deleted with its stack', () => {
    const table = tableOf('dev');
    expect(table?.DeletionPolicy).toBe('Delete');
    expect(table?.Properties?.Replicas).toMatchObject([{ DeletionProtectionEnabled: false }]);
  });

  it('prod: the table is retained and deletion-protected, with point-in-time recovery', () => {
    const table = tableOf('prod');
    expect(table?.DeletionPolicy).toBe('Retain');
    expect(table?.UpdateReplacePolicy).toBe('Retain');
    expect(table?.Properties?.Replicas).toMatchObject([
      {
        DeletionProtectionEnabled: true,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
    ]);
  });
});
