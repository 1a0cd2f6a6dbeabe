import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AllowedOrigin, allowsOrigin } from '../../shared/domain/organisation';
import { SignupRequest } from '../../shared/domain/participant';
import { SignupForm } from '../../shared/domain/signup';
import { defaultChoices, formConfig } from '../../shared/domain/signup-form';
import { buildEmbed, EMBED_BUDGET_GZIP_BYTES } from '../../web/build';
import {
  accessibleAccent,
  choiceOf,
  contrastRatio,
  type FormValues,
  fieldError,
  fieldOfPointer,
  problemErrors,
  requestBody,
  validate,
} from '../../web/form-logic';
import { organisation } from '../fixtures/domain';

const noSeatsTaken = { seated: async () => 0 };

const values = (overrides: Partial<FormValues> = {}): FormValues => ({
  choice: choiceOf('youth-mentoring', 'mentee'),
  name: 'Ada Lovelace',
  email: 'ada@example.org',
  timezone: 'Europe/London',
  languages: ['en'],
  availability: [{ day: 'tue', from: '18:00', to: '20:00' }],
  format: '',
  city: '',
  capacity: '',
  experiences: [],
  interests: [],
  goals: [],
  consent: true,
  website: '',
  ...overrides,
});

describe('the form configuration', () => {
  it('offers the defaults of the organisation\u2019s kind, or its own lists', async () => {
    // Act
    const defaults = await formConfig(organisation, noSeatsTaken);
    const own = await formConfig(
      { ...organisation, form: { interests: ['chess'], languages: ['pt-BR'] } },
      noSeatsTaken,
    );

    // Assess
    expect(defaults.experiences).toEqual(defaultChoices.nonprofit.experiences);
    expect(own.interests).toEqual(['chess']);
    expect(own.goals).toEqual(defaultChoices.nonprofit.goals);
    expect(own.languages).toEqual([{ code: 'pt-BR', name: 'Brazilian Portuguese' }]);
  });

  it('marks a peer group full when every seat is taken, and open otherwise', async () => {
    // Act
    const full = await formConfig(organisation, { seated: async () => 8 });
    const open = await formConfig(organisation, { seated: async () => 7 });

    // Assess
    expect(full.programs.map((p) => p.status)).toEqual(['open', 'full']);
    expect(open.programs.map((p) => p.status)).toEqual(['open', 'open']);
  });
});

describe('allowed origins', () => {
  it.each([
    'https://www.example.org',
    'https://example.org:8443',
    'http://localhost:3001',
    'http://127.0.0.1:3001',
  ])('accepts %s', (origin) => {
    expect(AllowedOrigin.safeParse(origin).success).toBe(true);
  });

  it.each([
    'http://www.example.org',
    'https://www.example.org/',
    'https://www.example.org/signup',
    'https://*.example.org',
    'www.example.org',
    'null',
  ])('refuses %s', (origin) => {
    expect(AllowedOrigin.safeParse(origin).success).toBe(false);
  });

  it('matches an origin exactly, never by prefix or suffix', () => {
    const org = { allowedOrigins: ['https://example.org'] };
    expect(allowsOrigin(org, 'https://example.org')).toBe(true);
    expect(allowsOrigin(org, 'https://example.org.evil.example')).toBe(false);
    expect(allowsOrigin(org, 'https://evil-example.org')).toBe(false);
    expect(allowsOrigin({}, 'https://example.org')).toBe(false);
  });
});

describe('the form\u2019s checks agree with the server\u2019s schema', () => {
  const serverAccepts = (field: keyof SignupRequest, value: unknown) => {
    const result = SignupRequest.safeParse({ ...requestBody({ ...config }, values()), [field]: value });
    return !result.success ? !result.error.issues.some((i) => i.path[0] === field) : true;
  };
  let config: Awaited<ReturnType<typeof formConfig>>;

  it.each([
    ['name', 'Ada Lovelace'],
    ['name', 'José María Núñez-García'],
    ['name', "Seán O'Brien"],
    ['name', '李小龍'],
    ['name', 'J.R.R. Tolkien'],
    ['name', ''],
    ['name', '   '],
    ['name', 'visit www.spam.example'],
    ['name', 'http://spam.example'],
    ['name', 'Robert; DROP TABLE'],
    ['name', '12345'],
    ['name', 'x'.repeat(101)],
    ['email', 'ada@example.org'],
    ['email', 'ada@example'],
    ['email', 'ada example.org'],
    ['email', ''],
    ['timezone', 'Europe/London'],
    ['timezone', 'America/Argentina/Buenos_Aires'],
    ['timezone', 'Mars/Olympus'],
    ['timezone', 'CET'],
  ] as const)('%s %j', async (field, value) => {
    // Prepare
    config = await formConfig(organisation, noSeatsTaken);

    // Act
    const formSays = fieldError(config, values({ [field]: value }), field) === undefined;

    // Assess
    expect(formSays).toBe(serverAccepts(field, value));
  });

  it.each([
    [[{ day: 'tue', from: '18:00', to: '20:00' }], true],
    [[{ day: 'tue', from: '20:00', to: '18:00' }], false],
    [[{ day: 'tue', from: '6pm', to: '20:00' }], false],
    [[{ day: 'tue', from: '24:00', to: '24:30' }], false],
  ])('availability %j', async (slots, ok) => {
    // Prepare
    config = await formConfig(organisation, noSeatsTaken);

    // Act
    const formSays = fieldError(config, values({ availability: slots }), 'availability') === undefined;

    // Assess
    expect(formSays).toBe(ok);
    expect(serverAccepts('availability', slots)).toBe(ok);
  });
});

