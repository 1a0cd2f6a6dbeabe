import { createHmac } from 'node:crypto';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { normaliseEmail } from '../domain/participant';

/**
 * The pseudonym of an address in keys: an HMAC under a key derived from the platform secret. A plain hash
 * would be reversed by hashing lists of addresses; keys reach places items do not (CloudTrail data events,
 * metrics, the stream), so they must not carry a reversible address.
 */
export const emailPseudonym = (secret: string, email: string) => {
  const key = createHmac('sha256', secret).update('kindred:email-claim:v1').digest();
  return createHmac('sha256', key).update(normaliseEmail(email)).digest('hex');
};

/** The platform secret (it signs links and keys pseudonyms), read from Secrets Manager and cached 5 minutes. */
export const platformSecret = async (secretId: string): Promise<string> => {
  const secret = await getSecret(secretId, { maxAge: 300 });
  if (typeof secret !== 'string') throw new Error('the platform secret is not a string');
  return secret;
};

/** The pseudonym, with the secret read (and cached) from Secrets Manager. */
export const emailHasher =
  (secretId: string) =>
  async (email: string): Promise<string> =>
    emailPseudonym(await platformSecret(secretId), email);
