import { describe, expect, it } from 'vitest';
import { isTimeZone, normaliseEmail, SignupRequest } from '../../shared/domain/participant';
import { fieldErrors } from '../../shared/http/problem';
import { fullSignup, minimalSignup } from '../fixtures/domain';

/** The pointers of the fields a body is refused for, as the API would name them. */
const badFields = (body: unknown) => {
  const result = SignupRequest.safeParse(body);
  return result.success ? [] : fieldErrors(result.error).map((e) => e.pointer);
};

describe('SignupRequest', () => {
  it('accepts the minimal body', () => {
    expect(SignupRequest.parse(minimalSignup)).toEqual(minimalSignup);
  });

  it('accepts a body using every optional field', () => {
    expect(SignupRequest.parse(fullSignup)).toEqual(fullSignup);
  });

  it('trims the name and tags', () => {
    const parsed = SignupRequest.parse({ ...minimalSignup, name: '  Ada  ', interests: [' chess '] });
    expect(parsed.name).toBe('Ada');
    expect(parsed.interests).toEqual(['chess']);
  });

  it.each([
    ['email', { email: 'not-an-address' }, '/email'],
    ['email too long', { email: `${'a'.repeat(250)}@example.org` }, '/email'],
    ['blank name', { name: '   ' }, '/name'],
    ['name too long', { name: 'a'.repeat(101) }, '/name'],
    ['name carrying a link', { name: 'https://evil.example/login' }, '/name'],
    ['name that is a bare domain', { name: 'www.evil.example' }, '/name'],
    ['name naming a domain', { name: 'Visit evil.com now' }, '/name'],
    ['name carrying markup', { name: 'Ada <b>Lovelace</b>' }, '/name'],
    ['role', { role: 'coach' }, '/role'],
    ['timezone', { timezone: 'Mars/Base' }, '/timezone'],
    ['consent false', { consent: false }, '/consent'],
    ['consent as a string', { consent: 'true' }, '/consent'],
    ['programId', { programId: 'Youth Mentoring' }, '/programId'],
    ['an empty interest', { interests: ['chess', ''] }, '/interests/1'],
    ['too many goals', { goals: Array.from({ length: 21 }, (_, i) => `goal ${i}`) }, '/goals'],
    ['a language', { languages: ['en', 'English'] }, '/languages/1'],
    [
      'an availability day',
      { availability: [{ day: 'monday', from: '09:00', to: '10:00' }] },
      '/availability/0/day',
    ],
    [
      'an availability time',
      { availability: [{ day: 'mon', from: '0900', to: '10:00' }] },
      '/availability/0/from',
    ],
    ['an hour past 23', { availability: [{ day: 'mon', from: '09:00', to: '24:00' }] }, '/availability/0/to'],
    [
      'a slot ending before it starts',
      { availability: [{ day: 'mon', from: '10:00', to: '09:00' }] },
      '/availability/0/to',
    ],
    ['format', { format: 'by-post' }, '/format'],
    ['blank city', { city: ' ' }, '/city'],
  ])('names the field of a bad %s', (_, change, pointer) => {
    expect(badFields({ ...minimalSignup, ...change })).toEqual([pointer]);
  });

  it('names only `from` when `from` is not a time, not also `to` as "before" it', () => {
    // '9am' sorts after '10:00', so the from-before-to check must not run on a time that is not HH:MM.
    expect(badFields({ ...minimalSignup, availability: [{ day: 'mon', from: '9am', to: '10:00' }] })).toEqual(
      ['/availability/0/from'],
    );
  });

  it.each([
    "Zoë O'Neil-Ng",
    'José María',
    '李小龍',
    'Nguyễn Văn A',
    'J. R. R. Tolkien',
    'J.R.R. Tolkien',
    'Siân Llŷr',
    'علی‌رضا',
    'ශ්‍රී ලාල්',
    'Marcel·la Puig',
    '阿依古丽·艾买提',
    'ジョン・スミス',
    'ג׳ניפר',
    'בן־גוריון',
    'Jean‐Luc',
    'Mary Smith, Jr.',
    '’Abdu’l-Bahá',
    'Kaʻiulani',
  ])('accepts the name %s', (name) => {
    expect(badFields({ ...minimalSignup, name })).toEqual([]);
  });

  it('names every missing required field', () => {
    expect(badFields({}).sort()).toEqual(['/consent', '/email', '/name', '/role', '/timezone']);
  });

  it('names each bad field of a body with several', () => {
    expect(badFields({ ...minimalSignup, email: 'x', role: 42, consent: false }).sort()).toEqual([
      '/consent',
      '/email',
      '/role',
    ]);
  });

  it('refuses an unknown field, naming it', () => {
    expect(badFields({ ...minimalSignup, isAdmin: true })).toEqual(['/isAdmin']);
  });

  it('refuses an unknown field inside an availability slot, naming it', () => {
    expect(
      badFields({ ...minimalSignup, availability: [{ day: 'mon', from: '09:00', to: '10:00', tz: 'x' }] }),
    ).toEqual(['/availability/0/tz']);
  });

  it('refuses a body that is not an object, pointing at the whole document', () => {
    expect(badFields([minimalSignup])).toEqual(['']);
    expect(badFields('hello')).toEqual(['']);
  });
});

describe('isTimeZone', () => {
  it.each([
    'Europe/London',
    'America/Argentina/Buenos_Aires',
    'Asia/Kolkata',
    'Pacific/Chatham',
    'Etc/GMT+5',
    'UTC',
  ])('accepts the IANA zone %s', (zone) => {
    expect(isTimeZone(zone)).toBe(true);
  });

  it.each(['Mars/Base', 'Europe/Atlantis', '', '/', 'Europe/'])(
    'refuses %j, which no runtime knows',
    (zone) => {
      expect(isTimeZone(zone)).toBe(false);
    },
  );

  it.each(['EST5EDT', 'GMT', 'CET', '+01:00', '-0500'])(
    'refuses %j: Intl knows it, but it is a legacy or offset name, not an Area/Location zone',
    (zone) => {
      expect(isTimeZone(zone)).toBe(false);
    },
  );
});

describe('normaliseEmail', () => {
  it('trims and lower-cases the address for recognising a repeat', () => {
    expect(normaliseEmail('  Ada.Lovelace@Example.ORG ')).toBe('ada.lovelace@example.org');
  });
});
