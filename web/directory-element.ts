import {
  choicesOf,
  countText,
  type DirectoryListing,
  type DirectoryPage,
  FILTER_LABELS,
  type FilterName,
  type Filters,
  FORMATS,
  isFull,
  joinText,
  languageName,
  meetsText,
  NO_FILTERS,
  problemMessages,
  queryOf,
  seatsText,
  sessionText,
} from './directory-logic';
import { h } from './dom';
import { accessibleAccent } from './form-logic';
import { directoryStyles } from './styles';

/**
 * `<kindred-directory directory="university" org="…">`: a public directory's groups and programs in a shadow
 * root, with a labelled filter form, the results as articles under headings, a live region saying how many,
 * "Show more" paging, and seat counts kept live: every minute while the tab is visible, and when it becomes
 * visible again, each page shown is asked again with its ETag, so an unchanged page costs a 304.
 */

const REFRESH_MS = 60_000;

interface LoadedPage {
  /** The cursor it was asked with (none: the first page). */
  cursor?: string;
  etag?: string;
  listings: DirectoryListing[];
  next?: string;
}

class RequestFailed extends Error {
  constructor(
    readonly status: number,
    readonly problem?: unknown,
  ) {
    super(`directory request failed: ${status}`);
  }
}

const errorId = (name: FilterName) => `kd-${name}-error`;

