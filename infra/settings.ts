import { RegionInfo } from 'aws-cdk-lib/region-info';

/**
 * The app's context, validated before any stack exists: a bad value stops `cdk synth` / `cdk deploy` with a
 * message naming the setting and the form it takes, and nothing is synthesized.
 */

export const DEFAULT_REGION = 'eu-west-1';
export const DEFAULT_STAGE = 'dev';
export const DEFAULT_EMAIL_FROM = 'no-reply@example.org';

/** Commercial, GovCloud and China regions; the isolated partitions (us-iso-*, eusc-*) have no SES. */
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
/** A stage ends up in every resource name (`kindred-<stage>-…`): short, lower-case, no trailing dash. */
const STAGE = /^[a-z][a-z0-9-]{0,14}[a-z0-9]$/;
const EMAIL = /^[^\s@<>]+@((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})$/i;

const KNOWN_REGIONS: ReadonlySet<string> = new Set(RegionInfo.regions.map((region) => region.name));

/** A context value that cannot be deployed; thrown before anything is synthesized. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

export interface Settings {
  regions: string[];
  stage: string;
  emailFrom: string;
  emailDomain?: string;
  /** Where alarm notifications go (an SNS email subscription the operator confirms). */
  alarmEmail?: string;
}

const optionalString = (key: string, value: unknown): string | undefined => {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new ConfigurationError(`Context "${key}" must be a string.`);
  return value.trim();
};

const checkRegion = (region: string) => {
  if (!REGION.test(region)) {
    throw new ConfigurationError(
      `Invalid region "${region}" in context "regions": expected an AWS region name such as eu-west-1 or us-gov-west-1.`,
    );
  }
  // The shape alone lets typos through (eu-wset-1); aws-cdk-lib knows every region it can deploy to.
  if (!KNOWN_REGIONS.has(region)) {
    throw new ConfigurationError(
      `Unknown region "${region}" in context "regions": not an AWS region this aws-cdk-lib knows (e.g. eu-west-1, us-east-1, ap-southeast-2).`,
    );
  }
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
  for (const region of regions) checkRegion(region);
  const duplicate = regions.find((region, index) => regions.indexOf(region) !== index);
  if (duplicate) throw new ConfigurationError(`Region "${duplicate}" is listed twice in context "regions".`);
  return regions;
};

const parseStage = (value: unknown): string => {
  const stage = optionalString('stage', value) ?? DEFAULT_STAGE;
  if (!STAGE.test(stage)) {
    throw new ConfigurationError(
      `Invalid stage "${stage}": use 2-16 characters, lower-case letters, digits and dashes, starting with a letter and not ending with a dash (e.g. dev, prod, pr-42).`,
    );
  }
  return stage;
};

const parseAlarmEmail = (value: unknown): string | undefined => {
  const alarmEmail = optionalString('alarmEmail', value);
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail)) {
    throw new ConfigurationError(
      `Invalid context "alarmEmail": "${alarmEmail}" is not an email address (e.g. -c alarmEmail=ops@example.org).`,
    );
  }
  return alarmEmail;
};

/** Reads and validates the app's context; throws a ConfigurationError naming the bad value. */
export const readSettings = (tryGetContext: (key: string) => unknown): Settings => {
  const regions = parseRegions(tryGetContext('regions'));
  const stage = parseStage(tryGetContext('stage'));
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
  const alarmEmail = parseAlarmEmail(tryGetContext('alarmEmail'));
  return {
    regions,
    stage,
    emailFrom,
    ...(emailDomain ? { emailDomain } : {}),
    ...(alarmEmail ? { alarmEmail } : {}),
  };
};
