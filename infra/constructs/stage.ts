import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/**
 * Stage conventions shared by every construct: which stages are throw-away (developer stacks, test runs, pull
 * requests) and what that means for data that would otherwise be kept.
 */

/** `dev`, `test` and `pr-<n>` stacks hold no real participants' data and are deleted freely. */
export const isEphemeralStage = (stage: string): boolean =>
  stage === 'dev' || stage === 'test' || stage.startsWith('pr-');

/** Stateful resources (table, secret, logs) are kept when a real stage's stack is deleted. */
export const removalPolicyFor = (stage: string): RemovalPolicy =>
  isEphemeralStage(stage) ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

/** A month is enough to debug a throw-away stage; real stages keep a year of logs for audits. */
export const logRetentionFor = (stage: string): RetentionDays =>
  isEphemeralStage(stage) ? RetentionDays.ONE_MONTH : RetentionDays.ONE_YEAR;

/** Physical name of a stage-scoped resource, e.g. `kindred-prod-signup-emails`. */
export const resourceName = (stage: string, ...parts: string[]): string =>
  ['kindred', stage, ...parts].join('-');
