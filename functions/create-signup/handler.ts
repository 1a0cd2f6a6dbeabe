import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { documents } from '../../shared/adapters/aws';
import { emailHasher, platformSecret } from '../../shared/adapters/email-hash';
import { countStep } from '../../shared/adapters/metrics';
import { readEnv } from '../../shared/config';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { dynamoOutbox } from '../../shared/data/outbox';
import { dynamoParticipants } from '../../shared/data/participants';
import { dynamoRateLimiter } from '../../shared/data/rate-limits';
import type { Organisation } from '../../shared/domain/organisation';
import { SignupForm, signUp } from '../../shared/domain/signup';
import { Id } from '../../shared/events/catalogue';
import { withOrgCors } from '../../shared/http/cors';
import { admitSignup, readSignupLimits } from '../../shared/http/rate-limit';
import { httpHandler } from '../../shared/middleware';

const { TABLE_NAME, TOKEN_SECRET_ID, PUBLIC_API_URL } = readEnv([
  'TABLE_NAME',
  'TOKEN_SECRET_ID',
  'PUBLIC_API_URL',
]);
const deps = {
  organisations: dynamoOrganisations(documents, TABLE_NAME),
  participants: dynamoParticipants(documents, TABLE_NAME, emailHasher(TOKEN_SECRET_ID)),
  outbox: dynamoOutbox(documents, TABLE_NAME),
  ids: { next: () => randomUUID() },
};
const admission = {
  limiter: dynamoRateLimiter(documents, TABLE_NAME),
  limits: readSignupLimits(),
  secret: () => platformSecret(TOKEN_SECRET_ID),
};

/**
 * Every accepted signup takes at least this long to answer, so a repeated address (which does a little
 * more work) cannot be told from a new one by timing.
 */
const RESPONSE_FLOOR_MS = 120;

const accept = httpHandler(
  { path: z.object({ orgId: Id }), body: SignupForm },
  async ({ path, body, now, event }) => {
    // Counted once the signup is valid and its organisation known, before anything is stored or sent.
    const admit = (org: Organisation) =>
      admitSignup(admission, {
        sourceIp: event.requestContext.http.sourceIp,
        orgId: org.orgId,
        own: org.signupLimits,
        now,
      });
    const [accepted] = await Promise.all([
      signUp({ ...deps, admit }, path.orgId, body, now),
      new Promise((resolve) => setTimeout(resolve, RESPONSE_FLOOR_MS)),
    ]);
    countStep('SignupAccepted');
    return { status: 202, body: accepted };
  },
);

/** Browsers on other sites reach it only from the organisation's own origins (the OPTIONS route too). */
export const handler = withOrgCors(
  { organisations: deps.organisations, platformUrl: PUBLIC_API_URL, methods: ['POST'] },
  accept,
);
