import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type BuildOptions, buildApp } from '../../infra/app';
import type { PlatformStack } from '../../infra/platform-stack';

/** Skips esbuild: contract tests read templates, not bundles. */
export const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] } as const;

export interface Synthesized {
  app: App;
  stacks: PlatformStack[];
  /** One template per stack, in the order of the stacks. */
  templates: Template[];
  /** Raw template JSON per stack. */
  json: TemplateJson[];
  outdir: string;
  /** Removes the cloud assembly directory. */
  cleanup: () => void;
}

export interface TemplateJson {
  Resources: Record<string, CfnResourceJson>;
  Outputs?: Record<string, { Value: unknown }>;
}

export interface CfnResourceJson {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

/**
 * Builds the real app in-process (as `cdk synth` does, minus bundling) into a throw-away directory. cdk-nag and
 * CDK's CloudFormation validation are off unless asked for: a nag finding fails the nag test rather than every
 * contract test, and the validation would take most of each file's time.
 */
export const synthesize = (
  context: Record<string, unknown> = {},
  options: Pick<BuildOptions, 'nag' | 'cfnValidation'> = {},
) => {
  const outdir = mkdtempSync(join(tmpdir(), 'kindred-contract-'));
  const cleanup = () => rmSync(outdir, { recursive: true, force: true });
  let built: ReturnType<typeof buildApp>;
  let assembly: ReturnType<App['synth']>;
  try {
    built = buildApp(
      { ...SKIP_BUNDLING, ...context },
      { outdir, nag: options.nag ?? false, cfnValidation: options.cfnValidation ?? false },
    );
    assembly = built.app.synth();
  } catch (error) {
    cleanup();
    throw error;
  }
  const { app, stacks } = built;
  const json = stacks.map((stack) => assembly.getStackByName(stack.stackName).template as TemplateJson);
  return {
    app,
    stacks,
    templates: json.map((template) => Template.fromJSON(template)),
    json,
    outdir,
    cleanup,
  } satisfies Synthesized;
};

/** `[logicalId, resource]` pairs of one type. */
export const resourcesOfType = (template: TemplateJson, type: string): [string, CfnResourceJson][] =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

/** The logical id of the only resource of a type; fails if there are none or several. */
export const onlyResourceOfType = (template: TemplateJson, type: string): string => {
  const found = resourcesOfType(template, type);
  if (found.length !== 1) throw new Error(`Expected exactly one ${type}, found ${found.length}`);
  return (found[0] as [string, CfnResourceJson])[0];
};

/** The logical id of the Lambda function deployed for a function of infra/functions.ts. */
export const functionLogicalId = (template: TemplateJson, stage: string, name: string): string => {
  const found = resourcesOfType(template, 'AWS::Lambda::Function').filter(
    ([, fn]) => fn.Properties?.FunctionName === `kindred-${stage}-${name}`,
  );
  if (found.length !== 1) throw new Error(`Expected one Lambda function for ${name}, found ${found.length}`);
  return (found[0] as [string, CfnResourceJson])[0];
};

/** The value at a path of nested objects/arrays, or undefined where the path ends early. */
export const dig = (value: unknown, ...keys: (string | number)[]): unknown =>
  keys.reduce<unknown>(
    (current, key) =>
      current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined,
    value,
  );

/** The logical id of the queue a Lambda event-invoke config or event-source mapping sends failures to. */
export const onFailureQueue = (resource: CfnResourceJson | undefined): string =>
  referencedId(dig(resource, 'Properties', 'DestinationConfig', 'OnFailure', 'Destination'));

/** `{ Ref: id }` or `{ Fn::GetAtt: [id, attr] }` -> the referenced logical id. */
export const referencedId = (value: unknown): string => {
  const ref = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  const id = ref?.Ref ?? ref?.['Fn::GetAtt']?.[0];
  if (typeof id !== 'string') throw new Error(`Not a reference: ${JSON.stringify(value)}`);
  return id;
};

/**
 * A stable, readable rendering of a CloudFormation expression, e.g.
 * `{GetAtt:DataTable1234.Arn}/index/lookup` or `arn:{Ref:AWS::Partition}:ses:...`.
 */
export const render = (value: unknown): string => {
  if (typeof value === 'string') return value;
  const expression = value as Record<string, unknown>;
  if (typeof expression?.Ref === 'string') return `{Ref:${expression.Ref}}`;
  const getAtt = expression?.['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return `{GetAtt:${getAtt.join('.')}}`;
  const join = expression?.['Fn::Join'];
  if (Array.isArray(join)) {
    const [separator, parts] = join as [string, unknown[]];
    return parts.map(render).join(separator);
  }
  throw new Error(`Unsupported CloudFormation expression: ${JSON.stringify(value)}`);
};