describe('what the form sends', () => {
  it.each([
    ['a mentee', values()],
    [
      'a mentor with a capacity and tags',
      values({
        choice: choiceOf('youth-mentoring', 'mentor'),
        capacity: '3',
        experiences: ['job loss'],
        interests: ['music'],
        format: 'in-person',
        city: 'Bristol',
      }),
    ],
    [
      'a group member',
      values({ choice: choiceOf('grief-circle', 'member'), languages: [], availability: [] }),
    ],
  ])('is exactly what the signup API takes, for %s', async (_who, form) => {
    // Prepare
    const config = await formConfig(organisation, noSeatsTaken);

    // Act
    const body = requestBody(config, form);

    // Assess
    expect(validate(config, form)).toEqual({});
    const parsed = SignupForm.safeParse(body);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
  });

  it('asks a peer group member for no mentoring fields and a mentee for no capacity', async () => {
    // Prepare
    const config = await formConfig(organisation, noSeatsTaken);

    // Act
    const member = requestBody(config, values({ choice: choiceOf('grief-circle', 'member'), capacity: '2' }));
    const mentee = requestBody(config, values({ capacity: '2' }));

    // Assess
    expect(member).not.toHaveProperty('languages');
    expect(member).not.toHaveProperty('availability');
    expect(member).toMatchObject({ programId: 'grief-circle', role: 'member' });
    expect(mentee).not.toHaveProperty('capacity');
  });

  it('lists every missing answer of an empty form', async () => {
    // Prepare
    const config = await formConfig(organisation, noSeatsTaken);

    // Act
    const errors = validate(
      config,
      values({ name: '', email: '', languages: [], availability: [], consent: false }),
    );

    // Assess
    expect(Object.keys(errors).sort()).toEqual(['availability', 'consent', 'email', 'languages', 'name']);
  });
});

describe('server problems on the form', () => {
  it('puts each field problem next to its field and the rest in the summary', () => {
    // Act
    const errors = problemErrors(422, {
      errors: [
        { pointer: '/availability/0/to', detail: '`from` must be before `to`' },
        { pointer: '/programId', detail: 'Unknown program at this organisation' },
        { pointer: '/website', detail: 'must be left empty' },
      ],
    });

    // Assess
    expect(errors).toEqual({
      availability: '`from` must be before `to`',
      choice: 'Unknown program at this organisation',
      form: 'website: must be left empty',
    });
    expect(fieldOfPointer('/email')).toBe('email');
    expect(fieldOfPointer('/isAdmin')).toBeUndefined();
  });

  it('explains a refused origin, a busy service and anything else', () => {
    expect(problemErrors(403, {}).form).toMatch(/website may not use this signup form/);
    expect(problemErrors(503, {}).form).toMatch(/try again in a moment/);
    expect(problemErrors(500, { title: 'Something went wrong on our side' }).form).toMatch(
      /^Something went wrong/,
    );
  });
});

describe('the organisation\u2019s colour', () => {
  it.each(['#116644', '#1f4e79', '#ffeb3b', '#87ceeb', '#ffffff', 'red', undefined])(
    'becomes a button colour with at least 4.5:1 against white text: %s',
    (colour) => {
      expect(contrastRatio(accessibleAccent(colour), '#ffffff')).toBeGreaterThanOrEqual(4.5);
    },
  );

  it('is kept as given when it already has enough contrast', () => {
    expect(accessibleAccent('#1f4e79')).toBe('#1f4e79');
    expect(accessibleAccent('#ffeb3b')).not.toBe('#ffeb3b');
  });

  it('computes WCAG contrast ratios', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });
});

describe('embed.js (the form and the directory widget)', () => {
  it(`stays within its budget of ${EMBED_BUDGET_GZIP_BYTES / 1024} KB gzipped`, async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'kindred-embed-'));

    try {
      // Act
      const built = await buildEmbed(dir);

      // Assess
      expect(built.file).toBe(join(dir, 'embed.js'));
      expect(built.gzipBytes).toBeGreaterThan(0);
      expect(built.gzipBytes).toBeLessThanOrEqual(EMBED_BUDGET_GZIP_BYTES);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
