import type { DeferralRequirements } from '../data/deferrals';
import type { Digest, DigestEntry } from '../data/digests';
import type { Recipient } from '../data/recipients';
import { digestEmail } from '../email/digest-templates';
import type { Branding, RenderedEmail } from '../email/templates';
import type { GateRequest } from './email-gate';
import { type Decision, type RecipientState, stillWanted } from './nudge-policy';

/**
 * Sending a digest when it falls due (see nudge-policy.ts, rule 7). The digest is decided like any nudge, in
 * the `digest` category: it waits for the morning, a pause's end or room under the cap; it is dropped, with
 * everything in it, for someone who unsubscribed from digests or whose address is suppressed. When it may
 * go, it is frozen (later capped nudges start the next digest), and its entries are kept only while still
 * wanted: its category not unsubscribed from, before its `latest`, its requirements still met, and not sent
 * on its own since. What remains goes as one email, counted as one nudge; if nothing remains, nothing goes.
 */

export interface DigestSendDeps {
  digests: {
    close(orgId: string, participantId: string, digestId: string): Promise<Digest | undefined>;
    rearm(orgId: string, participantId: string, digestId: string, until: Date): Promise<boolean>;
    finish(
      orgId: string,
      participantId: string,
      digestId: string,
      status: 'sent' | 'dropped',
      now: Date,
    ): Promise<void>;
  };
  nudges: {
    /** The policy's answer; a `send` comes with the person's slot under the cap taken at `now`. */
    decide(request: GateRequest, now: Date): Promise<{ decision: Decision; state: RecipientState }>;
    deliver(
      request: {
        orgId: string;
        participant: Recipient;
        category: 'digest';
        email: { key: string; to: string; content: RenderedEmail };
        issuedAt: Date;
      },
      now: Date,
    ): Promise<{ outcome: string; messageId?: string }>;
    release(orgId: string, participantId: string, now: Date): Promise<void>;
  };
  /** The first requirement of an entry that no longer holds (its match ended, its meeting is not planned). */
  unmet(orgId: string, requires: DeferralRequirements | undefined): Promise<string | undefined>;
  /** Whether the email under this key went out on its own (a redelivery after the cap had room again). */
  alreadySent(key: string): Promise<boolean>;
}

export interface DueDigest {
  orgId: string;
  participant: Recipient;
  digest: Digest;
  brand: Branding;
  firstName: string;
}

export type DigestOutcome =
  | { outcome: 'sent'; messageId: string; items: number; leftOut: number }
  | { outcome: 'deferred'; until: Date; reason: string }
  | { outcome: 'dropped'; reason: string };

/** The digest email's key: one per digest, whatever it lists, so it goes out once. */
export const digestEmailKey = (participantId: string, digestId: string) =>
  `DigestDue:${participantId}:${digestId}:${digestEmail.name}:v${digestEmail.version}`;

/** The latest moment the digest is of use: the last of its entries', or none if one of them has none. */
export const digestLatest = (entries: readonly DigestEntry[]) => {
  if (entries.length === 0 || entries.some((e) => e.latest === undefined)) return undefined;
  return new Date(Math.max(...entries.map((e) => Date.parse(e.latest as string))));
};

/** The entries still wanted at `now`, by what the person's state says and what stored facts say. */
export const wantedEntries = async (
  deps: Pick<DigestSendDeps, 'unmet' | 'alreadySent'>,
  orgId: string,
  entries: readonly DigestEntry[],
  state: RecipientState,
  now: Date,
) => {
  const wanted: DigestEntry[] = [];
  for (const entry of entries) {
    const pending = { category: entry.category, ...(entry.latest ? { latest: new Date(entry.latest) } : {}) };
    if (!stillWanted(pending, state, now)) continue;
    if (await deps.unmet(orgId, entry.requires)) continue;
    if (await deps.alreadySent(entry.key)) continue;
    wanted.push(entry);
  }
  return wanted;
};

export const sendDigest = async (deps: DigestSendDeps, due: DueDigest, now: Date): Promise<DigestOutcome> => {
  const { orgId, participant, digest } = due;
  const { participantId } = participant;
  const { digestId } = digest;
  if (digest.status === 'sent' || digest.status === 'dropped')
    return { outcome: 'dropped', reason: 'finished' };

  const latest = digestLatest(digest.entries);
  const { decision, state } = await deps.nudges.decide(
    { orgId, participant, category: 'digest', ...(latest ? { latest } : {}) },
    now,
  );
  switch (decision.action) {
    case 'defer':
      await deps.digests.rearm(orgId, participantId, digestId, decision.until);
      return { outcome: 'deferred', until: decision.until, reason: decision.reason };
    case 'drop':
      if (await deps.digests.close(orgId, participantId, digestId)) {
        await deps.digests.finish(orgId, participantId, digestId, 'dropped', now);
      }
      return { outcome: 'dropped', reason: decision.reason };
    case 'fold-into-digest':
      throw new Error('A digest is never folded into a digest');
    case 'send':
      break;
  }

  // The slot under the cap is ours from here: given back whenever nothing goes out.
  const frozen = await deps.digests.close(orgId, participantId, digestId);
  if (!frozen) {
    await deps.nudges.release(orgId, participantId, now);
    return { outcome: 'dropped', reason: 'finished' };
  }
  const wanted = await wantedEntries(deps, orgId, frozen.entries, state, now);
  if (wanted.length === 0) {
    await deps.nudges.release(orgId, participantId, now);
    await deps.digests.finish(orgId, participantId, digestId, 'dropped', now);
    return { outcome: 'dropped', reason: 'nothing-still-wanted' };
  }
  const result = await deps.nudges.deliver(
    {
      orgId,
      participant,
      category: 'digest',
      email: {
        key: digestEmailKey(participantId, digestId),
        to: participant.email,
        content: digestEmail.render({ brand: due.brand, firstName: due.firstName, items: wanted }),
      },
      // Its unsubscribe link is signed at the digest's own start, so every attempt renders the same email.
      issuedAt: new Date(frozen.createdAt),
    },
    now,
  );
  await deps.digests.finish(orgId, participantId, digestId, 'sent', now);
  return {
    outcome: 'sent',
    messageId: result.messageId ?? '',
    items: wanted.length,
    leftOut: frozen.entries.length - wanted.length,
  };
};
