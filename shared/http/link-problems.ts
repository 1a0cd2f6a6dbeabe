import type { TokenError } from '../adapters/tokens';
import { Problem } from './problem';

/** The problem for a link whose token failed: 410 when it expired, 400 when it is not genuine or malformed. */
export const invalidLink = (error: TokenError, whenExpired = 'Please sign up again to get a new link.') =>
  error.reason === 'expired'
    ? new Problem(410, 'link-expired', 'This link has expired', whenExpired, [
        { pointer: '/token', detail: 'The token has expired' },
      ])
    : new Problem(
        400,
        'invalid-link',
        'This link is not valid',
        'Please use the link exactly as it came in the email.',
        [
          {
            pointer: '/token',
            detail: error.reason === 'malformed' ? 'The token is malformed' : 'The token is not genuine',
          },
        ],
      );
