import { describe, expect, it } from 'vitest';
import { alreadySignedUpEmail, firstName, verificationEmail } from '../../shared/email/templates';

const link = 'https://api.kindred.test/v1/verify?token=abc.def&x=1';

describe('verificationEmail', () => {
  const email = verificationEmail.render({
    brand: { orgName: 'Riverside Mentors', colour: '#116644' },
    firstName: 'Ada',
    link,
    validDays: 7,
  });

  it('names the organisation in the subject', () => {
    expect(email.subject).toBe('Please confirm your email for Riverside Mentors');
  });

  it('carries the link in the text part as is and in the HTML part escaped', () => {
    expect(email.text).toContain(`Confirm your email: ${link}\n`);
    expect(email.html).toContain('href="https://api.kindred.test/v1/verify?token=abc.def&#38;x=1"');
    expect(email.html).not.toContain('x=1"&');
  });

  it('says how long the link works', () => {
    expect(email.text).toContain('The link works for 7 days.');
  });

  it('uses the organisation colour when it is a hex colour', () => {
    expect(email.html).toContain('background:#116644');
  });

  it('falls back to the default colour rather than inserting arbitrary CSS', () => {
    const html = verificationEmail.render({
      brand: { orgName: 'X', colour: 'red;background:url(https://evil.example)' },
      firstName: 'Ada',
      link,
      validDays: 7,
    }).html;
    expect(html).toContain('background:#2f5d8a');
    expect(html).not.toContain('evil.example');
  });

  it('escapes names in the HTML part', () => {
    const html = verificationEmail.render({
      brand: { orgName: 'Tom & Jerry <Club>' },
      firstName: '<script>alert(1)</script>',
      link,
      validDays: 7,
    }).html;
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;');
    expect(html).toContain('Tom &#38; Jerry &#60;Club&#62;');
  });
});

describe('alreadySignedUpEmail', () => {
  it('tells the person nothing changed, with no link', () => {
    const email = alreadySignedUpEmail.render({ brand: { orgName: 'Riverside Mentors' }, firstName: 'Ada' });
    expect(email.subject).toBe('You are already signed up with Riverside Mentors');
    expect(email.text).toContain('Hi Ada,');
    expect(email.html).not.toContain('href=');
  });
});

describe('firstName', () => {
  it.each([
    ['Ada Lovelace', 'Ada'],
    ['  Ada   King  ', 'Ada'],
    ['Prince', 'Prince'],
  ])('takes the first word of %j', (name, first) => {
    expect(firstName(name)).toBe(first);
  });
});
