import type { FormConfig, FormProgram } from '../shared/domain/signup-form';

/**
 * The signup form's rules, free of the DOM so unit tests run them in Node. They mirror the server's schema
 * (shared/domain/participant.ts; a unit test compares the two) only to help people as they type: the server
 * stays the judge, and its problems are shown next to the fields they name.
 */

export type Role = 'mentor' | 'mentee' | 'member';

export interface Slot {
  day: string;
  from: string;
  to: string;
}

export interface FormValues {
  /** `<programId>|<role>`: what the person wants to do. */
  choice: string;
  name: string;
  email: string;
  timezone: string;
  languages: string[];
  availability: Slot[];
  format: string;
  city: string;
  capacity: string;
  experiences: string[];
  interests: string[];
  goals: string[];
  consent: boolean;
  /** The honeypot: hidden from people, filled by bots. */
  website: string;
}

export type FieldName = Exclude<keyof FormValues, 'website'> | 'form';
export type Errors = Partial<Record<FieldName, string>>;

export const choiceOf = (programId: string, role: Role) => `${programId}|${role}`;

export const parseChoice = (config: FormConfig, choice: string) => {
  const [programId, role] = choice.split('|');
  const program = config.programs.find((p) => p.programId === programId);
  return program?.roles.includes(role as Role) ? { program, role: role as Role } : undefined;
};

/** The words for each thing a person can sign up to do. */
export const choiceLabel = (program: FormProgram, role: Role) =>
  role === 'mentee'
    ? 'Find a mentor'
    : role === 'mentor'
      ? 'Become a mentor'
      : program.status === 'full'
        ? 'Join the waiting list (the group is full)'
        : 'Join the group';

/** Which fields a choice asks for: mentoring needs what matching needs; mentors say how many they can take. */
export const fieldsFor = (program: FormProgram | undefined, role: Role | undefined) => ({
  mentoring: program?.kind === 'mentoring',
  capacity: program?.kind === 'mentoring' && role === 'mentor',
});

// The server's name rule (letters in any script, the punctuation names use), nothing that reads as a link.
const NAME = /^[\p{L}'’][\p{L}\p{M}\p{Zs}.,'’\-\u2010\u2011\u05BE\u05F3\u05F4\u00B7\u30FB\u200C\u200D]*$/u;
const LINK_LIKE = /:\/\/|www\.|\.\p{L}{2,}/iu;
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone.includes('/') || zone === 'UTC';
  } catch {
    return false;
  }
};

const nameError = (raw: string) => {
  const name = raw.trim();
  if (!name) return 'Enter your name';
  if (name.length > 100) return 'Use 100 characters or fewer';
  if (!NAME.test(name)) return 'Use letters, with spaces, hyphens, apostrophes or dots';
  if (LINK_LIKE.test(name)) return 'Enter your name, not a web address';
  return undefined;
};

const slotError = (slots: Slot[]) => {
  for (const [i, slot] of slots.entries()) {
    const which = slots.length > 1 ? ` (time ${i + 1})` : '';
    if (!TIME.test(slot.from) || !TIME.test(slot.to)) return `Enter times as HH:MM, like 18:00${which}`;
    if (slot.from >= slot.to) return `The end must be after the start${which}`;
  }
  return undefined;
};

/** The message for one field, or undefined when it is fine. */
export const fieldError = (config: FormConfig, values: FormValues, field: FieldName): string | undefined => {
  const chosen = parseChoice(config, values.choice);
  const shown = fieldsFor(chosen?.program, chosen?.role);
  switch (field) {
    case 'choice':
      return chosen ? undefined : 'Choose what you would like to do';
    case 'name':
      return nameError(values.name);
    case 'email': {
      const email = values.email.trim();
      if (!email) return 'Enter your email address';
      return EMAIL.test(email) && email.length <= 254
        ? undefined
        : 'Enter an email address like name@example.org';
    }
    case 'timezone':
      return isTimeZone(values.timezone.trim()) ? undefined : 'Enter a time zone such as Europe/London';
    case 'languages':
      if (!shown.mentoring) return undefined;
      if (values.languages.length === 0) return 'Choose at least one language you can meet in';
      return values.languages.length > 10 ? 'Choose at most 10 languages' : undefined;
    case 'availability':
      if (!shown.mentoring) return undefined;
      if (values.availability.length === 0) return 'Add at least one weekly time you are free';
      return slotError(values.availability);
    case 'capacity': {
      if (!shown.capacity || values.capacity.trim() === '') return undefined;
      const n = Number(values.capacity);
      return Number.isInteger(n) && n >= 1 && n <= 10 ? undefined : 'Enter a whole number from 1 to 10';
    }
    case 'city':
      return values.city.trim().length > 100 ? 'Use 100 characters or fewer' : undefined;
    case 'experiences':
    case 'interests':
    case 'goals':
      return values[field].length > 20 ? 'Choose at most 20' : undefined;
    case 'consent':
      return values.consent ? undefined : 'You need to agree to this to sign up';
    default:
      return undefined;
  }
};