export class KindredDirectory extends HTMLElement {
  static apiBase = '';
  #root?: ShadowRoot;
  #style?: HTMLStyleElement;
  #form?: HTMLFormElement;
  #filters: Filters = NO_FILTERS;
  #pages: LoadedPage[] = [];
  #seen = new Map<string, DirectoryListing>();
  #items = new Map<string, { json: string; item: HTMLLIElement }>();
  #ids = 0;
  /** Bumped by each search: a refresh that started before it must not show the old filters' results. */
  #generation = 0;
  #busy = false;
  #refreshing = false;
  #timer?: ReturnType<typeof setInterval>;
  #onVisibility = () => {
    if (document.visibilityState === 'visible') void this.refresh();
  };

  connectedCallback() {
    if (!this.#root) {
      this.#root = this.attachShadow({ mode: 'open' });
      this.#build();
      void this.#brand();
      void this.#search(NO_FILTERS, false);
    }
    this.#timer ??= setInterval(() => {
      if (document.visibilityState === 'visible') void this.refresh();
    }, REFRESH_MS);
    document.addEventListener('visibilitychange', this.#onVisibility);
  }

  disconnectedCallback() {
    clearInterval(this.#timer);
    this.#timer = undefined;
    document.removeEventListener('visibilitychange', this.#onVisibility);
  }

  get #api() {
    return (this.getAttribute('api') ?? KindredDirectory.apiBase).replace(/\/$/, '');
  }

  get #org() {
    return this.getAttribute('org') ?? undefined;
  }

  #byId<T extends HTMLElement>(id: string) {
    return this.#root?.getElementById(id) as T;
  }

  #build() {
    const field = (name: FilterName, control: HTMLElement, ...extra: Node[]) =>
      h(
        'div',
        { class: 'field' },
        h('label', { for: `kd-${name}` }, FILTER_LABELS[name]),
        control,
        ...extra,
        h('p', { class: 'error', id: errorId(name) }),
      );
    const text = (name: 'topic' | 'place', max: string) =>
      h('input', {
        type: 'text',
        id: `kd-${name}`,
        name,
        list: `kd-${name}-list`,
        maxlength: max,
        autocomplete: 'off',
        'aria-describedby': errorId(name),
      });
    const form = h(
      'form',
      { role: 'search', 'aria-label': 'Filter the directory', novalidate: true },
      h(
        'div',
        { class: 'filters' },
        field('topic', text('topic', '60'), h('datalist', { id: 'kd-topic-list' })),
        field(
          'format',
          h(
            'select',
            { id: 'kd-format', name: 'format', 'aria-describedby': errorId('format') },
            h('option', { value: '' }, 'Any way'),
            ...FORMATS.map(([value, label]) => h('option', { value }, label)),
          ),
        ),
        field('place', text('place', '100'), h('datalist', { id: 'kd-place-list' })),
        field(
          'language',
          h(
            'select',
            { id: 'kd-language', name: 'language', 'aria-describedby': errorId('language') },
            h('option', { value: '' }, 'Any language'),
          ),
        ),
      ),
      h(
        'label',
        { class: 'opt' },
        h('input', { type: 'checkbox', id: 'kd-openSeats', name: 'openSeats' }),
        h('span', {}, FILTER_LABELS.openSeats),
      ),
      h('button', { type: 'submit', class: 'primary' }, 'Show groups'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#search(this.#values(), true);
    });
    this.#form = form;
    const more = h(
      'button',
      { type: 'button', class: 'secondary', id: 'kd-more', hidden: true },
      'Show more',
    );
    more.addEventListener('click', () => void this.#more());
    this.#style = h('style', {}, directoryStyles(accessibleAccent(undefined)));
    this.#root?.replaceChildren(
      this.#style,
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'kd-title' },
        h('h2', { id: 'kd-title' }, 'Find a peer-support group'),
        h(
          'p',
          { class: 'hint', id: 'kd-about' },
          !this.#org && `Groups and mentoring programs in the ${this.getAttribute('directory')} directory`,
        ),
        form,
        h('p', { class: 'error', role: 'alert', id: 'kd-problem' }),
        h('p', { class: 'status', role: 'status', id: 'kd-count' }, 'Loading the directory\u2026'),
        h('ul', { class: 'results', id: 'kd-results', 'aria-label': 'Results' }),
        more,
      ),
    );
  }

  /** The organisation's colour and name, as its form shows them; the defaults when it cannot be read. */
  async #brand() {
    if (!this.#org) return;
    try {
      const response = await fetch(`${this.#api}/v1/orgs/${encodeURIComponent(this.#org)}/form`, {
        credentials: 'omit',
      });
      if (!response.ok) return;
      const config = (await response.json()) as { name?: string; branding?: { colour?: string } };
      if (this.#style) this.#style.textContent = directoryStyles(accessibleAccent(config.branding?.colour));
      if (config.name) this.#name(config.name);
    } catch {
      // The directory works without the organisation's colour.
    }
  }

  #name(orgName: string) {
    this.#byId('kd-about').textContent = `Groups and mentoring at ${orgName}`;
  }

  #values(): Filters {
    const form = this.#form as HTMLFormElement;
    const value = (name: string) =>
      (form.querySelector(`[name="${name}"]`) as HTMLInputElement | HTMLSelectElement).value.trim();
    return {
      topic: value('topic'),
      format: value('format'),
      place: value('place'),
      language: value('language'),
      openSeats: (form.querySelector('[name="openSeats"]') as HTMLInputElement).checked,
    };
  }

  async #get(filters: Filters, cursor?: string, etag?: string) {
    const size = Number(this.getAttribute('page-size')) || undefined;
    const url = `${this.#api}/v1/directories/${encodeURIComponent(this.getAttribute('directory') ?? '')}${queryOf(filters, { org: this.#org, limit: size, cursor })}`;
    // no-store: the browser's cache would answer for a minute and hide a seat just taken.
    const response = await fetch(url, {
      credentials: 'omit',
      cache: 'no-store',
      headers: etag ? { 'if-none-match': etag } : {},
    });
    if (response.status === 304) return undefined;
    if (!response.ok) throw new RequestFailed(response.status, await response.json().catch(() => undefined));
    return {
      page: (await response.json()) as DirectoryPage,
      etag: response.headers.get('etag') ?? undefined,
    };
  }

  #showProblem(error: unknown) {
    const { fields, message } =
      error instanceof RequestFailed
        ? problemMessages(error.status, error.problem)
        : problemMessages(0, undefined);
    this.#byId('kd-problem').textContent = message;
    this.#byId('kd-count').textContent = '';
    for (const name of Object.keys(FILTER_LABELS) as FilterName[]) {
      const detail = fields[name];
      const line = this.#byId(errorId(name));
      if (line) line.textContent = detail ? `Error: ${detail}` : '';
      const control = this.#byId(`kd-${name}`);
      if (detail) control.setAttribute('aria-invalid', 'true');
      else control.removeAttribute('aria-invalid');
    }
  }

  #clearProblem() {
    this.#byId('kd-problem').textContent = '';
    for (const name of Object.keys(FILTER_LABELS) as FilterName[]) {
      const line = this.#byId(errorId(name));
      if (line) line.textContent = '';
      this.#byId(`kd-${name}`).removeAttribute('aria-invalid');
    }
  }

  async #search(filters: Filters, announce: boolean) {
    const generation = ++this.#generation;
    this.#busy = true;
    try {
      const got = await this.#get(filters);
      if (generation !== this.#generation || !got) return;
      this.#clearProblem();
      this.#filters = filters;
      this.#pages = [{ etag: got.etag, listings: got.page.listings, next: got.page.next }];
      this.#show(announce ? 'always' : 'changed');
    } catch (error) {
      if (generation === this.#generation) this.#showProblem(error);
    } finally {
      if (generation === this.#generation) this.#busy = false;
    }
  }

  async #more() {
    const last = this.#pages.at(-1);
    if (this.#busy || !last?.next) return;
    const generation = this.#generation;
    const before = this.#pages.reduce((n, page) => n + page.listings.length, 0);
    this.#busy = true;
    try {
      const got = await this.#get(this.#filters, last.next);
      if (generation !== this.#generation || !got) return;
      this.#clearProblem();
      this.#pages.push({
        cursor: last.next,
        etag: got.etag,
        listings: got.page.listings,
        next: got.page.next,
      });
      this.#show('always');
      // The reader goes on from the first new result, not back to the top.
      (this.#byId('kd-results').children[before]?.querySelector('article') as HTMLElement | null)?.focus();
    } catch (error) {
      this.#showProblem(error);
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Asks again for every page shown, each with its ETag (a 304 keeps it as it is). A page whose cursor changed
   * (the page before it changed) is asked afresh; pages past the new end are dropped.
   */
  async refresh() {
    if (this.#refreshing || this.#busy || this.#pages.length === 0) return;
    const generation = this.#generation;
    this.#refreshing = true;
    try {
      const pages: LoadedPage[] = [];
      let cursor: string | undefined;
      for (const [i, old] of this.#pages.entries()) {
        if (i > 0 && !cursor) break;
        const same = old.cursor === cursor;
        const got = await this.#get(this.#filters, cursor, same ? old.etag : undefined);
        const page = got ? { cursor, etag: got.etag, listings: got.page.listings, next: got.page.next } : old;
        pages.push(page);
        cursor = page.next;
      }
      if (generation !== this.#generation) return;
      this.#pages = pages;
      this.#show('changed');
    } catch {
      // What is shown stays; the next refresh tries again.
    } finally {
      this.#refreshing = false;
    }
  }

  /** Shows the loaded pages, touching only what changed so focus and the reader's place survive a refresh. */
  #show(announce: 'always' | 'changed') {
    const listings = this.#pages.flatMap((page) => page.listings);
    const more = !!this.#pages.at(-1)?.next;
    for (const listing of listings) this.#seen.set(listing.id, listing);
    this.#updateChoices();
    if (this.#org && listings[0]) this.#name(listings[0].orgName);

    const list = this.#byId<HTMLUListElement>('kd-results');
    const items = new Map<string, { json: string; item: HTMLLIElement }>();
    for (const listing of listings) {
      const json = JSON.stringify(listing);
      const kept = this.#items.get(listing.id);
      items.set(listing.id, kept?.json === json ? kept : { json, item: this.#item(listing) });
    }
    const wanted = [...items.values()].map((entry) => entry.item);
    const unchanged =
      wanted.length === list.children.length && wanted.every((item, i) => list.children[i] === item);
    if (!unchanged) {
      const focusKey = (this.#root?.activeElement as HTMLElement | null)?.dataset?.key;
      list.replaceChildren(...wanted);
      if (focusKey && !this.#root?.activeElement)
        (this.#root?.querySelector(`[data-key="${CSS.escape(focusKey)}"]`) as HTMLElement | null)?.focus();
    }
    this.#items = items;
    this.#byId('kd-more').hidden = !more;

    const status = this.#byId('kd-count');
    const text = countText(listings.length, more);
    // The same words again would not be read out: a no-break space makes them new.
    if (announce === 'always') status.textContent = status.textContent === text ? `${text}\u00a0` : text;
    else if (status.textContent?.trim() !== text) status.textContent = text;
  }

  #updateChoices() {
    const { topics, places, languages } = choicesOf([...this.#seen.values()]);
    const fill = (id: string, values: string[]) =>
      this.#byId(id).replaceChildren(...values.map((value) => h('option', { value })));
    fill('kd-topic-list', topics);
    fill('kd-place-list', places);
    const select = this.#byId<HTMLSelectElement>('kd-language');
    const chosen = select.value;
    if (select.options.length - 1 !== languages.length) {
      select.replaceChildren(
        h('option', { value: '' }, 'Any language'),
        ...languages.map((code) => h('option', { value: code }, languageName(code))),
      );
      select.value = chosen;
    }
  }

  #item(listing: DirectoryListing) {
    const heading = `kd-h-${++this.#ids}`;
    const detail = (term: string, value: Node | string | undefined) =>
      value ? h('div', {}, h('dt', {}, term), h('dd', {}, value)) : undefined;
    const session = listing.nextSessionAt
      ? h('time', { datetime: listing.nextSessionAt }, sessionText(listing.nextSessionAt))
      : undefined;
    const safeLink = /^https?:\/\//.test(listing.joinUrl) ? listing.joinUrl : undefined;
    return h(
      'li',
      {},
      h(
        'article',
        { 'aria-labelledby': heading, tabindex: '-1' },
        h('h3', { id: heading }, listing.name),
        h('p', { class: 'org' }, listing.orgName),
        h('p', { class: isFull(listing) ? 'seats full' : 'seats' }, seatsText(listing)),
        h(
          'dl',
          {},
          detail('Meets', meetsText(listing) || undefined),
          detail('Next session', session),
          detail('Topics', listing.topics.join(', ') || undefined),
          detail('Accessibility', listing.accessibility),
        ),
        safeLink && h('a', { class: 'join', href: safeLink, 'data-key': listing.id }, joinText(listing)),
      ),
    );
  }
}
