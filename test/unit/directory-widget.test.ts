import { describe, expect, it } from 'vitest';
import { DirectoryQuery, type Listing, publicListing } from '../../shared/domain/directory';
import { directorySnippet, snippetsPage } from '../../shared/http/embed-pages';
import { escapeHtml } from '../../shared/http/html';
import {
  choicesOf,
  countText,
  type DirectoryListing,
  joinText,
  meetsText,
  NO_FILTERS,
  problemMessages,
  queryOf,
  seatsText,
  sessionText,
} from '../../web/directory-logic';
import { organisation } from '../fixtures/domain';

const NOW = new Date('2026-03-02T12:00:00Z');
const JOIN = 'https://api.kindred.test/v1/orgs/riverside-mentors/form.html';

/** A listing as the API sends it, made by the API's own projection. */
const shown = (overrides: Partial<Listing> = {}): DirectoryListing =>
  publicListing(
    {
      entryId: 'grief-circle',
      kind: 'group',
      orgId: 'riverside-mentors',
      orgName: 'Riverside Mentors',
      name: 'Grief circle',
      topics: ['grief', 'loss'],
      format: 'hybrid',
      place: 'Bristol',
      language: 'pt-BR',
      seats: 8,
      members: 5,
      seatsLeft: 3,
      ...overrides,
    },
    NOW,
    JOIN,
  );

describe('the directory widget\u2019s queries', () => {
  it('sends only the filters set, trimmed, with its organisation, page size and cursor', () => {
    // Act
    const none = queryOf(NO_FILTERS);
    const some = queryOf(
      { ...NO_FILTERS, topic: '  making friends ', format: 'online', openSeats: true },
      { org: 'demo-university', limit: 5, cursor: 'abc' },
    );

    // Assess
    expect(none).toBe('');
    expect(Object.fromEntries(new URLSearchParams(some))).toEqual({
      topic: 'making friends',
      format: 'online',
      openSeats: 'true',
      org: 'demo-university',
      limit: '5',
      cursor: 'abc',
    });
  });

  it.each([
    [{ ...NO_FILTERS, topic: 'grief', place: 'Bristol', language: 'pt-BR' }],
    [{ ...NO_FILTERS, format: 'hybrid', openSeats: true }],
    [NO_FILTERS],
  ])('asks what the API accepts: %j', (filters) => {
    // Act
    const query = Object.fromEntries(
      new URLSearchParams(queryOf(filters, { org: 'riverside-mentors', limit: 10 })),
    );

    // Assess
    const parsed = DirectoryQuery.safeParse(query);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
  });
});

describe('what a listing says', () => {
  it.each([
    [{ seats: 8, seatsLeft: 3 }, '3 of 8 seats left'],
    [{ seats: 2, seatsLeft: 1 }, '1 of 2 seats left'],
    [{ seats: 1, seatsLeft: 1 }, '1 of 1 seat left'],
    [{ seats: 8, seatsLeft: 0 }, 'Full \u2014 join the waitlist'],
    [{ kind: 'program' as const, seats: undefined, seatsLeft: 2 }, '2 mentor places open'],
    [{ kind: 'program' as const, seats: undefined, seatsLeft: 1 }, '1 mentor place open'],
    [
      { kind: 'program' as const, seats: undefined, seatsLeft: 0 },
      'All mentors are matched \u2014 join the waitlist',
    ],
  ])('seats %j: %s', (overrides, text) => {
    expect(seatsText(shown(overrides))).toBe(text);
  });

  it('names the listing in its link, and says when it is the waitlist', () => {
    expect(joinText(shown())).toBe('Join Grief circle');
    expect(joinText(shown({ seatsLeft: 0 }))).toBe('Join the waitlist for Grief circle');
    expect(joinText(shown({ kind: 'program', name: 'Youth mentoring' }))).toBe('Sign up for Youth mentoring');
  });

  it('says how and where it meets, in the reader\u2019s language', () => {
    expect(meetsText(shown(), 'en')).toBe('Online and in person \u00b7 Bristol \u00b7 Brazilian Portuguese');
    expect(meetsText(shown({ format: 'online', place: undefined, language: undefined }), 'en')).toBe(
      'Online',
    );
  });

  it('tells the next session in the reader\u2019s zone, naming it', () => {
    // Prepare: Mondays at 17:00 in London
    const listing = shown({
      schedule: {
        rrule: 'FREQ=WEEKLY;BYDAY=MO;BYHOUR=17;BYMINUTE=0',
        timezone: 'Europe/London',
        startsOn: '2026-01-05',
        durationMinutes: 60,
      },
    });

    // Act
    const inNewYork = sessionText(listing.nextSessionAt as string, {
      locale: 'en-GB',
      timeZone: 'America/New_York',
    });

    // Assess
    expect(listing.nextSessionAt).toBe('2026-03-02T17:00:00.000Z');
    expect(inNewYork).toBe('Monday 2 March at 12:00 GMT-5');
  });

  it('counts the results for the live region', () => {
    expect(countText(0, false)).toMatch(/^No groups match/);
    expect(countText(1, false)).toBe('Showing 1 result.');
    expect(countText(20, true)).toBe('Showing 20 results. More are available.');
  });

  it('offers the topics, places and languages seen, once each, sorted', () => {
    // Act
    const choices = choicesOf([
      shown(),
      shown({ topics: ['loss', 'anxiety'], place: 'Leeds', language: 'en' }),
      shown({ place: undefined }),
    ]);

    // Assess
    expect(choices).toEqual({
      topics: ['anxiety', 'grief', 'loss'],
      places: ['Bristol', 'Leeds'],
      languages: ['en', 'pt-BR'],
    });
  });
});

describe('directory problems in the widget', () => {
  it('puts a refused filter next to its control, and the rest in one message', () => {
    // Act
    const filters = problemMessages(422, {
      errors: [
        { pointer: '/topic', detail: 'at most 60 characters' },
        { pointer: '/colour', detail: 'unrecognised key' },
      ],
    });
    const cursor = problemMessages(422, { errors: [{ pointer: '/cursor', detail: 'not a cursor' }] });

    // Assess
    expect(filters).toEqual({
      fields: { topic: 'At most 60 characters' },
      message: 'Please check the filters marked below.',
    });
    expect(cursor.fields).toEqual({});
    expect(cursor.message).toMatch(/could not load/);
    expect(problemMessages(404, {}).message).toMatch(/does not exist/);
    expect(problemMessages(503, {}).message).toMatch(/try again in a moment/);
    expect(problemMessages(0, undefined).message).toMatch(/could not load/);
  });
});

describe('the snippets page\u2019s directory tag', () => {
  const api = 'https://api.kindred.test';

  it('gives the organisation\u2019s own directory and id', () => {
    // Act
    const page = snippetsPage(api, { ...organisation, kind: 'university' });

    // Assess
    expect(page).toContain(escapeHtml(directorySnippet(api, 'university', organisation.orgId)));
    expect(directorySnippet(api, 'university', organisation.orgId)).toBe(
      `<script src="${api}/embed.js" data-directory="university" data-org="riverside-mentors" async></script>`,
    );
  });

  it('says a company has no public directory, and shows placeholders without an organisation', () => {
    expect(snippetsPage(api, { ...organisation, kind: 'company' })).toContain('in no public directory');
    expect(snippetsPage(api, undefined)).toContain(escapeHtml(directorySnippet(api, 'university', 'ORG_ID')));
  });
});
