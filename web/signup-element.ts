import type { FormConfig } from '../shared/domain/signup-form';
import { type Attrs, h } from './dom';
import {
  accessibleAccent,
  choiceLabel,
  choiceOf,
  type Errors,
  FIELDS,
  type FieldName,
  type FormValues,
  fieldError,
  fieldsFor,
  parseChoice,
  problemErrors,
  type Role,
  requestBody,
  validate,
} from './form-logic';
import { styles } from './styles';

/**
 * `<kindred-signup org="…">`: an organisation's signup form in a shadow root. It loads the organisation's
 * form configuration, checks each field as the person leaves it (and again as they correct it), lists every
 * problem in a focused summary on submit, and ends on "Check your email". Native controls only, so it is
 * operable by keyboard and announced by screen readers without extra scripting.
 */

const DAYS: [string, string][] = [
  ['mon', 'Monday'],
  ['tue', 'Tuesday'],
  ['wed', 'Wednesday'],
  ['thu', 'Thursday'],
  ['fri', 'Friday'],
  ['sat', 'Saturday'],
  ['sun', 'Sunday'],
];

const errorId = (field: string) => `k-${field}-error`;
const errorLine = (field: string) => h('p', { class: 'error', id: errorId(field) });
const optional = () => h('span', { class: 'hint' }, '(optional)');

export class KindredSignup extends HTMLElement {
  static apiBase = '';
  #root?: ShadowRoot;
  #config?: FormConfig;
  #form?: HTMLFormElement;
  #errors: Errors = {};
  #sending = false;
  #slots = 0;

  connectedCallback() {
    if (this.#root) return;
    this.#root = this.attachShadow({ mode: 'open' });
    void this.#load();
  }

  get #api() {
    return (this.getAttribute('api') ?? KindredSignup.apiBase).replace(/\/$/, '');
  }