export const FIELDS: FieldName[] = [
  'choice',
  'name',
  'email',
  'timezone',
  'languages',
  'availability',
  'format',
  'city',
  'capacity',
  'experiences',
  'interests',
  'goals',
  'consent',
];

export const validate = (config: FormConfig, values: FormValues): Errors => {
  const errors: Errors = {};
  for (const field of FIELDS) {
    const message = fieldError(config, values, field);
    if (message) errors[field] = message;
  }
  return errors;
};

/** Exactly the body `POST /v1/orgs/{orgId}/signups` takes: only what the chosen program asks for. */
export const requestBody = (config: FormConfig, values: FormValues) => {
  const chosen = parseChoice(config, values.choice);
  const shown = fieldsFor(chosen?.program, chosen?.role);
  const body: Record<string, unknown> = {
    email: values.email.trim(),
    name: values.name.trim(),
    role: chosen?.role,
    timezone: values.timezone.trim(),
    consent: values.consent,
    programId: chosen?.program.programId,
    website: values.website,
  };
  if (shown.mentoring) {
    body.languages = values.languages;
    body.availability = values.availability;
    for (const tags of ['experiences', 'interests', 'goals'] as const) {
      if (values[tags].length) body[tags] = values[tags];
    }
    if (values.format) body.format = values.format;
    if (values.format !== 'online' && values.city.trim()) body.city = values.city.trim();
  }
  if (shown.capacity && values.capacity.trim()) body.capacity = Number(values.capacity);
  return body;
};

/** The form field a server problem's pointer names (`/availability/0/to` -> availability), if it shows one. */
export const fieldOfPointer = (pointer: string): FieldName | undefined => {
  const first = pointer.split('/')[1];
  if (first === 'role' || first === 'programId') return 'choice';
  return FIELDS.includes(first as FieldName) ? (first as FieldName) : undefined;
};

/** Field errors from a server problem body; anything not tied to a shown field goes to `form`. */
export const problemErrors = (status: number, problem: unknown): Errors => {
  const body = (problem ?? {}) as {
    title?: string;
    detail?: string;
    errors?: { pointer?: string; detail?: string }[];
  };
  const errors: Errors = {};
  if (status === 422 && Array.isArray(body.errors)) {
    for (const error of body.errors) {
      const field = fieldOfPointer(error.pointer ?? '') ?? 'form';
      const detail = error.detail ?? 'This is not valid';
      errors[field] =
        errors[field] ??
        (field === 'form' ? `${error.pointer?.slice(1) || 'form'}: ${detail}` : sentence(detail));
    }
    return errors;
  }
  if (status === 403)
    return { form: 'This website may not use this signup form. Please tell the website\u2019s owner.' };
  if (status === 413) return { form: 'Your answers are too long to send. Please shorten them.' };
  if (status === 429 || status === 503)
    return { form: 'We are busy right now. Please try again in a moment.' };
  return {
    form: body.title
      ? `${body.title}. Please try again later.`
      : 'Something went wrong. Please try again later.',
  };
};

export const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

// Colour: WCAG 2.1 relative luminance and contrast ratio.

const DEFAULT_ACCENT = '#1f4e79';

const rgbOf = (hex: string) => {
  const match = /^#?([0-9a-f]{6}|[0-9a-f]{3})$/i.exec(hex.trim());
  if (!match) return undefined;
  const digits =
    (match[1] as string).length === 3
      ? [...(match[1] as string)].map((d) => d + d).join('')
      : (match[1] as string);
  return [0, 2, 4].map((i) => Number.parseInt(digits.slice(i, i + 2), 16));
};

const luminance = (rgb: number[]) => {
  const [r = 0, g = 0, b = 0] = rgb.map((value) => {
    const c = value / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};

export const contrastRatio = (a: string, b: string) => {
  const [la, lb] = [rgbOf(a), rgbOf(b)].map((rgb) => luminance(rgb ?? [0, 0, 0])) as [number, number];
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
};

const hexOf = (rgb: number[]) => `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;

/**
 * The organisation's colour for buttons (white text) and focus rings (on white): as given when it reaches
 * 4.5:1 against white, otherwise darkened step by step until it does.
 */
export const accessibleAccent = (colour: string | undefined) => {
  let rgb = rgbOf(colour ?? '') ?? (rgbOf(DEFAULT_ACCENT) as number[]);
  while (contrastRatio(hexOf(rgb), '#ffffff') < 4.5) rgb = rgb.map((c) => c * 0.9);
  return hexOf(rgb);
};
