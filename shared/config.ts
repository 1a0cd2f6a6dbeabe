import { z } from 'zod';

/**
 * Function configuration from the environment, validated once at cold start. Each function asks only for
 * what it uses, so a missing variable fails loudly at start rather than halfway through a request.
 */
export const envSchema = {
  TABLE_NAME: z.string().min(1),
  EVENT_BUS_NAME: z.string().min(1),
  TOKEN_SECRET_ID: z.string().min(1),
  EMAIL_FROM: z.string().min(3),
  EMAIL_CONFIGURATION_SET: z.string().min(1).optional(),
  /** Base URL of the public HTTP API, for links in emails. */
  PUBLIC_API_URL: z.url(),
};

type EnvKey = keyof typeof envSchema;
type Env<K extends EnvKey> = { [P in K]: z.infer<(typeof envSchema)[P]> };

export const readEnv = <K extends EnvKey>(
  keys: readonly K[],
  env: NodeJS.ProcessEnv = process.env,
): Env<K> => {
  const shape = Object.fromEntries(keys.map((k) => [k, envSchema[k]])) as { [P in K]: (typeof envSchema)[P] };
  const result = z.object(shape).safeParse(env);
  if (!result.success) {
    const names = result.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new Error(`Invalid function configuration: ${names}`);
  }
  return result.data as Env<K>;
};

export const envNames = Object.keys(envSchema) as EnvKey[];
