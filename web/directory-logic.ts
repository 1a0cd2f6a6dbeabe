import type { publicListing } from '../shared/domain/directory';
import { sentence } from './form-logic';

/**
 * The directory widget's words and queries, free of the DOM so unit tests run them in Node. The API
 * (GET /v1/directories/{directory}) stays the judge of filters: its problems are shown next to the controls
 * they name.
 */

export type DirectoryListing = ReturnType<typeof publicListing>;

export interface DirectoryPage {
  directory: string;
  listings: DirectoryListing[];
  next?: string;
}

export interface Filters {
  topic: string;
  format: string;
  place: string;
  language: string;
  openSeats: boolean;
}

export type FilterName = keyof Filters;

export const NO_FILTERS: Filters = { topic: '', format: '', place: '', language: '', openSeats: false };

/** The query string of one page: only the filters set, then the widget's own organisation and page size. */
export const queryOf = (filters: Filters, page: { org?: string; limit?: number; cursor?: string } = {}) => {
  const query = new URLSearchParams();
  for (const name of ['topic', 'format', 'place', 'language'] as const) {
    const value = filters[name].trim();
    if (value) query.set(name, value);
  }
  if (filters.openSeats) query.set('openSeats', 'true');
  if (page.org) query.set('org', page.org);
  if (page.limit) query.set('limit', String(page.limit));
  if (page.cursor) query.set('cursor', page.cursor);
  const text = query.toString();
  return text ? `?${text}` : '';
};

export const FORMATS: [string, string][] = [
  ['online', 'Online'],
  ['in-person', 'In person'],
  ['hybrid', 'Online and in person'],
];

const formatName = (format: string | undefined) => FORMATS.find(([value]) => value === format)?.[1] ?? format;

/** A language's name in the reader's language (`pt-BR` -> "Brazilian Portuguese"), or its code. */
export const languageName = (code: string, locale?: string) => {
  try {
    return new Intl.DisplayNames(locale ? [locale] : undefined, { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
};

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export const isFull = (listing: DirectoryListing) => listing.seatsLeft <= 0;

/** "3 of 8 seats left", "Full — join the waitlist"; programs count their mentors' open places. */
export const seatsText = (listing: DirectoryListing) => {
  if (listing.kind === 'program') {
    return isFull(listing)
      ? 'All mentors are matched \u2014 join the waitlist'
      : `${plural(listing.seatsLeft, 'mentor place', 'mentor places')} open`;
  }
  if (isFull(listing)) return 'Full \u2014 join the waitlist';
  return listing.seats
    ? `${listing.seatsLeft} of ${plural(listing.seats, 'seat', 'seats')} left`
    : `${plural(listing.seatsLeft, 'seat', 'seats')} left`;
};

/** The link's words name the listing, so each link makes sense on its own (WCAG 2.4.4). */
export const joinText = (listing: DirectoryListing) =>
  listing.kind === 'program'
    ? `Sign up for ${listing.name}`
    : isFull(listing)
      ? `Join the waitlist for ${listing.name}`
      : `Join ${listing.name}`;

/** How and where it meets, in one line: "In person · Northfield main campus · English". */
export const meetsText = (listing: DirectoryListing, locale?: string) =>
  [
    formatName(listing.format),
    listing.place,
    listing.language ? languageName(listing.language, locale) : undefined,
  ]
    .filter(Boolean)
    .join(' \u00b7 ');

/** The next session in the reader's own zone (or the one given), with the zone named. */
export const sessionText = (at: string, options: { locale?: string; timeZone?: string } = {}) =>
  new Intl.DateTimeFormat(options.locale, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
    timeZone: options.timeZone,
  }).format(new Date(at));

/** What the live region says after a search or "more". */
export const countText = (shown: number, more: boolean) =>
  shown === 0
    ? 'No groups match these filters. Try removing some of them.'
    : `Showing ${plural(shown, 'result', 'results')}.${more ? ' More are available.' : ''}`;

/** The filter values seen so far, for the topic and place suggestions and the language choices. */
export const choicesOf = (listings: DirectoryListing[]) => {
  const sorted = (values: (string | undefined)[]) =>
    [...new Set(values.filter((v): v is string => !!v))].sort((a, b) => a.localeCompare(b));
  return {
    topics: sorted(listings.flatMap((l) => l.topics)),
    places: sorted(listings.map((l) => l.place)),
    languages: sorted(listings.map((l) => l.language)),
  };
};

export const FILTER_LABELS: Record<FilterName, string> = {
  topic: 'Topic',
  format: 'How it meets',
  place: 'City or campus',
  language: 'Language',
  openSeats: 'Only with open seats',
};

/**
 * A failed request in words: the filters a 422 names (by their pointer), and the rest as one message.
 * Anything not about a filter (a cursor gone stale, a directory that does not exist) is not the reader's doing.
 */
export const problemMessages = (status: number, problem: unknown) => {
  const body = (problem ?? {}) as { errors?: { pointer?: string; detail?: string }[] };
  const fields: Partial<Record<FilterName, string>> = {};
  if (status === 422 && Array.isArray(body.errors)) {
    for (const error of body.errors) {
      const name = error.pointer?.slice(1) as FilterName;
      if (name in FILTER_LABELS) fields[name] ??= sentence(error.detail ?? 'not valid');
    }
  }
  if (Object.keys(fields).length > 0) return { fields, message: 'Please check the filters marked below.' };
  if (status === 404)
    return { fields, message: 'This directory does not exist. Please tell the website\u2019s owner.' };
  if (status === 429 || status === 503)
    return { fields, message: 'The directory is busy right now. Please try again in a moment.' };
  return { fields, message: 'The directory could not load. Please try again later.' };
};
