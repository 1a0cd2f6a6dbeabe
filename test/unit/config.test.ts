import { describe, expect, it } from 'vitest';
import { envNames, readEnv } from '../../shared/config';

const complete = {
  TABLE_NAME: 'kindred-prod',
  EVENT_BUS_NAME: 'kindred-prod',
  TOKEN_SECRET_ID: 'kindred-prod/token-signing',
  EMAIL_FROM: 'kindred <no-reply@kindred.example>',
  PUBLIC_API_URL: 'https://api.kindred.example',
};

const messageOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected readEnv to throw');
};

describe('readEnv', () => {
  it('returns only the variables asked for', () => {
    expect(readEnv(['TABLE_NAME', 'PUBLIC_API_URL'], { ...complete, UNRELATED: 'x' })).toEqual({
      TABLE_NAME: 'kindred-prod',
      PUBLIC_API_URL: 'https://api.kindred.example',
    });
  });

  it('leaves an optional variable undefined when unset', () => {
    expect(readEnv(['EMAIL_CONFIGURATION_SET'], {})).toEqual({});
    expect(readEnv(['EMAIL_CONFIGURATION_SET'], { EMAIL_CONFIGURATION_SET: 'kindred' })).toEqual({
      EMAIL_CONFIGURATION_SET: 'kindred',
    });
  });

  it('names every missing variable', () => {
    const message = messageOf(() =>
      readEnv(['TABLE_NAME', 'EVENT_BUS_NAME', 'EMAIL_FROM'], { EMAIL_FROM: complete.EMAIL_FROM }),
    );
    expect(message).toBe('Invalid function configuration: TABLE_NAME, EVENT_BUS_NAME');
  });

  it('names an invalid variable without printing its value', () => {
    const secretLooking = 'postgres://admin:hunter2@db.internal';
    const message = messageOf(() =>
      readEnv(['PUBLIC_API_URL', 'TABLE_NAME'], {
        PUBLIC_API_URL: `not a url ${secretLooking}`,
        TABLE_NAME: '',
      }),
    );
    expect(message).toContain('PUBLIC_API_URL');
    expect(message).toContain('TABLE_NAME');
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain('not a url');
  });

  it('ignores variables it was not asked for, even invalid ones', () => {
    expect(() => readEnv(['TABLE_NAME'], { TABLE_NAME: 't', PUBLIC_API_URL: 'nope' })).not.toThrow();
  });

  it('reads process.env by default', () => {
    expect(readEnv(['TABLE_NAME']).TABLE_NAME).toBe(process.env.TABLE_NAME);
  });

  it('knows every variable a function may ask for', () => {
    expect(envNames.sort()).toEqual(
      [
        'EMAIL_CONFIGURATION_SET',
        'EMAIL_FROM',
        'EVENT_BUS_NAME',
        'PUBLIC_API_URL',
        'TABLE_NAME',
        'TOKEN_SECRET_ID',
      ].sort(),
    );
  });
});
