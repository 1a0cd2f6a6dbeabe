import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkDueAt,
  DirectoryQuery,
  decodeCursor,
  directoryOf,
  encodeCursor,
  etagOf,
  groupListing,
  handOverListingCheck,
  hideDueAt,
  type Listing,
  matchesFilters,
  notModified,
  pageOf,
  planEntry,
  publicListing,
} from '../../shared/domain/directory';
import {
  deliveryOutcome,
  WebhookSettings,
  webhookHeaders,
  webhookMessage,
  webhookSecret,
} from '../../shared/domain/directory-webhooks';
import type { Organisation, PeerGroup } from '../../shared/domain/organisation';
import type { DueEntry, DueWorkStore } from '../../shared/domain/ports';
import { Problem } from '../../shared/http/problem';

const NOW = new Date('2026-03-02T10:00:00.000Z');
const DAY = 24 * 3_600_000;

const GROUP: PeerGroup = {
  programId: 'grief-circle',
  name: 'Grief circle',
  kind: 'peer-group',
  seats: 8,
  topics: ['Grief', 'loss'],
  format: 'hybrid',
  place: 'Leeds',
  language: 'pt-BR',
  contact: 'facilitator@example.org',
  accessibility: 'Step-free access',
  schedule: {
    rrule: 'FREQ=WEEKLY;BYDAY=TU;BYHOUR=18;BYMINUTE=30',
    timezone: 'Europe/London',
    startsOn: '2026-01-06',
  },
};
const ORG: Organisation = {
  orgId: 'riverside',
  kind: 'nonprofit',
  name: 'Riverside',
  consent: { version: 'v1', text: 'I agree.' },
  defaultProgramId: GROUP.programId,
  programs: [GROUP],
};
const listing = (seated = 3, group = GROUP) => groupListing(ORG, group, { seated, waiting: 0 }) as Listing;
const ref = { orgId: ORG.orgId, entryId: GROUP.programId, directory: 'nonprofit' as const };

describe('listings', () => {
  it('lists a group of a nonprofit or university with its details and free seats', () => {
    // Assess
    expect(listing(3)).toMatchObject({
      entryId: 'grief-circle',
      orgName: 'Riverside',
      topics: ['Grief', 'loss'],
      format: 'hybrid',
      seats: 8,
      members: 3,
      seatsLeft: 5,
    });
    expect(listing(8).seatsLeft).toBe(0);
    expect(JSON.stringify(listing())).not.toContain('facilitator@');
  });

  it('lists no group of a company, no closed group, none without details and none with invalid ones', () => {
    // Assess
    expect(directoryOf('company')).toBeUndefined();
    expect(groupListing({ ...ORG, kind: 'company' }, GROUP, { seated: 0, waiting: 0 })).toBeUndefined();
    expect(groupListing(ORG, GROUP, { seated: 0, waiting: 0, closedAt: NOW.toISOString() })).toBeUndefined();
    const bare: PeerGroup = { programId: 'bare', name: 'Bare', kind: 'peer-group', seats: 4 };
    expect(groupListing(ORG, bare, { seated: 0, waiting: 0 })).toBeUndefined();
    const nowhere = { ...GROUP, format: 'in-person' as const, place: undefined };
    expect(groupListing(ORG, nowhere, { seated: 0, waiting: 0 })).toBeUndefined();
  });

  it('shows the next session worked out when read, and no contact', () => {
    // Act
    const shown = publicListing(listing(), NOW, 'https://api.example/v1/orgs/riverside/form.html');

    // Assess: the first Tuesday 18:30 London time after Monday 2 March 2026 (GMT)
    expect(shown.nextSessionAt).toBe('2026-03-03T18:30:00.000Z');
    expect(shown).not.toHaveProperty('schedule');
    expect(shown.id).toBe('riverside:grief-circle');
  });
});

