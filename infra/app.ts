import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PlatformStack } from './platform-stack';

/**
 * CDK entry: one PlatformStack per region, named `kindred-<stage>-<region>`.
 *
 *   npx cdk synth -c regions=eu-west-1,us-east-1 -c stage=prod -c emailFrom=no-reply@example.org
 *
 * Context: `regions` (comma list, default eu-west-1), `stage` (default dev, from cdk.json), `emailFrom`
 * (default no-reply@example.org) and `emailDomain` (create the SES domain identity; optional).
 */

export const DEFAULT_REGION = 'eu-west-1';
export const DEFAULT_STAGE = 'dev';
export const DEFAULT_EMAIL_FROM = 'no-reply@example.org';

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const STAGE = /^[a-z][a-z0-9-]{1,15}$/;
const EMAIL = /^[^\s@<>]+@((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})$/i;

/** A context value that cannot be deployed; thrown before anything is synthesized. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

export interface Settings {
  regions: string[];
  stage: string;
  emailFrom: string;
  emailDomain?: string;
}

const optionalString = (key: string, value: unknown): string | undefined => {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new ConfigurationError(`Context "${key}" must be a string.`);
  return value.trim();
};

const parseRegions = (value: unknown): string[] => {
  if (value === undefined || value === null || value === '') return [DEFAULT_REGION];
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
  if (!list)
    throw new ConfigurationError(
      'Context "regions" must be a comma-separated list, e.g. eu-west-1,us-east-1.',
    );
  const regions = list.map((region) => String(region).trim()).filter((region) => region !== '');
  if (regions.length === 0) throw new ConfigurationError('Context "regions" names no region.');
  for (const region of regions) {
    if (!REGION.test(region)) {
      throw new ConfigurationError(
        `Invalid region "${region}" in context "regions": expected an AWS region name such as eu-west-1 or us-gov-west-1.`,
      );
    }
  }
  const duplicate = regions.find((region, index) => regions.indexOf(region) !== index);
  if (duplicate) throw new ConfigurationError(`Region "${duplicate}" is listed twice in context "regions".`);
  return regions;
};

/** Reads and validates the app's context; throws a ConfigurationError naming the bad value. */
export const readSettings = (tryGetContext: (key: string) => unknown): Settings => {
  const regions = parseRegions(tryGetContext('regions'));
  const stage = optionalString('stage', tryGetContext('stage')) ?? DEFAULT_STAGE;
  if (!STAGE.test(stage)) {
    throw new ConfigurationError(
      `Invalid stage "${stage}": use 2-16 characters, lower-case letters, digits and dashes, starting with a letter (e.g. dev, prod, pr-42).`,
    );
  }
  const emailFrom = optionalString('emailFrom', tryGetContext('emailFrom')) ?? DEFAULT_EMAIL_FROM;
  const fromDomain = EMAIL.exec(emailFrom)?.[1];
  if (!fromDomain)
    throw new ConfigurationError(`Invalid context "emailFrom": "${emailFrom}" is not an email address.`);
  const emailDomain = optionalString('emailDomain', tryGetContext('emailDomain'))?.toLowerCase();
  if (emailDomain && fromDomain.toLowerCase() !== emailDomain) {
    throw new ConfigurationError(
      `Context "emailFrom" (${emailFrom}) must be an address at "emailDomain" (${emailDomain}), the identity SES sends from.`,
    );
  }
  return { regions, stage, emailFrom, ...(emailDomain ? { emailDomain } : {}) };
};

export interface BuildOptions {
  /** Cloud assembly directory (default: CDK's, cdk.out under the CLI, a temporary one in-process). */
  outdir?: string;
  /** Attach the cdk-nag AwsSolutions checks (default true). Synthesis fails on any unacknowledged finding. */
  nag?: boolean;
  /**
   * CDK's built-in CloudFormation template validation (default true). It takes most of a synth's time; tests
   * that only read templates turn it off, the cdk-nag contract test keeps it on like `cdk synth` does.
   */
  cfnValidation?: boolean;
}

export interface KindredApp {
  app: App;
  settings: Settings;
  stacks: PlatformStack[];
}

/** Builds the app from context, in-process (tests) or under the CDK CLI (which passes context via the env). */
export const buildApp = (context: Record<string, unknown> = {}, options: BuildOptions = {}): KindredApp => {
  const props: AppProps = {
    context,
    builtinCloudFormationValidation: options.cfnValidation ?? true,
    ...(options.outdir ? { outdir: options.outdir } : {}),
  };
  const app = new App(props);
  const settings = readSettings((key) => app.node.tryGetContext(key));
  const stacks = settings.regions.map(
    (region) =>
      new PlatformStack(app, `kindred-${settings.stage}-${region}`, {
        env: { region, account: process.env.CDK_DEFAULT_ACCOUNT },
        description: `kindred peer-mentoring platform (${settings.stage}, ${region})`,
        stage: settings.stage,
        emailFrom: settings.emailFrom,
        emailDomain: settings.emailDomain,
      }),
  );
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, settings, stacks };
};

const isEntryPoint =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isEntryPoint) buildApp().app.synth();
