import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { type FunctionName, type FunctionSpec, functionEntry, functionSpecs } from '../functions';

/**
 * Runs the very handlers Lambda runs, in this process: loaded from the same entry files CDK bundles, with
 * a Lambda context and the function's timeout.
 */

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const root = resolve(import.meta.dirname, '../..');
const handlers = new Map<FunctionName, Promise<Handler>>();

const load = (name: FunctionName) => {
  let handler = handlers.get(name);
  if (!handler) {
    handler = import(pathToFileURL(resolve(root, functionEntry(name))).href).then(
      (m) => m.handler as Handler,
    );
    handlers.set(name, handler);
  }
  return handler;
};

export const isFunctionName = (name: string): name is FunctionName => Object.hasOwn(functionSpecs, name);

export const invoke = async (name: FunctionName, event: unknown): Promise<unknown> => {
  const handler = await load(name);
  const spec: FunctionSpec = functionSpecs[name];
  const timeoutMs = (spec.timeoutSeconds ?? 10) * 1000;
  const deadline = Date.now() + timeoutMs;
  const context: Context = {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `kindred-local-${name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:kindred-local-${name}`,
    memoryLimitInMB: String(spec.memoryMb ?? 512),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/kindred-local-${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Task timed out after ${timeoutMs / 1000} seconds`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([handler(event, context), timeout]);
  } finally {
    clearTimeout(timer);
  }
};
