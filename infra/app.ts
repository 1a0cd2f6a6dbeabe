import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PlatformStack } from './platform-stack';
import { ConfigurationError, readSettings, type Settings } from './settings';

/**
 * CDK entry: one PlatformStack per region, named `kindred-<stage>-<region>`.
 *
 *   npx cdk synth -c regions=eu-west-1,us-east-1 -c stage=prod -c emailFrom=no-reply@example.org
 *
 * Context: `regions` (comma list, default eu-west-1), `stage` (default dev, from cdk.json), `emailFrom`
 * (default no-reply@example.org), `emailDomain` (create the SES domain identity; optional) and `alarmEmail`
 * (subscribe an address to the alarm topic; optional). infra/settings.ts validates them all first.
 */

export { ConfigurationError } from './settings';

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
        alarmEmail: settings.alarmEmail,
      }),
  );
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, settings, stacks };
};

const isEntryPoint =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isEntryPoint) {
  try {
    buildApp().app.synth();
  } catch (error) {
    // A mistake in the operator's settings is said in one line, before anything is synthesized.
    if (!(error instanceof ConfigurationError)) throw error;
    console.error(`kindred: ${error.message}`);
    process.exit(1);
  }
}