describe('planEntry', () => {
  it('creates a listing, arms its first check 90 days on, and emits created', () => {
    // Act
    const plan = planEntry(undefined, { ...ref, listing: listing() }, NOW);

    // Assess
    expect(plan?.change).toBe('created');
    expect(plan?.arm).toEqual({ kind: 'at', dueAt: new Date(NOW.getTime() + 90 * DAY) });
    expect(plan?.entry).toMatchObject({ status: 'listed', version: 1, check: { stage: 'ask' } });
    expect(plan?.event?.detail).toMatchObject({
      entryId: 'grief-circle',
      directory: 'nonprofit',
      change: 'created',
    });
  });

  it('stores nothing when the sources say what the listing says (a redelivered event)', () => {
    // Prepare
    const created = planEntry(undefined, { ...ref, listing: listing() }, NOW);

    // Act
    const again = planEntry(created?.entry, { ...ref, listing: listing() }, new Date(NOW.getTime() + DAY));

    // Assess
    expect(again).toBeUndefined();
  });

  it('emits updated when the seats change, and removed once (arm off) when the group closes', () => {
    // Prepare
    const created = planEntry(undefined, { ...ref, listing: listing(3) }, NOW)?.entry;

    // Act
    const updated = planEntry(created, { ...ref, listing: listing(4) }, NOW);
    const removed = planEntry(updated?.entry, { ...ref, listing: undefined }, NOW);
    const removedAgain = planEntry(removed?.entry, { ...ref, listing: undefined }, NOW);

    // Assess
    expect(updated?.change).toBe('updated');
    expect(updated?.arm).toEqual({ kind: 'keep' });
    expect(removed?.change).toBe('removed');
    expect(removed?.arm).toEqual({ kind: 'off' });
    expect(removed?.entry.status).toBe('removed');
    expect(removedAgain).toBeUndefined();
  });

  it('hides a listing whose ask went unanswered, and shows it again on a late confirmation', () => {
    // Prepare: asked (the sweep moved the check on to its hiding)
    const askedAt = new Date(NOW.getTime() + 90 * DAY).toISOString();
    const created = planEntry(undefined, { ...ref, listing: listing() }, NOW)?.entry;
    const asked = created && {
      ...created,
      check: { stage: 'hide' as const, confirmedAt: NOW.toISOString(), askedAt },
    };
    const later = new Date(NOW.getTime() + 120 * DAY);

    // Act
    const hidden = planEntry(asked, { ...ref, listing: listing() }, later, { type: 'hide', askedAt });
    const whileHidden = planEntry(hidden?.entry, { ...ref, listing: listing(5) }, later);
    const shown = planEntry(whileHidden?.entry, { ...ref, listing: listing(5) }, later, { type: 'confirm' });

    // Assess
    expect(hidden?.change).toBe('hidden');
    expect(hidden?.entry.status).toBe('hidden');
    expect(whileHidden?.change).toBeUndefined(); // stored, but nothing public changed
    expect(whileHidden?.entry.listing?.members).toBe(5);
    expect(shown?.change).toBe('shown');
    expect(shown?.arm).toEqual({ kind: 'at', dueAt: new Date(later.getTime() + 90 * DAY) });
  });

  it('does not hide for an ask that is no longer the open one', () => {
    // Prepare
    const askedAt = new Date(NOW.getTime() + 90 * DAY).toISOString();
    const created = planEntry(undefined, { ...ref, listing: listing() }, NOW)?.entry;
    const confirmedSince = created && {
      ...created,
      check: {
        stage: 'ask' as const,
        confirmedAt: new Date(NOW.getTime() + 95 * DAY).toISOString(),
        askedAt,
      },
    };

    // Act
    const stale = planEntry(confirmedSince, { ...ref, listing: listing() }, NOW, { type: 'hide', askedAt });
    const otherAsk = planEntry(
      created && { ...created, check: { stage: 'hide', confirmedAt: NOW.toISOString(), askedAt } },
      { ...ref, listing: listing() },
      NOW,
      { type: 'hide', askedAt: NOW.toISOString() },
    );

    // Assess
    expect(stale).toBeUndefined();
    expect(otherAsk).toBeUndefined();
  });
});

