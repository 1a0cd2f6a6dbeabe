import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { documents } from '../../shared/adapters/aws';
import { emailHasher } from '../../shared/adapters/email-hash';
import { readEnv } from '../../shared/config';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { dynamoOutbox } from '../../shared/data/outbox';
import { dynamoParticipants } from '../../shared/data/participants';
import { SignupRequest } from '../../shared/domain/participant';
import { signUp } from '../../shared/domain/signup';
import { Id } from '../../shared/events/catalogue';
import { httpHandler } from '../../shared/middleware';

const { TABLE_NAME, TOKEN_SECRET_ID } = readEnv(['TABLE_NAME', 'TOKEN_SECRET_ID']);
const deps = {
  organisations: dynamoOrganisations(documents, TABLE_NAME),
  participants: dynamoParticipants(documents, TABLE_NAME, emailHasher(TOKEN_SECRET_ID)),
  outbox: dynamoOutbox(documents, TABLE_NAME),
  ids: { next: () => randomUUID() },
};

export const handler = httpHandler(
  { path: z.object({ orgId: Id }), body: SignupRequest },
  async ({ path, body, now }) => ({ status: 202, body: await signUp(deps, path.orgId, body, now) }),
);
