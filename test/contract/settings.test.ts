import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnSubscription } from 'aws-cdk-lib/aws-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, ConfigurationError } from '../../infra/app';
import { readSettings } from '../../infra/settings';
import { SKIP_BUNDLING } from './synth';

/** Region, stage and alarm settings are checked before any stack exists: a clear error, nothing synthesized. */

const settingsOf = (context: Record<string, unknown>) => readSettings((key) => context[key]);

const messageOf = (context: Record<string, unknown>) => {
  try {
    settingsOf(context);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected the settings to be refused');
};

describe('regions', () => {
  it.each([
    ['eu-wset-1', /Unknown region "eu-wset-1" in context "regions"/],
    ['xx-west-1', /Unknown region "xx-west-1"/],
    ['us-iso-east-1', /Invalid region "us-iso-east-1".*such as eu-west-1/],
    ['eu-west-1,mars-north-1', /Invalid region "mars-north-1"/],
  ])('refuses %s, naming it and the form a region takes', (regions, message) => {
    expect(messageOf({ regions })).toMatch(message);
  });

  it('accepts every commercial region, new ones included', () => {
    expect(
      settingsOf({ regions: 'mx-central-1,ap-southeast-7,ca-west-1,il-central-1' }).regions,
    ).toStrictEqual(['mx-central-1', 'ap-southeast-7', 'ca-west-1', 'il-central-1']);
  });
});

describe('stage', () => {
  it.each(['pr-', 'dev-', 'x'])('refuses %s', (stage) => {
    expect(messageOf({ stage })).toMatch(new RegExp(`Invalid stage "${stage}": use 2-16 characters`));
  });

  it.each(['dev', 'prod', 'pr-42', 'eu2', 'a-sixteen-chars1'])('accepts %s', (stage) => {
    expect(settingsOf({ stage }).stage).toBe(stage);
  });
});

describe('alarmEmail', () => {
  it('is optional', () => {
    expect(settingsOf({})).not.toHaveProperty('alarmEmail');
    expect(settingsOf({ alarmEmail: '' })).not.toHaveProperty('alarmEmail');
  });

  it('takes an address', () => {
    expect(settingsOf({ alarmEmail: ' ops@kindred.example ' }).alarmEmail).toBe('ops@kindred.example');
  });

  it.each(['ops', 'ops@', 'ops@localhost', 'Ops <ops@kindred.example>'])('refuses %s', (alarmEmail) => {
    expect(messageOf({ alarmEmail })).toBe(
      `Invalid context "alarmEmail": "${alarmEmail}" is not an email address (e.g. -c alarmEmail=ops@example.org).`,
    );
  });

  it('must be a string', () => {
    expect(messageOf({ alarmEmail: 42 })).toBe('Context "alarmEmail" must be a string.');
  });
});

describe('before synthesis', () => {
  let outdir: string | undefined;
  afterEach(() => {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  it.each([
    ['regions', { regions: 'eu-west-1,eu-wset-1' }],
    ['stage', { stage: 'Prod' }],
    ['alarmEmail', { alarmEmail: 'not-an-address' }],
  ])('a bad %s stops the app before any stack or file is made', (setting, context) => {
    outdir = mkdtempSync(join(tmpdir(), 'kindred-settings-'));
    const cloudAssembly = join(outdir, 'cdk.out');
    expect(() => buildApp({ ...SKIP_BUNDLING, ...context }, { outdir: cloudAssembly, nag: false })).toThrow(
      new RegExp(setting),
    );
    expect(existsSync(cloudAssembly) ? readdirSync(cloudAssembly) : []).toStrictEqual([]);
  });

  it('a good configuration passes the alarm address to every region’s stack', () => {
    const { stacks, settings } = buildApp(
      { ...SKIP_BUNDLING, regions: 'eu-west-1,us-east-1', alarmEmail: 'ops@kindred.example' },
      { nag: false },
    );
    expect(settings.alarmEmail).toBe('ops@kindred.example');
    const subscribed = (stack: (typeof stacks)[number]) =>
      stack.node
        .findAll()
        .filter((c): c is CfnSubscription => c instanceof CfnSubscription)
        .map((subscription) => subscription.endpoint);
    expect(stacks.map(subscribed)).toStrictEqual([['ops@kindred.example'], ['ops@kindred.example']]);
  });
});