describe('check timing', () => {
  it('asks 90 days after a confirmation and hides 30 days after an ask', () => {
    // Assess
    expect(checkDueAt(NOW).toISOString()).toBe('2026-05-31T10:00:00.000Z');
    expect(hideDueAt(NOW).toISOString()).toBe('2026-04-01T10:00:00.000Z');
  });

  it('hands an ask over with its hiding armed 30 days on, and a hiding conditioned on its due key', async () => {
    // Prepare
    const calls: unknown[][] = [];
    const store = { handOver: async (...args: unknown[]) => calls.push(args) > 0 } as unknown as DueWorkStore;
    const entry = (checkStage: string, extra = {}) =>
      ({
        pk: 'ORG#riverside',
        sk: 'DIRECTORY#grief-circle',
        duePk: 'DUE#2026-03-02T10',
        dueSk: '2026-03-02T10:00:00.000Z#listing-check#riverside#grief-circle',
        dueKind: 'listing-check',
        orgId: 'riverside',
        entryId: 'grief-circle',
        checkStage,
        ...extra,
      }) as DueEntry;

    // Act
    await handOverListingCheck(store, entry('ask'), NOW);
    await handOverListingCheck(store, entry('hide', { askedAt: '2026-01-31T10:00:00.000Z' }), NOW);

    // Assess
    const [ask, hide] = calls;
    expect(ask?.[1]).toMatchObject({
      detailType: 'ListingCheckDue',
      detail: { groupId: 'grief-circle', stage: 'ask', askedAt: NOW.toISOString() },
    });
    expect(ask?.[4]).toEqual({
      duePk: 'DUE#2026-04-01T10',
      dueSk: '2026-04-01T10:00:00.000Z#listing-check#riverside#grief-circle',
      set: { checkStage: 'hide', askedAt: NOW.toISOString() },
    });
    expect(hide?.[1]).toMatchObject({ detail: { stage: 'hide', askedAt: '2026-01-31T10:00:00.000Z' } });
    expect(hide?.[3]).toMatchObject({ values: { ':hide': 'hide', ':dueSk': entry('hide').dueSk } });
  });
});

describe('filters and paging', () => {
  const parse = (query: Record<string, string>) => DirectoryQuery.parse(query);

  it('matches topics and places whatever their case, a language by its regional forms, hybrid as both', () => {
    // Assess
    const l = listing();
    expect(matchesFilters(l, parse({ topic: 'grief' }))).toBe(true);
    expect(matchesFilters(l, parse({ topic: 'anxiety' }))).toBe(false);
    expect(matchesFilters(l, parse({ place: ' leeds ' }))).toBe(true);
    expect(matchesFilters(l, parse({ language: 'pt' }))).toBe(true);
    expect(matchesFilters(l, parse({ language: 'en' }))).toBe(false);
    expect(matchesFilters(l, parse({ format: 'online' }))).toBe(true);
    expect(matchesFilters({ ...l, format: 'online' }, parse({ format: 'hybrid' }))).toBe(false);
    expect(matchesFilters(listing(8), parse({ openSeats: 'true' }))).toBe(false);
    expect(matchesFilters(listing(8), parse({ openSeats: 'false' }))).toBe(true);
    expect(matchesFilters(l, parse({ org: 'elsewhere' }))).toBe(false);
  });

  it('names each bad filter', () => {
    // Act
    const result = DirectoryQuery.safeParse({
      format: 'zoom',
      limit: '0',
      openSeats: 'yes',
      language: 'E',
      x: '1',
    });

    // Assess
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((i) => (i.code === 'unrecognized_keys' ? i.keys[0] : i.path[0]));
    expect(paths?.sort()).toEqual(['format', 'language', 'limit', 'openSeats', 'x']);
  });

  it('pages by the limit, with a cursor after the last listing of a page and none on the last page', async () => {
    // Prepare
    const all = ['a', 'b', 'c', 'd', 'e'].map((id, i) => ({
      listing: { ...listing(i === 1 ? 8 : 0), entryId: id },
      position: { lookupSk: id, pk: 'ORG#riverside', sk: `DIRECTORY#${id}` },
    }));
    const from = async function* (after?: string) {
      for (const item of all) if (!after || item.position.lookupSk > after) yield item;
    };

    // Act
    const first = await pageOf(from(), parse({ limit: '2', openSeats: 'true' }));
    const second = await pageOf(from(first.next?.lookupSk), parse({ limit: '2', openSeats: 'true' }));

    // Assess
    expect(first.listings.map((l) => l.entryId)).toEqual(['a', 'c']);
    expect(first.next?.lookupSk).toBe('c');
    expect(second.listings.map((l) => l.entryId)).toEqual(['d', 'e']);
    expect(second.next).toBeUndefined();
  });

  it('gives out opaque cursors and refuses one it did not give out', () => {
    // Prepare
    const position = {
      lookupSk: 'grief circle#riverside#grief-circle',
      pk: 'ORG#riverside',
      sk: 'DIRECTORY#g',
    };

    // Assess
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
    expect(() => decodeCursor('bm90IGpzb24')).toThrow(Problem);
    const refused = (() => {
      try {
        return decodeCursor('e30');
      } catch (error) {
        return error as Problem;
      }
    })();
    expect(refused).toMatchObject({ status: 422, errors: [{ pointer: '/cursor' }] });
  });

  it('tags equal bodies alike and honours If-None-Match lists, weak tags and *', () => {
    // Prepare
    const etag = etagOf('{"listings":[]}');

    // Assess
    expect(etagOf('{"listings":[]}')).toBe(etag);
    expect(etagOf('{"listings":[1]}')).not.toBe(etag);
    expect(notModified(etag, etag)).toBe(true);
    expect(notModified(`"other", W/${etag}`, etag)).toBe(true);
    expect(notModified('*', etag)).toBe(true);
    expect(notModified('"other"', etag)).toBe(false);
    expect(notModified(undefined, etag)).toBe(false);
  });
});

