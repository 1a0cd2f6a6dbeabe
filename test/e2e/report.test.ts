import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, signupBody, startTestRuntime, type TestRuntime } from '../helpers/local';
import { ARTIFACTS, accessibilityViolations, launchChromium, newPage } from './browser';

/**
 * The program report page in a real browser (Debian's Chromium, headless): a program seeded through the
 * public routes (a pair matched and then ended as not a good fit, and one signup not yet verified) shows its charts, each an image with a
 * title, and its figures, opened from the link a coordinator asks for with their API key; its CSV downloads;
 * axe finds nothing serious. The screenshot is kept in test-artifacts/e2e/.
 */

const ORG = 'demo-university';
const PROGRAM = 'first-year-mentoring';

let local: TestRuntime;
let browser: Browser;

beforeAll(async () => {
  local = await startTestRuntime();
  browser = await launchChromium();
  await local.confirm(ORG, signupBody({ interests: ['poetry'] }));
  await local.confirm(ORG, signupBody({ role: 'mentor', interests: ['poetry'] }));
  expect((await local.post(`/v1/orgs/${ORG}/signups`, signupBody())).status).toBe(202);
  await local.settle();
  const made = await eventually(async () => (await local.eventsOf('MatchMade'))[0]);
  const end = `matches/${made.detail.matchId}/ending`;
  expect((await local.admin('PUT', ORG, end, { reason: 'not-a-good-fit' })).status).toBe(200);
  await local.settle();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await local?.stop();
});

describe('program report page (browser)', () => {
  it('shows the seeded program’s charts and figures, accessibly', async () => {
    // Prepare: a browser cannot send the API key, so the coordinator asks for a link with it.
    const created = await local.post(
      `/v1/admin/orgs/${ORG}/programs/${PROGRAM}/report-links`,
      '',
      await local.orgKey(ORG),
    );
    expect(created.status).toBe(201);
    const { url } = (await created.json()) as { url: string };
    const page = await newPage(browser);

    // Act
    const response = await page.goto(url);

    // Assess
    expect(response?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      'Program report: First-year peer mentoring',
    );
    const charts = page.getByRole('img');
    await expect(charts.count()).resolves.toBe(3);
    await expect(page.getByRole('img', { name: 'From signup to lasting pairs' }).isVisible()).resolves.toBe(
      true,
    );
    await expect(page.getByRole('img', { name: 'Signups and matches by week' }).isVisible()).resolves.toBe(
      true,
    );
    await expect(page.getByRole('img', { name: 'Early closures by reason' }).isVisible()).resolves.toBe(true);
    const funnel = page.getByRole('table', { name: 'From signup to lasting pairs' });
    const countOf = (stage: string) =>
      funnel.getByRole('row', { name: stage, exact: false }).first().getByRole('cell').textContent();
    await expect(countOf('Signed up')).resolves.toBe('3');
    await expect(countOf('Verified')).resolves.toBe('2');
    await expect(countOf('Pairs matched')).resolves.toBe('1');
    const closures = page.getByRole('table', { name: 'Early closures by reason' });
    await expect(
      closures.getByRole('row', { name: 'Not a good fit' }).getByRole('cell').textContent(),
    ).resolves.toBe('1');
    const svgText = await page.locator('svg.chart').first().textContent();
    expect(svgText).toContain('Signed up');
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download as CSV' }).click();
    const csv = await (await download).path();
    expect(readFileSync(csv, 'utf8').split('\r\n')).toContain('signups,3');
    await expect(accessibilityViolations(page, 'main')).resolves.toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'program-report.png'), fullPage: true });
  });
});
