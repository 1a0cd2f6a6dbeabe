import { OUTBOX_PREFIX, PARTITIONS } from './table';

const ORG = PARTITIONS.organisation;

/** Key builders: the access patterns of the single table, in one place. */
export const keys = {
  organisation: (orgId: string) => ({ pk: `${ORG}${orgId}`, sk: 'ORG' }),
  participant: (orgId: string, participantId: string) => ({
    pk: `${ORG}${orgId}`,
    sk: `PARTICIPANT#${participantId}`,
  }),
  participantsByStatus: (orgId: string) => `${ORG}${orgId}#PARTICIPANTS`,
  /** Keyed by the address's pseudonym (see email-hash.ts), so no address appears in a key. */
  emailClaim: (orgId: string, emailHash: string) => ({ pk: `${ORG}${orgId}`, sk: `EMAIL#${emailHash}` }),
  outbox: (eventId: string) => ({ pk: `${OUTBOX_PREFIX}${eventId}`, sk: 'EVENT' }),
};

export const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);
export const DAY_SECONDS = 24 * 3600;
