import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../helpers/local';

/** The email previews on the local runtime, as a person opens them: `/_local/emails` and its pages. */

interface Listed {
  name: string;
  version: number;
  variant: string;
  subject: string;
  links: { html: string; text: string; ics?: string };
}

describe('email previews (local runtime)', () => {
  let local: TestRuntime;

  beforeAll(async () => {
    local = await startTestRuntime();
  });

  afterAll(async () => {
    await local?.stop();
  });

  it('lists every preview on an HTML index page, with links to each', async () => {
    const response = await local.api('/_local/emails');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await response.text();
    expect(page).toMatch(/<html lang="en"/);
    expect(page).toContain('<title>');
    for (const name of [
      'verification',
      'match-made',
      'meeting-reminder',
      'milestone',
      'safeguarding-alert',
    ]) {
      expect(page).toContain(`href="/_local/emails/${name}?variant=`);
    }
  });

  it('lists them as JSON, each with its template, version, variant and subject', async () => {
    const response = await local.api('/_local/emails?format=json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const list = (await response.json()) as Listed[];
    expect(list.length).toBeGreaterThan(20);
    expect(list).toContainEqual(
      expect.objectContaining({
        name: 'match-made',
        version: 1,
        variant: 'mentee',
        subject: 'You have a mentor: Priya',
      }),
    );
  });

  it('serves a preview’s HTML part as a page, its text part as text and its invite as a calendar', async () => {
    const list = await local.json<Listed[]>('/_local/emails?format=json');
    const reminder = list.find((p) => p.name === 'meeting-reminder' && p.links.ics);
    if (!reminder?.links.ics) throw new Error('no meeting reminder with an invite in the list');

    const html = await local.api(reminder.links.html);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const body = await html.text();
    expect(body).toContain(`${local.base}/v1/meetings/log?token=`);
    expect(body).toContain('Northfield University');

    const text = await local.api(reminder.links.text);
    expect(text.status).toBe(200);
    expect(text.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await text.text()).toContain('Hi ');

    const ics = await local.api(reminder.links.ics);
    expect(ics.status).toBe(200);
    expect(ics.headers.get('content-type')).toMatch(/^text\/calendar.*method=REQUEST/);
    expect(await ics.text()).toMatch(/^BEGIN:VCALENDAR\r\n/);
  });

  it('answers 404 problem+json for an unknown template or variant', async () => {
    for (const path of [
      '/_local/emails/no-such-email',
      '/_local/emails/milestone?variant=no-such-milestone',
    ]) {
      const response = await local.api(path);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(await response.json()).toMatchObject({ status: 404 });
    }
  });
});
