import { z } from 'zod';
import { platformSecret } from '../adapters/email-hash';
import { type TokenClaims, TokenError, verifyToken } from '../adapters/tokens';
import { invalidLink, notGenuineLink } from './link-problems';
import type { Problem } from './problem';

/** The signed token of a link in an email, as a query parameter or a form field. */
export const LinkToken = z.string().min(1).max(2048);

/** Pages a link opens are nobody else's business: no referrer for the token, no index. */
export const LINK_PAGE_HEADERS = { 'referrer-policy': 'no-referrer', 'x-robots-tag': 'noindex' };

/** A person's browser (it asks for HTML, or posts the page's form) gets a page; an API client gets JSON. */
export const wantsPage = (headers: Record<string, string | undefined>) =>
  /text\/html/.test(headers.accept ?? '') || /x-www-form-urlencoded/.test(headers['content-type'] ?? '');

/** What a link of one kind carries, and what the person is told when it is not right. */
export interface LinkSpec<Subject> {
  /** The purpose its token was signed for (shared/domain/links.ts). */
  purpose: string;
  /** What the person can do instead once the link has expired. */
  whenExpired: string;
  /** The subject's parts, or undefined when the token names something else. */
  parse: (sub: string) => Subject | undefined;
  /** What a token of this purpose names ("a meeting"), for the 400 when it does not; or the problem to throw. */
  names: string | (() => Problem);
}

/**
 * The organisation and subject a link's token names, checked before anything is read: a token that failed is
 * a 410 or 400 (see invalidLink), and a genuine one that names something else is a 400 too.
 */
export const linkClaims = async <Subject>(
  secretId: string,
  token: string,
  now: Date,
  spec: LinkSpec<Subject>,
): Promise<{ orgId: string; subject: Subject; exp: TokenClaims['exp'] }> => {
  const secret = await platformSecret(secretId);
  let claims: TokenClaims;
  try {
    claims = verifyToken(secret, token, spec.purpose, now);
  } catch (error) {
    if (error instanceof TokenError) throw invalidLink(error, spec.whenExpired);
    throw error;
  }
  const subject = spec.parse(claims.sub);
  // A genuine token always names what its purpose acts on: this one was signed for something else.
  if (subject === undefined) {
    throw typeof spec.names === 'string'
      ? notGenuineLink(`The token does not name ${spec.names}`)
      : spec.names();
  }
  return { orgId: claims.org, subject, exp: claims.exp };
};
