import { z } from 'zod';
import { documents } from '../../shared/adapters/aws';
import { emailHasher, platformSecret } from '../../shared/adapters/email-hash';
import { countStep } from '../../shared/adapters/metrics';
import { TokenError, verifyToken } from '../../shared/adapters/tokens';
import { readEnv } from '../../shared/config';
import { dynamoParticipants } from '../../shared/data/participants';
import { VERIFY_PURPOSE, verifyParticipant } from '../../shared/domain/verify';
import { htmlPage } from '../../shared/http/html';
import { invalidLink } from '../../shared/http/link-problems';
import { httpHandler } from '../../shared/middleware';

const { TABLE_NAME, TOKEN_SECRET_ID } = readEnv(['TABLE_NAME', 'TOKEN_SECRET_ID']);
const participants = dynamoParticipants(documents, TABLE_NAME, emailHasher(TOKEN_SECRET_ID));

export const handler = httpHandler(
  { query: z.object({ token: z.string().min(1).max(2048) }) },
  async ({ query, now }) => {
    const secret = await platformSecret(TOKEN_SECRET_ID);
    let claims: ReturnType<typeof verifyToken>;
    try {
      claims = verifyToken(secret, query.token, VERIFY_PURPOSE, now);
    } catch (error) {
      if (error instanceof TokenError) throw invalidLink(error);
      throw error;
    }
    const outcome = await verifyParticipant(
      participants,
      { orgId: claims.org, participantId: claims.sub },
      now,
    );
    if (outcome === 'verified') countStep('ParticipantVerified');
    return {
      status: 200,
      html: htmlPage(outcome === 'verified' ? 'Your email is confirmed' : 'You are already confirmed', [
        'Thank you. We will email you soon about what happens next.',
        'You can close this page.',
      ]),
    };
  },
);
