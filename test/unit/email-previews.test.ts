import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { emailPreviewRoute, emailPreviews, MARKUP_NAME } from '../../infra/local/email-previews';
import { demoOrganisations } from '../../infra/local/seed';
import { Milestone } from '../../shared/events/catalogue';
import { escapeHtml } from '../../shared/http/html';

/** Every email template of the platform has a preview, and every preview is a well-formed email. */

const EMAIL_DIR = fileURLToPath(new URL('../../shared/email/', import.meta.url));

interface Template {
  name: string;
  version: number;
  render: (vars: never) => unknown;
}

const isTemplate = (value: unknown): value is Template =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Template).name === 'string' &&
  typeof (value as Template).version === 'number' &&
  typeof (value as Template).render === 'function';

/** Every exported template of every module in shared/email, so a new template (or file) without a preview fails. */
const exportedTemplates = async () => {
  const files = readdirSync(EMAIL_DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  const found: { file: string; exportName: string; template: Template }[] = [];
  for (const file of files) {
    const module: Record<string, unknown> = await import(join(EMAIL_DIR, file));
    for (const [exportName, value] of Object.entries(module)) {
      if (isTemplate(value)) found.push({ file, exportName, template: value });
    }
  }
  return found;
};

const previews = emailPreviews('https://api.kindred.test');

describe('the email preview catalogue', () => {
  it('previews every template exported from shared/email', async () => {
    const templates = await exportedTemplates();
    // The known templates are found, so the collection itself is not silently empty.
    expect(templates.map((t) => t.template.name)).toEqual(
      expect.arrayContaining(['verification', 'match-made', 'meeting-reminder', 'milestone', 'group-seat']),
    );
    const missing = templates
      .filter(({ template }) => !previews.some((p) => p.template === template))
      .map(({ file, exportName }) => `${file}: ${exportName}`);
    expect(missing).toEqual([]);
  });

  it('names each preview by its template’s own name and version', () => {
    for (const p of previews) {
      expect(p.name).toBe(p.template.name);
      expect(p.version).toBe(p.template.version);
    }
  });

  it('has one preview per template and variant', () => {
    const ids = previews.map((p) => `${p.name}?${p.variant}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('previews every milestone', () => {
    const milestones = previews.filter((p) => p.name === 'milestone').map((p) => p.variant);
    expect(milestones).toEqual(expect.arrayContaining([...Milestone.options]));
  });

  it('previews a mentee and a mentor introduction, and each family of match endings', () => {
    const variants = (name: string) => previews.filter((p) => p.name === name).map((p) => p.variant);
    expect(variants('match-made')).toEqual(expect.arrayContaining(['mentee', 'mentor']));
    for (const name of ['back-in-pool', 'match-ended']) {
      expect(variants(name)).toEqual(
        expect.arrayContaining(['completed', 'ended-by-reader', 'ended-by-other', 'safeguarding-concern']),
      );
    }
  });

  it.each(previews.map((p) => [`${p.name} (${p.variant})`, p] as const))(
    '%s renders a subject, a text part and an accessible HTML part',
    (_, p) => {
      expect(p.email.subject.trim()).not.toBe('');
      expect(p.email.text.trim()).not.toBe('');
      expect(p.email.html).toMatch(/^<!doctype html>/i);
      expect(p.email.html).toMatch(/<html lang="[a-z-]+"/);
      expect(p.email.html).toContain(`<title>${escapeHtml(p.email.subject)}</title>`);
      expect(p.description.trim()).not.toBe('');
    },
  );

  it('uses the demo organisations’ names and colours', () => {
    for (const org of demoOrganisations) {
      const branded = previews.filter((p) => p.orgName === org.name);
      expect(branded.length).toBeGreaterThan(0);
      for (const p of branded) {
        expect(p.email.html).toContain(escapeHtml(org.name));
        expect(p.email.html).toContain(org.branding?.colour ?? '#');
      }
    }
  });

  it('writes a sample value with markup as text in the HTML part, never as markup', () => {
    const marked = previews.filter((p) => p.email.text.includes(MARKUP_NAME));
    expect(marked.length).toBeGreaterThan(0);
    for (const p of marked) {
      expect(p.email.html).toContain(escapeHtml(MARKUP_NAME));
      expect(p.email.subject).toContain(MARKUP_NAME);
    }
    for (const p of previews) {
      expect(p.email.html).not.toContain(MARKUP_NAME);
      expect(p.email.html).not.toMatch(/<b>|<script/i);
    }
  });

  it('points the links in the emails at the given address', () => {
    const verification = previews.find((p) => p.name === 'verification');
    expect(verification?.email.text).toContain('https://api.kindred.test/v1/verify?token=');
  });

  it('carries calendar invites with the meeting emails: REQUEST for reminders, CANCEL for cancellations', () => {
    for (const p of previews.filter((p) => p.name === 'meeting-reminder')) {
      expect(p.calendar?.method).toBe('REQUEST');
      expect(p.calendar?.ics).toContain('METHOD:REQUEST\r\n');
    }
    const cancelled = previews.find((p) => p.name === 'meeting-cancelled');
    expect(cancelled?.calendar?.method).toBe('CANCEL');
    expect(cancelled?.calendar?.ics).toContain('METHOD:CANCEL\r\n');
    expect(cancelled?.calendar?.ics).toContain('STATUS:CANCELLED\r\n');
  });

  it('renders the same previews on every run', () => {
    expect(emailPreviews('https://api.kindred.test')).toEqual(previews);
  });
});

describe('emailPreviewRoute', () => {
  const get = (path: string) =>
    emailPreviewRoute(new URL(path, 'http://127.0.0.1:3000'), 'https://api.kindred.test');

  it('answers nothing for other paths', () => {
    expect(get('/_local/outbox')).toBeUndefined();
    expect(get('/_local/emailsx')).toBeUndefined();
  });

  it('lists every preview as JSON with links to its parts', () => {
    const reply = get('/_local/emails?format=json');
    expect(reply?.status).toBe(200);
    expect(reply?.headers['content-type']).toBe('application/json');
    const list = JSON.parse(reply?.body ?? '[]') as {
      name: string;
      variant: string;
      links: { ics?: string };
    }[];
    expect(list).toHaveLength(previews.length);
    expect(list.find((p) => p.name === 'meeting-cancelled')?.links.ics).toBe(
      '/_local/emails/meeting-cancelled?variant=default&part=ics',
    );
  });

  it('serves the first variant when none is named, and the calendar part as text/calendar', () => {
    expect(get('/_local/emails/match-made')?.body).toBe(
      previews.find((p) => p.name === 'match-made')?.email.html,
    );
    const ics = get('/_local/emails/meeting-reminder?variant=first&part=ics');
    expect(ics?.headers['content-type']).toBe('text/calendar; charset=utf-8; method=REQUEST');
  });

  it.each([
    '/_local/emails/no-such-template',
    '/_local/emails/milestone?variant=no-such-variant',
    '/_local/emails/verification?part=ics',
    '/_local/emails/verification?part=pdf',
    '/_local/emails/%E0%A4%A',
  ])('answers 404 problem+json for %s', (path) => {
    const reply = get(path);
    expect(reply?.status).toBe(404);
    expect(reply?.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(reply?.body ?? '{}')).toMatchObject({ status: 404, title: 'No such email preview' });
  });
});
