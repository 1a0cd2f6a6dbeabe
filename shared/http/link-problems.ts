import type { TokenError } from '../adapters/tokens';
import { Problem } from './problem';

/** The 400 for a link that is not one we sent, or not as we sent it; `detail` names what is wrong with its token. */
export const notGenuineLink = (detail: string) =>
  new Problem(
    400,
    'invalid-link',
    'This link is not valid',
    'Please use the link exactly as it came in the email.',
    [{ pointer: '/token', detail }],
  );

/** The problem for a link whose token failed: 410 when it expired, 400 when it is not genuine or malformed. */
export const invalidLink = (error: TokenError, whenExpired = 'Please sign up again to get a new link.') =>
  error.reason === 'expired'
    ? new Problem(410, 'link-expired', 'This link has expired', whenExpired, [
        { pointer: '/token', detail: 'The token has expired' },
      ])
    : notGenuineLink(error.reason === 'malformed' ? 'The token is malformed' : 'The token is not genuine');
