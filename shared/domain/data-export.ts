import { issueToken } from '../adapters/tokens';
import type { StoredItem } from './erasure';
import {
  DATA_EXPORT_LINK_TTL_SECONDS,
  DATA_EXPORT_PURPOSE,
  DATA_RIGHTS_LINK_TTL_SECONDS,
  DATA_RIGHTS_PURPOSE,
} from './links';
import type { Participant } from './participant';

/**
 * Everything kindred stores about one person, as they may take it away: their profile, their matches (the
 * other person by first name only: the rest is the other person's data), the meetings of those matches, their
 * milestones, the feedback they gave and their email preferences.
 */

export const DATA_EXPORT_VERSION = 1;

export interface DataExportSource {
  /** The person's items and the items of their matches (see ErasureStore.itemsNaming). */
  itemsNaming(orgId: string, participantId: string): Promise<StoredItem[]>;
  /** Items of the organisation whose sort key starts with the prefix (a match's meetings). */
  itemsUnder(orgId: string, prefix: string): Promise<StoredItem[]>;
}

export interface DataExportDeps {
  source: DataExportSource;
  participants: { get(orgId: string, participantId: string): Promise<Participant | undefined> };
}

/** Storage fields that say nothing about the person. */
const INTERNAL = new Set([
  'pk',
  'sk',
  'lookupPk',
  'lookupSk',
  'duePk',
  'dueSk',
  'dueKind',
  'expiresAt',
  'claimSk',
]);
const plain = (item: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(item).filter(([name]) => !INTERNAL.has(name)));

const firstName = (name: string | undefined) => name?.trim().split(/\s+/)[0];

export const exportData = async (
  deps: DataExportDeps,
  ref: { orgId: string; participantId: string },
  now: Date,
) => {
  const person = await deps.participants.get(ref.orgId, ref.participantId);
  if (!person) return undefined;
  const id = ref.participantId;
  const items = await deps.source.itemsNaming(ref.orgId, id);
  const matchItems = items.filter(
    (item) => item.sk.startsWith('MATCH#') && (item.mentorId === id || item.menteeId === id),
  );
  const matches = await Promise.all(
    matchItems.map(async (item) => {
      const otherId = String(item.mentorId === id ? item.menteeId : item.mentorId);
      const other = await deps.participants.get(ref.orgId, otherId);
      const matchId = String(item.matchId);
      const meetings = await deps.source.itemsUnder(ref.orgId, `MEETING#${matchId}-`);
      return {
        matchId,
        programId: item.programId,
        yourRole: item.mentorId === id ? 'mentor' : 'mentee',
        with: { firstName: firstName(other?.name) ?? null },
        status: item.status,
        createdAt: item.createdAt,
        ...(item.ended ? { ended: item.ended } : {}),
        whyYouWereMatched: (item.explanation as { shared?: unknown } | undefined)?.shared ?? null,
        meetings: meetings.map(plain),
      };
    }),
  );
  const { claimSk: _claim, ...profile } = person as Participant & { claimSk?: string };
  return {
    exportVersion: DATA_EXPORT_VERSION,
    exportedAt: now.toISOString(),
    profile,
    matches,
    milestones: items
      .filter((item) => item.sk.startsWith(`MILESTONE#${id}#`))
      .map((item) => ({
        milestone: item.sk.slice(`MILESTONE#${id}#`.length),
        ...plain(item),
      })),
    feedbackGiven: items
      .filter((item) => item.sk.startsWith('FEEDBACK#') && item.sk.includes(`#${id}#MEETING#`))
      .map(plain),
    emailPreferences: items.filter((item) => item.sk === `RECIPIENT#${id}`).map(plain)[0] ?? null,
    groups: items
      .filter((item) => item.sk.startsWith('GROUP#') && item.sk.endsWith(`#MEMBER#${id}`))
      .map(plain),
  };
};

export type DataExport = NonNullable<Awaited<ReturnType<typeof exportData>>>;

const base = (url: string) => url.replace(/\/+$/, '');

/** The "Your data" page of one person, signed at the email's own time so a redelivery renders the same link. */
export const dataRightsLink = (
  secret: string,
  publicApiUrl: string,
  orgId: string,
  participantId: string,
  issuedAt: Date,
) => {
  const token = issueToken(
    secret,
    { purpose: DATA_RIGHTS_PURPOSE, orgId, subject: participantId },
    issuedAt,
    DATA_RIGHTS_LINK_TTL_SECONDS,
  );
  return `${base(publicApiUrl)}/v1/my-data?token=${encodeURIComponent(token)}`;
};

/** The download of one person's export. */
export const dataExportLink = (
  secret: string,
  publicApiUrl: string,
  orgId: string,
  participantId: string,
  issuedAt: Date,
) => {
  const token = issueToken(
    secret,
    { purpose: DATA_EXPORT_PURPOSE, orgId, subject: participantId },
    issuedAt,
    DATA_EXPORT_LINK_TTL_SECONDS,
  );
  return `${base(publicApiUrl)}/v1/my-data/export?token=${encodeURIComponent(token)}`;
};
