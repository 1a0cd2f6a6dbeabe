import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Token, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { VALIDATION_REPORT_FILE } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Synthesized, synthesize } from './synth';

/**
 * cdk-nag 3 runs as a CDK validation plugin: findings are not annotations but entries of the validation report,
 * and an in-process synth throws when there is any. So the app is synthesized with the AwsSolutions checks
 * attached (as `cdk synth` does) and both the outcome and the report are checked, for two configurations that
 * between them create every kind of resource (dev single-region; prod, two regions, SES domain identity). The
 * second also has a concrete account, as `cdk synth` with credentials does: acknowledgements of findings that
 * name an ARN must match the ARN with the account number in it as well as with the AccountId reference.
 */

interface ValidationReport {
  pluginReports: { pluginName: string; violations: { ruleName: string }[] }[];
}

const configurations: [string, Record<string, unknown>, string | undefined][] = [
  ['dev, one region', { stage: 'dev' }, undefined],
  [
    'prod, two regions, SES domain identity, account 123456789012',
    {
      stage: 'prod',
      regions: 'eu-west-1,us-east-1',
      emailFrom: 'hello@kindred.example',
      emailDomain: 'kindred.example',
    },
    '123456789012',
  ],
];

describe.each(configurations)('cdk-nag AwsSolutions: %s', (_label, context, account) => {
  let synthesized: Synthesized | undefined;
  let failure: string | undefined;

  beforeAll(() => {
    const defaultAccount = process.env.CDK_DEFAULT_ACCOUNT;
    if (account) process.env.CDK_DEFAULT_ACCOUNT = account;
    else delete process.env.CDK_DEFAULT_ACCOUNT;
    try {
      synthesized = synthesize(context, { nag: true, cfnValidation: true });
    } catch (error) {
      failure = (error as Error).message;
    } finally {
      if (defaultAccount === undefined) delete process.env.CDK_DEFAULT_ACCOUNT;
      else process.env.CDK_DEFAULT_ACCOUNT = defaultAccount;
    }
  });
  afterAll(() => synthesized?.cleanup());

  it('synthesizes with the checks attached', () => {
    expect(failure).toBeUndefined();
    expect(synthesized?.stacks.length).toBeGreaterThan(0);
    for (const stack of synthesized?.stacks ?? []) {
      if (account) expect(stack.account).toBe(account);
      else expect(Token.isUnresolved(stack.account)).toBe(true);
    }
  });

  it('the validation report lists no finding', () => {
    const file = join(synthesized?.outdir ?? '', VALIDATION_REPORT_FILE);
    expect(existsSync(file)).toBe(true);
    const report = JSON.parse(readFileSync(file, 'utf8')) as ValidationReport;
    // A plugin without violations is left out of the report; one with violations lists them.
    expect(
      report.pluginReports.flatMap((r) => r.violations.map((v) => `${r.pluginName}: ${v.ruleName}`)),
    ).toStrictEqual([]);
  });

  // Walking every stack's tree takes a while as the platform grows; more so on a loaded machine.
  it('the AwsSolutions pack, run again on the synthesized tree, finds nothing unacknowledged', {
    timeout: 120_000,
  }, () => {
    const report = new AwsSolutionsChecks().validateScope(synthesized?.app as App);
    const findings = report.violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.ruleName} ${(r as { constructPath?: string }).constructPath}`),
    );
    expect(findings).toStrictEqual([]);
    expect(report.success).toBe(true);
  });

  it('no error annotations and no AwsSolutions warnings', { timeout: 120_000 }, () => {
    expect(synthesized?.stacks.length).toBeGreaterThan(0);
    for (const stack of synthesized?.stacks ?? []) {
      const annotations = Annotations.fromStack(stack);
      expect(annotations.findError('*', Match.anyValue())).toStrictEqual([]);
      expect(annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toStrictEqual([]);
    }
  });
});

describe('cdk-nag wiring', () => {
  // Proves the check above can fail: the same plugin, on a resource that breaks an AwsSolutions rule.
  it('fails synthesis on an unacknowledged finding and names the rule', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'kindred-nag-'));
    try {
      const app = new App({ outdir });
      const stack = new Stack(app, 'Bad', { env: { region: 'eu-west-1' } });
      new Queue(stack, 'Plain', { encryption: QueueEncryption.UNENCRYPTED });
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      expect(() => app.synth()).toThrow(/AwsSolutions-SQS/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
