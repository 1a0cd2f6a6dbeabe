import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { logger } from '../middleware';

/**
 * Business metrics: one CloudWatch metric per step of the program, counted where the step happens and
 * published at once as an EMF log line (no API call, no latency). Namespace `kindred`, one dimension, `stage`:
 * never an organisation or a person (a dimension per organisation would multiply the metrics and tell who
 * uses the platform how much).
 */

export const METRICS_NAMESPACE = 'kindred';

/** The variable that names the stage in each function's environment (see infra/constructs/lambda-functions.ts). */
export const STAGE_VARIABLE = 'STAGE';

export const BUSINESS_STEPS = [
  'SignupAccepted',
  'ParticipantVerified',
  'MatchMade',
  'MeetingLogged',
  'MilestoneReached',
  'EmailSent',
  /** An email the nudge policy withheld (suppressed address, unsubscribed, stale or over the cap). */
  'EmailSuppressed',
] as const;

export type BusinessStep = (typeof BUSINESS_STEPS)[number];

/** Locally and in tests, where POWERTOOLS_METRICS_DISABLED is set, nothing is printed and the stage is moot. */
const Stage = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,15}$/)
  .default('local');

/** A counter for one stage; exported for its test, functions use `countStep`. */
export const stepCounter = (stage: string) => {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE });
  // Powertools adds a `service` dimension by default; the stage is the only one we want.
  metrics.clearDefaultDimensions();
  metrics.setDefaultDimensions({ stage });
  return (step: BusinessStep, count = 1) => {
    if (count <= 0) return;
    metrics.addMetric(step, MetricUnit.Count, count);
    metrics.publishStoredMetrics();
  };
};

let counter: ReturnType<typeof stepCounter> | undefined;

/**
 * Counts `count` (default one) of a business step. Zero counts nothing, so callers can pass a tally. The stage
 * is read on first use, not at import: the CDK app imports this module for the step names. Counting is best
 * effort: it runs after the step has happened, and must never turn that success into a failure and a retry.
 */
export const countStep = (step: BusinessStep, count = 1): void => {
  try {
    counter ??= stepCounter(Stage.parse(process.env[STAGE_VARIABLE] || undefined));
    counter(step, count);
  } catch (error) {
    logger.warn('business metric not recorded', { step, error: (error as Error).name });
  }
};
