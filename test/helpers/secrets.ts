import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { emailPseudonym } from '../../shared/adapters/email-hash';

/** The platform secret handler tests serve through a mocked Secrets Manager. */
export const TEST_SECRET = 'kindred-test-signing-secret-4f9a';

/** Mocks Secrets Manager; `serve()` (again after a reset) answers the platform secret. */
export const mockSecrets = () => {
  const secrets = mockClient(SecretsManagerClient);
  const serve = () =>
    secrets
      .on(GetSecretValueCommand, { SecretId: process.env.TOKEN_SECRET_ID })
      .resolves({ SecretString: TEST_SECRET });
  return { secrets, serve };
};

/** The sort key of an address's claim, as the handlers compute it under the test secret. */
export const claimSortKey = (email: string) => `EMAIL#${emailPseudonym(TEST_SECRET, email)}`;
