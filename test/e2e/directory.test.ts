import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../shared/adapters/tokens';
import { LISTING_CHECK_LINK_TTL_SECONDS } from '../../shared/domain/directory';
import { LISTING_CHECK_PURPOSE } from '../../shared/domain/links';
import { linkIn, signupBody, startTestRuntime, type TestRuntime } from '../helpers/local';
import { ARTIFACTS, accessibilityViolations, focused, launchChromium, newPage, tabTo } from './browser';

/**
 * The directory widget in a real browser (Debian's Chromium, headless) on the demo organisation's page, another
 * origin than the API: the demo groups with their seat counts, one seat fewer after a member joins (seen on
 * the widget's own minute refresh, with its ETag), a group gone once its contact answered "closed"; filters,
 * paging and the keyboard on a third site. Screenshots are kept in test-artifacts/e2e/.
 */

let local: TestRuntime;
let browser: Browser;
let elsewhere: Server;
let elsewhereUrl: string;

beforeAll(async () => {
  local = await startTestRuntime();
  browser = await launchChromium();
  // The start's directory sync lists the demo organisations.
  await local.settle();
  // Any site may show a public directory: this one is on no organisation's list of origins.
  elsewhere = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><html lang="en"><head><title>A parents' forum</title></head><body><main><h1>Support near you</h1><script src="${local.base}/embed.js" data-directory="nonprofit" data-page-size="1" async></script></main></body></html>`,
    );
  });
  await new Promise<void>((done) => elsewhere.listen(0, '127.0.0.1', done));
  elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await browser?.close();
  await new Promise((done) => (elsewhere ? elsewhere.close(done) : done(undefined)));
  await local?.stop();
});

const widgetOf = (page: Page) => page.locator('kindred-directory');
const articles = (page: Page) => widgetOf(page).getByRole('article');
const listing = (page: Page, name: string) =>
  articles(page).filter({ has: page.getByRole('heading', { name }) });
const headings = (page: Page) => widgetOf(page).getByRole('heading', { level: 3 }).allTextContents();

/** A member takes a seat as the API sees it: signs up, then follows the verification link. */
const joinGroup = async (orgId: string, programId: string) => {
  const body = signupBody({ role: 'member', programId });
  expect((await local.post(`/v1/orgs/${orgId}/signups`, body)).status).toBe(202);
  await local.settle();
  const [email] = await local.emailsTo(body.email);
  expect((await fetch(linkIn(email?.text ?? ''))).status).toBe(200);
  await local.settle();
};

/**
 * The "closed" link of the group's "still running?" email, signed with the runtime's key. The email itself
 * comes 90 days after listing (test/integration/directories.test.ts moves the clock that far); this test
 * starts at the link, to stay short.
 */
const closedLink = async (orgId: string, groupId: string) => {
  const { tokenSigning } = JSON.parse(readFileSync(join(local.dataDir, 'secrets.json'), 'utf8'));
  const token = issueToken(
    tokenSigning,
    { purpose: LISTING_CHECK_PURPOSE, orgId, subject: groupId },
    new Date(await local.clockNow()),
    LISTING_CHECK_LINK_TTL_SECONDS,
  );
  return `${local.base}/v1/listing-checks?token=${encodeURIComponent(token)}&answer=closed`;
};