describe('webhooks', () => {
  const detail = {
    version: 1 as const,
    orgId: 'riverside',
    occurredAt: NOW.toISOString(),
    entryId: 'grief-circle',
    directory: 'nonprofit' as const,
    kind: 'group' as const,
    change: 'updated' as const,
  };

  it('signs as Standard Webhooks do: HMAC-SHA256 of id.timestamp.body under the base64 key', () => {
    // Prepare
    const secret = webhookSecret('platform-secret', 'riverside', '2026-11');
    const message = webhookMessage(detail);

    // Act
    const headers = webhookHeaders(secret, message, NOW);

    // Assess
    const key = Buffer.from(secret.replace('whsec_', ''), 'base64');
    const expected = createHmac('sha256', key)
      .update(`${message.id}.${Math.floor(NOW.getTime() / 1000)}.${message.body}`)
      .digest('base64');
    expect(headers['webhook-signature']).toBe(`v1,${expected}`);
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(NOW.getTime() / 1000)));
    expect(webhookMessage(detail).id).toBe(message.id); // a redelivery carries the same id
    expect(webhookSecret('platform-secret', 'other-org', '2026-11')).not.toBe(secret);
    expect(webhookSecret('platform-secret', 'riverside', '2027-01')).not.toBe(secret);
  });

  it('retries what may succeed later and gives up on what will not', () => {
    // Assess
    expect([200, 204, 408, 429, 500, 503, 400, 404, 410].map(deliveryOutcome)).toEqual([
      'delivered',
      'delivered',
      'retry',
      'retry',
      'retry',
      'retry',
      'refused',
      'refused',
      'refused',
    ]);
  });

  it('takes https URLs, plain http only on loopback', () => {
    // Assess
    expect(WebhookSettings.safeParse({ url: 'https://example.org/hook', secretRef: 'v1' }).success).toBe(
      true,
    );
    expect(WebhookSettings.safeParse({ url: 'http://127.0.0.1:8080/hook', secretRef: 'v1' }).success).toBe(
      true,
    );
    expect(WebhookSettings.safeParse({ url: 'http://example.org/hook', secretRef: 'v1' }).success).toBe(
      false,
    );
    expect(WebhookSettings.safeParse({ url: 'https://example.org/hook', secretRef: 'a b' }).success).toBe(
      false,
    );
  });
});
