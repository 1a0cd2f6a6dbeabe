import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, signupBody, startTestRuntime, type TestRuntime } from '../helpers/local';

/** The embeddable form over HTTP: its configuration, its script, the demo site and per-organisation CORS. */

let local: TestRuntime;
let demoOrigin: string;

beforeAll(async () => {
  local = await startTestRuntime();
  demoOrigin = new URL(local.runtime.endpoints().demo).origin;
});
afterAll(() => local?.stop());

const fromOrigin = (origin: string) => ({ origin });

describe('the signup form over HTTP', () => {
  it('serves the demo organisation page on its own origin, embedding the form with one script tag', async () => {
    // Act
    const page = await fetch(local.runtime.endpoints().demo);
    const html = await page.text();

    // Assess
    expect(page.status).toBe(200);
    expect(demoOrigin).not.toBe(new URL(local.base).origin);
    expect(html).toContain(`<script src="${local.base}/embed.js" data-org="demo-university" async></script>`);
    expect(html).toContain(
      `<script src="${local.base}/embed.js" data-directory="university" data-org="demo-university" async></script>`,
    );
    const script = await local.api('/embed.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toContain('kindred-signup');
  });

  it('answers the form configuration to the demo site, and refuses it to another origin', async () => {
    // Act
    const allowed = await local.api('/v1/orgs/demo-nonprofit/form', { headers: fromOrigin(demoOrigin) });
    const refused = await local.api('/v1/orgs/demo-nonprofit/form', {
      headers: fromOrigin('https://elsewhere.example'),
    });
    const unknown = await local.api('/v1/orgs/no-such-org/form');

    // Assess
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(demoOrigin);
    const config = (await allowed.json()) as { programs: { programId: string; status: string }[] };
    expect(config.programs.map((p) => [p.programId, p.status])).toEqual([
      ['peer-mentoring', 'open'],
      ['new-parents-circle', 'open'],
    ]);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(unknown.status).toBe(404);
  });

  it('accepts a signup from the demo site (preflight, then POST) and sends the verification email', async () => {
    // Prepare
    const body = signupBody({ website: '' });

    // Act
    const preflight = await local.api('/v1/orgs/demo-university/signups', {
      method: 'OPTIONS',
      headers: { ...fromOrigin(demoOrigin), 'access-control-request-method': 'POST' },
    });
    const accepted = await local.post('/v1/orgs/demo-university/signups', body, fromOrigin(demoOrigin));

    // Assess
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(demoOrigin);
    expect(accepted.status).toBe(202);
    expect(accepted.headers.get('access-control-allow-origin')).toBe(demoOrigin);
    const email = await eventually(async () => (await local.outbox()).find((e) => e.to === body.email));
    expect(email.text).toMatch(/\/v1\/verify\?token=/);
  });

  it('stores and sends nothing for a disallowed origin or a filled honeypot', async () => {
    // Prepare
    const elsewhere = signupBody();
    const bot = signupBody({ website: 'https://spam.example' });
    const eventsBefore = (await local.events()).length;

    // Act
    const refused = await local.post(
      '/v1/orgs/demo-university/signups',
      elsewhere,
      fromOrigin('https://elsewhere.example'),
    );
    const trapped = await local.post('/v1/orgs/demo-university/signups', bot, fromOrigin(demoOrigin));
    await local.settle();

    // Assess
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { type: string }).type).toBe('urn:kindred:problem:origin-not-allowed');
    expect(trapped.status).toBe(422);
    expect(((await trapped.json()) as { errors: unknown[] }).errors).toEqual([
      { pointer: '/website', detail: 'must be left empty' },
    ]);
    const sent = (await local.outbox()).filter((e) => e.to === elsewhere.email || e.to === bot.email);
    expect(sent).toEqual([]);
    expect(await local.events()).toHaveLength(eventsBefore);
  });

  it('frames the iframe variant only on the organisation\u2019s origins', async () => {
    // Act
    const page = await local.api('/v1/orgs/demo-nonprofit/form.html', { headers: { accept: 'text/html' } });

    // Assess
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain(`frame-ancestors 'self'`);
    expect(page.headers.get('content-security-policy')).toContain(demoOrigin);
    expect(await page.text()).toContain('<kindred-signup org="demo-nonprofit"');
  });
});