describe('the directory widget in a browser', () => {
  it('shows the demo groups with live seat counts, one fewer after a member joins, and none once closed', async () => {
    // Prepare: the widget's minute timer is moved by hand (the page clock), not waited for
    const page = await newPage(browser);
    await page.clock.install();
    const statuses: number[] = [];
    const conditional: string[] = [];
    page.on('response', async (response) => {
      if (!response.url().includes('/v1/directories/university')) return;
      statuses.push(response.status());
      const asked = await response.request().allHeaders();
      if (asked['if-none-match']) conditional.push(asked['if-none-match']);
    });

    // Act
    await page.goto(local.runtime.endpoints().demo);

    // Assess: the university's own groups and program, in the demo site's page
    expect(new URL(page.url()).origin).not.toBe(new URL(local.base).origin);
    await expect.poll(() => articles(page).count(), { timeout: 10_000 }).toBe(3);
    expect((await headings(page)).sort()).toEqual([
      'Exam stress peer circle',
      'First-year peer mentoring',
      'International students\u2019 coffee group',
    ]);
    const coffee = listing(page, 'International students\u2019 coffee group');
    const stress = listing(page, 'Exam stress peer circle');
    expect(await coffee.locator('.seats').textContent()).toBe('2 of 2 seats left');
    expect(await stress.locator('.seats').textContent()).toBe('10 of 10 seats left');
    expect(await listing(page, 'First-year peer mentoring').locator('.seats').textContent()).toBe(
      'All mentors are matched \u2014 join the waitlist',
    );
    // Mondays at 17:00 in London, told in the reader's zone (the browser's is London too).
    expect(await stress.locator('time').textContent()).toMatch(/^Monday \d{1,2} \w+ at 17:00 (GMT|BST)$/);
    expect(await stress.textContent()).toContain('Online with live captions; cameras optional.');
    expect(await coffee.getByRole('link').getAttribute('href')).toBe(
      `${local.base}/v1/orgs/demo-university/form.html`,
    );
    expect(await coffee.getByRole('link').textContent()).toBe(
      'Join International students\u2019 coffee group',
    );
    expect(await widgetOf(page).getByRole('status').textContent()).toBe('Showing 3 results.');
    await expect
      .poll(() => widgetOf(page).locator('#kd-about').textContent())
      .toBe('Groups and mentoring at Northfield University');
    expect(await accessibilityViolations(page, 'kindred-directory')).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}/directory-1-demo-page.png`, fullPage: true });

    // Act: a minute passes with nothing changed
    await page.clock.fastForward('01:01');

    // Assess: asked again with its ETag, and told "not modified"
    await expect.poll(() => statuses).toContain(304);
    expect(conditional.length).toBeGreaterThan(0);

    // Act: a member joins the coffee group through the API; a minute later the widget asks again
    await joinGroup('demo-university', 'international-coffee');
    await page.clock.fastForward('01:01');

    // Assess
    await expect.poll(() => coffee.locator('.seats').textContent()).toBe('1 of 2 seats left');
    await page.screenshot({ path: `${ARTIFACTS}/directory-2-seat-taken.png`, fullPage: true });

    // Act: the exam-stress group's contact answers "closed" on the check page, in the browser
    const answerPage = await newPage(browser);
    await answerPage.goto(await closedLink('demo-university', 'exam-stress-circle'));
    expect(
      await answerPage
        .getByRole('radio', { name: 'It has closed: take it out of the directory' })
        .isChecked(),
    ).toBe(true);
    await answerPage.getByRole('button', { name: 'Send my answer' }).click();
    await answerPage.waitForLoadState();
    await local.settle();
    // The reader comes back to the tab.
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));

    // Assess
    await expect.poll(() => articles(page).count()).toBe(2);
    expect(await headings(page)).not.toContain('Exam stress peer circle');
    expect(await widgetOf(page).getByRole('status').textContent()).toBe('Showing 2 results.');
    expect(await accessibilityViolations(page, 'kindred-directory')).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}/directory-3-group-closed.png`, fullPage: true });
    await answerPage.context().close();
    await page.context().close();
  }, 60_000);

  it('filters with the keyboard and pages with "Show more" on any site, announcing the results', async () => {
    // Prepare
    const page = await newPage(browser);

    // Act
    await page.goto(elsewhereUrl);

    // Assess: one result a page (the page size the site chose), and more to come
    await expect.poll(() => articles(page).count(), { timeout: 10_000 }).toBe(1);
    const status = widgetOf(page).getByRole('status');
    expect(await status.textContent()).toBe('Showing 1 result. More are available.');
    expect(await widgetOf(page).locator('#kd-about').textContent()).toBe(
      'Groups and mentoring programs in the nonprofit directory',
    );

    // Act: "Show more" with the keyboard
    await tabTo(page, 'kd-more');
    await page.keyboard.press('Enter');

    // Assess: the second result arrives, focused, and the count is read out
    await expect.poll(() => articles(page).count()).toBe(2);
    expect((await headings(page)).sort()).toEqual([
      'New parents\u2019 support circle',
      'Peer mentoring for new parents',
    ]);
    await expect.poll(() => status.textContent()).toBe('Showing 2 results.');
    expect(await page.evaluate(() => document.activeElement?.shadowRoot?.activeElement?.tagName)).toBe(
      'ARTICLE',
    );
    expect(await widgetOf(page).locator('#kd-more').isHidden()).toBe(true);

    // Act: only groups with open seats, chosen with the keyboard
    expect(await widgetOf(page).locator('#kd-language option').allTextContents()).toEqual([
      'Any language',
      'English',
    ]);
    await tabTo(page, 'kd-openSeats');
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('button');
    await page.keyboard.press('Enter');

    // Assess: the mentoring program, without a free mentor, drops out
    await expect.poll(() => headings(page)).toEqual(['New parents\u2019 support circle']);
    await expect.poll(() => status.textContent()).toBe('Showing 1 result.');
    expect(await accessibilityViolations(page, 'kindred-directory')).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}/directory-4-filtered.png`, fullPage: true });
    await page.context().close();
  }, 60_000);
});
