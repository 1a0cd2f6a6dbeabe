import { createHash } from 'node:crypto';
import { normaliseEmail } from '../domain/participant';
import { OUTBOX_PREFIX } from './table';

/** Key builders: the access patterns of the single table, in one place. */
export const keys = {
  organisation: (orgId: string) => ({ pk: `ORG#${orgId}`, sk: 'ORG' }),
  participant: (orgId: string, participantId: string) => ({
    pk: `ORG#${orgId}`,
    sk: `PARTICIPANT#${participantId}`,
  }),
  participantsByStatus: (orgId: string) => `ORG#${orgId}#PARTICIPANTS`,
  /** Keyed by a hash so an address never appears in a key (keys reach metrics and logs). */
  emailClaim: (orgId: string, email: string) => ({
    pk: `ORG#${orgId}`,
    sk: `EMAIL#${createHash('sha256').update(normaliseEmail(email)).digest('hex')}`,
  }),
  outbox: (eventId: string) => ({ pk: `${OUTBOX_PREFIX}${eventId}`, sk: 'EVENT' }),
};

export const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);
export const DAY_SECONDS = 24 * 3600;