  get #orgPath() {
    return `${this.#api}/v1/orgs/${encodeURIComponent(this.getAttribute('org') ?? '')}`;
  }

  #show(accent: string | undefined, ...content: Node[]) {
    const root = this.#root as ShadowRoot;
    root.replaceChildren(
      h('style', {}, styles(accessibleAccent(accent))),
      h('div', { class: 'card' }, ...content),
    );
  }

  async #load() {
    this.#show(undefined, h('p', { role: 'status' }, 'Loading the signup form\u2026'));
    try {
      const response = await fetch(`${this.#orgPath}/form`, { credentials: 'omit' });
      if (!response.ok) throw new Error(String(response.status));
      this.#config = (await response.json()) as FormConfig;
    } catch {
      // A refused origin looks like a network failure to the page (no CORS header): say what to check.
      this.#show(
        undefined,
        h(
          'div',
          { role: 'alert' },
          h('h2', {}, 'The signup form could not load'),
          h(
            'p',
            {},
            'Please try again later. If you run this website: check that its address is among the organisation\u2019s allowed origins.',
          ),
        ),
      );
      return;
    }
    this.#render(this.#config);
  }

  #render(config: FormConfig) {
    const choices = config.programs.flatMap((program) =>
      program.roles.map((role) => ({ value: choiceOf(program.programId, role), program, role })),
    );
    const initial = choices.length === 1 ? choices[0]?.value : undefined;
    const form = h(
      'form',
      { novalidate: true, 'aria-labelledby': 'k-title' },
      h(
        'div',
        { class: 'summary', tabindex: '-1', hidden: true, id: 'k-summary' },
        h('div', { role: 'alert' }, h('h3', {}, 'There is a problem'), h('ul')),
      ),
      h('p', { class: 'hint' }, 'All fields are required unless marked (optional).'),
      this.#group(
        'choice',
        'What would you like to do?',
        'radio',
        choices.map((c) => [
          c.value,
          config.programs.length > 1
            ? `${choiceLabel(c.program, c.role)}: ${c.program.name}`
            : choiceLabel(c.program, c.role),
        ]),
        { checked: initial, hidden: choices.length === 1 },
      ),
      this.#text('name', 'Your name', { autocomplete: 'name' }),
      this.#text(
        'email',
        'Email address',
        { type: 'email', autocomplete: 'email', spellcheck: 'false' },
        'We send a link to confirm it. We never show it to anyone.',
      ),
      this.#timezone(),
      h(
        'div',
        { 'data-show': 'mentoring' },
        this.#group(
          'languages',
          'Languages you can meet in',
          'checkbox',
          config.languages.map((l) => [l.code, l.name]),
        ),
        this.#availability(),
        this.#group(
          'format',
          'How would you like to meet?',
          'radio',
          [
            ['online', 'Online'],
            ['in-person', 'In person'],
            ['either', 'Either'],
          ],
          { optional: true },
        ),
        h(
          'div',
          { 'data-show': 'city' },
          this.#text('city', 'Town or city, to meet in person', { optional: true }),
        ),
        h(
          'div',
          { 'data-show': 'capacity' },
          this.#text(
            'capacity',
            'How many mentees can you take at once?',
            {
              type: 'number',
              min: '1',
              max: '10',
              inputmode: 'numeric',
              optional: true,
            },
            'From 1 to 10. Leave empty for the program\u2019s usual number.',
          ),
        ),
        this.#group(
          'experiences',
          'Experiences you have lived through',
          'checkbox',
          config.experiences.map((t) => [t, t]),
          { optional: true, hint: 'What you would like to share with your match.' },
        ),
        this.#group(
          'interests',
          'Interests',
          'checkbox',
          config.interests.map((t) => [t, t]),
          { optional: true },
        ),
        this.#group(
          'goals',
          'What you hope to get from it',
          'checkbox',
          config.goals.map((t) => [t, t]),
          { optional: true },
        ),
      ),
      h(
        'fieldset',
        { class: 'consent', 'data-field': 'consent', 'aria-describedby': errorId('consent') },
        h('legend', {}, 'Your consent'),
        h('p', { id: 'k-consent-text' }, config.consent.text),
        h(
          'label',
          { class: 'opt' },
          h('input', {
            type: 'checkbox',
            id: 'k-consent',
            name: 'consent',
            'aria-describedby': `k-consent-text ${errorId('consent')}`,
          }),
          h('span', {}, 'I agree'),
        ),
        errorLine('consent'),
      ),
      h(
        'div',
        { class: 'trap', 'aria-hidden': 'true' },
        h('label', { for: 'k-website' }, 'Leave this field empty'),
        h('input', { type: 'text', id: 'k-website', name: 'website', tabindex: '-1', autocomplete: 'off' }),
      ),
      h('p', { class: 'status', role: 'status', id: 'k-status' }),
      h('button', { type: 'submit', class: 'primary' }, 'Sign up'),
    );
    this.#form = form;
    form.addEventListener('change', (event) => this.#changed(event.target as HTMLElement));
    form.addEventListener('input', (event) => this.#edited(event.target as HTMLElement));
    form.addEventListener('focusout', (event) => this.#left(event as FocusEvent));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#submit();
    });
    const logo = config.branding.logoUrl?.startsWith('https://')
      ? h('img', { src: config.branding.logoUrl, alt: '' })
      : undefined;
    this.#show(
      config.branding.colour,
      h('header', {}, logo, h('h2', { id: 'k-title' }, `Sign up with ${config.name}`)),
      form,
    );
    this.#addSlot();
    this.#updateVisibility();
  }

  #text(name: FieldName, label: string, options: Attrs & { optional?: boolean } = {}, hint?: string) {
    const { optional: isOptional, ...attrs } = options;
    const hintId = hint ? `k-${name}-hint` : undefined;
    return h(
      'div',
      { class: 'field', 'data-field': name },
      h(
        'label',
        { for: `k-${name}` },
        label,
        isOptional && optional(),
        hint && h('span', { class: 'hint', id: hintId }, hint),
      ),
      h('input', {
        type: 'text',
        ...attrs,
        id: `k-${name}`,
        name,
        'aria-describedby': [hintId, errorId(name)].filter(Boolean).join(' '),
      }),
      errorLine(name),
    );
  }

  #timezone() {
    const zones =
      (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
    const field = this.#text(
      'timezone',
      'Your time zone',
      { list: 'k-zones', autocomplete: 'off', spellcheck: 'false' },
      'So meeting times suit you, e.g. Europe/London.',
    );
    field.append(h('datalist', { id: 'k-zones' }, ...zones.map((zone) => h('option', { value: zone }))));
    const input = field.querySelector('input') as HTMLInputElement;
    input.value = Intl.DateTimeFormat().resolvedOptions().timeZone ?? '';
    return field;
  }

  #group(
    name: FieldName,
    legend: string,
    type: 'radio' | 'checkbox',
    options: [string, string][],
    extra: { optional?: boolean; hint?: string; checked?: string; hidden?: boolean } = {},
  ) {
    const hintId = extra.hint ? `k-${name}-hint` : undefined;
    return h(
      'fieldset',
      {
        id: `k-${name}`,
        'data-field': name,
        'aria-describedby': [hintId, errorId(name)].filter(Boolean).join(' '),
        hidden: extra.hidden,
      },
      h(
        'legend',
        {},
        legend,
        extra.optional && optional(),
        extra.hint && h('span', { class: 'hint', id: hintId }, extra.hint),
      ),
      h(
        'div',
        { class: type === 'checkbox' ? 'choices' : '' },
        ...options.map(([value, text], i) =>
          h(
            'label',
            { class: 'opt' },
            h('input', { type, name, value, id: `k-${name}-${i}`, checked: value === extra.checked }),
            h('span', {}, text),
          ),
        ),
      ),
      errorLine(name),
    );
  }

  #availability() {
    const add = h('button', { type: 'button', class: 'secondary' }, 'Add another time');
    add.addEventListener('click', () => this.#addSlot(true));
    return h(
      'fieldset',
      {
        id: 'k-availability',
        'data-field': 'availability',
        class: 'box',
        'aria-describedby': `k-availability-hint ${errorId('availability')}`,
      },
      h(
        'legend',
        {},
        'When are you free each week?',
        h(
          'span',
          { class: 'hint', id: 'k-availability-hint' },
          'In your time zone, 24-hour times like 18:00.',
        ),
      ),
      h('div', { id: 'k-slots' }),
      add,
      errorLine('availability'),
    );
  }

  #addSlot(focus = false) {
    const n = ++this.#slots;
    const id = (part: string) => `k-slot-${n}-${part}`;
    const remove = h(
      'button',
      { type: 'button', class: 'secondary', 'aria-label': `Remove time ${n}` },
      'Remove',
    );
    const row = h(
      'div',
      { class: 'slot', role: 'group', 'aria-label': `Time ${n}` },
      h(
        'div',
        {},
        h('label', { for: id('day') }, 'Day'),
        h(
          'select',
          { id: id('day'), 'data-slot': 'day' },
          ...DAYS.map(([value, text]) => h('option', { value }, text)),
        ),
      ),
      h(
        'div',
        {},
        h('label', { for: id('from') }, 'From'),
        h('input', {
          type: 'text',
          id: id('from'),
          'data-slot': 'from',
          inputmode: 'numeric',
          placeholder: '18:00',
          'aria-describedby': `k-availability-hint ${errorId('availability')}`,
        }),
      ),
      h(
        'div',
        {},
        h('label', { for: id('to') }, 'To'),
        h('input', {
          type: 'text',
          id: id('to'),
          'data-slot': 'to',
          inputmode: 'numeric',
          placeholder: '20:00',
          'aria-describedby': `k-availability-hint ${errorId('availability')}`,
        }),
      ),
      remove,
    );
    remove.addEventListener('click', () => {
      row.remove();
      (this.#form?.querySelector('#k-availability button:last-of-type') as HTMLElement | null)?.focus();
    });
    this.#root?.getElementById('k-slots')?.append(row);
    if (focus) (row.querySelector('select') as HTMLSelectElement).focus();
  }

  #values(): FormValues {
    const form = this.#form as HTMLFormElement;
    const all = (name: string) =>
      [...form.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)].map((i) => i.value);
    const text = (name: string) => form.querySelector<HTMLInputElement>(`input[name="${name}"]`)?.value ?? '';
    const slot = (row: Element, part: string) =>
      (row.querySelector<HTMLInputElement | HTMLSelectElement>(`[data-slot="${part}"]`)?.value ?? '').trim();
    return {
      choice: all('choice')[0] ?? '',
      name: text('name'),
      email: text('email'),
      timezone: text('timezone'),
      languages: all('languages'),
      availability: [...form.querySelectorAll('.slot')].map((row) => ({
        day: slot(row, 'day'),
        from: slot(row, 'from'),
        to: slot(row, 'to'),
      })),
      format: all('format')[0] ?? '',
      city: text('city'),
      capacity: text('capacity'),
      experiences: all('experiences'),
      interests: all('interests'),
      goals: all('goals'),
      consent: all('consent').length > 0,
      website: text('website'),
    };
  }

  #updateVisibility() {
    const config = this.#config as FormConfig;
    const values = this.#values();
    const chosen = parseChoice(config, values.choice);
    const shown = {
      ...fieldsFor(chosen?.program, chosen?.role as Role | undefined),
      city: values.format !== 'online',
    };
    for (const section of this.#form?.querySelectorAll<HTMLElement>('[data-show]') ?? []) {
      section.hidden = !shown[section.dataset.show as keyof typeof shown];
    }
  }

  #fieldOf(target: HTMLElement) {
    return (target.closest('[data-field]') as HTMLElement | null)?.dataset.field as FieldName | undefined;
  }

  #check(field: FieldName) {
    this.#setError(field, fieldError(this.#config as FormConfig, this.#values(), field));
  }

  #changed(target: HTMLElement) {
    const field = this.#fieldOf(target);
    if (field === 'choice' || field === 'format') this.#updateVisibility();
    if (field && (this.#errors[field] || target.matches('input[type=checkbox],input[type=radio]')))
      this.#check(field);
  }

  #edited(target: HTMLElement) {
    const field = this.#fieldOf(target);
    if (field && this.#errors[field]) this.#check(field);
  }

  #left(event: FocusEvent) {
    const field = this.#fieldOf(event.target as HTMLElement);
    if (!field || field === 'choice' || field === 'consent') return;
    const next = event.relatedTarget as HTMLElement | null;
    // Groups are judged once focus leaves the whole group, not between its own boxes.
    if (next && this.#fieldOf(next) === field) return;
    if (field === 'availability' && !next?.closest('#k-availability')) this.#check(field);
    else if (field !== 'availability') this.#check(field);
  }

  #setError(field: FieldName, message: string | undefined) {
    if (message) this.#errors[field] = message;
    else delete this.#errors[field];
    const line = this.#root?.getElementById(errorId(field));
    if (line) line.textContent = message ? `Error: ${message}` : '';
    const container = this.#form?.querySelector(`[data-field="${field}"]`);
    for (const control of container?.querySelectorAll(
      'input:not([type=checkbox]):not([type=radio]),select',
    ) ?? []) {
      if (message) control.setAttribute('aria-invalid', 'true');
      else control.removeAttribute('aria-invalid');
    }
  }

  #showErrors(errors: Errors) {
    for (const field of FIELDS) this.#setError(field, errors[field]);
    const summary = this.#root?.getElementById('k-summary') as HTMLElement;
    const list = summary.querySelector('ul') as HTMLUListElement;
    list.replaceChildren(
      ...(Object.entries(errors) as [FieldName, string][]).map(([field, message]) => {
        const target = this.#form?.querySelector<HTMLElement>(
          `[data-field="${field}"] input:not([type=hidden]),[data-field="${field}"] select`,
        );
        if (!target) return h('li', {}, message);
        const link = h('a', { href: `#${target.id}` }, message);
        link.addEventListener('click', (event) => {
          event.preventDefault();
          target.focus();
        });
        return h('li', {}, link);
      }),
    );
    summary.hidden = false;
    summary.focus();
  }

  async #submit() {
    if (this.#sending) return;
    const config = this.#config as FormConfig;
    const values = this.#values();
    const errors = validate(config, values);
    if (Object.keys(errors).length > 0) return this.#showErrors(errors);
    const status = this.#root?.getElementById('k-status') as HTMLElement;
    const button = this.#form?.querySelector('button[type=submit]') as HTMLButtonElement;
    this.#sending = true;
    button.setAttribute('aria-disabled', 'true');
    status.textContent = 'Sending\u2026';
    try {
      const response = await fetch(`${this.#orgPath}/signups`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(requestBody(config, values)),
        credentials: 'omit',
      });
      if (response.status === 202) return this.#done();
      this.#showErrors(problemErrors(response.status, await response.json().catch(() => undefined)));
    } catch {
      this.#showErrors({
        form: 'We could not reach the signup service. Check your connection and try again.',
      });
    } finally {
      this.#sending = false;
      button.removeAttribute('aria-disabled');
      status.textContent = '';
    }
  }

  #done() {
    const config = this.#config as FormConfig;
    const done = h(
      'div',
      { tabindex: '-1', id: 'k-done' },
      h('h2', {}, 'Check your email'),
      h(
        'p',
        {},
        `We have sent you a link to confirm your signup with ${config.name}. It is valid for 7 days.`,
      ),
      h('p', {}, 'Nothing there in a few minutes? Look in your spam or junk folder.'),
    );
    this.#show(config.branding.colour, done);
    done.focus();
  }
}
