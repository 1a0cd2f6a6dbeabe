import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, linkIn, startTestRuntime, type TestRuntime } from '../helpers/local';
import {
  ARTIFACTS,
  accessibilityViolations,
  focused,
  launchChromium,
  newPage as pageIn,
  tabTo,
} from './browser';

/**
 * A visitor of an organisation's website, in a real browser (Debian's Chromium, headless): the demo page on
 * its own origin embeds the form; the visitor fills it with the keyboard alone and gets the verification
 * email. Screenshots are kept in test-artifacts/e2e/.
 */

let local: TestRuntime;
let browser: Browser;
let elsewhere: Server;
let elsewhereUrl: string;

beforeAll(async () => {
  local = await startTestRuntime();
  browser = await launchChromium();
  // A third origin no demo organisation allows, embedding the form all the same.
  elsewhere = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><html lang="en"><head><title>Not allowed</title></head><body><main><h1>Someone else's site</h1><script src="${local.base}/embed.js" data-org="demo-university" async></script></main></body></html>`,
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

const newPage = () => pageIn(browser);

/** axe-core on the form inside its shadow root: the serious and critical violations. */
const formViolations = (page: Page) => accessibilityViolations(page, 'kindred-signup');

describe('the embedded signup form in a browser', () => {
  it('is filled and sent with the keyboard alone on the demo organisation page, and the email arrives', async () => {
    // Prepare
    const page = await newPage();
    const email = `keyboard-${Date.now()}@example.org`;
    await page.goto(local.runtime.endpoints().demo);
    const form = page.locator('kindred-signup');
    await expect
      .poll(() => form.getByRole('heading', { name: 'Sign up with Northfield University' }).count())
      .toBe(1);
    expect(new URL(page.url()).origin).not.toBe(new URL(local.base).origin);
    await page.screenshot({ path: `${ARTIFACTS}/1-form.png`, fullPage: true });
    expect(await formViolations(page)).toEqual([]);

    // Act: send it empty first, then fill every required field
    await tabTo(page, 'k-choice-0');
    await page.keyboard.press('Space');
    await page.keyboard.press('Shift+Tab');
    const submit = async () => {
      for (let presses = 0; presses < 80; presses++) {
        await page.keyboard.press('Tab');
        if (
          (await focused(page)) === 'button' &&
          (await page.evaluate(() => {
            let active = document.activeElement;
            while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
            return active?.textContent;
          })) === 'Sign up'
        )
          break;
      }
      await page.keyboard.press('Enter');
    };
    await submit();
    await expect.poll(() => focused(page)).toBe('k-summary');
    const summary = form.locator('#k-summary');
    await expect.poll(() => summary.textContent()).toContain('Enter your name');
    expect(await form.locator('#k-name').getAttribute('aria-invalid')).toBe('true');
    expect(await form.locator('#k-name-error').textContent()).toBe('Error: Enter your name');
    await page.screenshot({ path: `${ARTIFACTS}/2-errors.png`, fullPage: true });
    expect(await formViolations(page)).toEqual([]);

    // The summary's links take the keyboard to each field.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    expect(await focused(page)).toBe('k-name');
    await page.keyboard.type('Ada Lovelace');
    await tabTo(page, 'k-email');
    await page.keyboard.type(email);
    expect(await form.locator('#k-timezone').inputValue()).toBe('Europe/London');
    await tabTo(page, 'k-languages-0');
    await page.keyboard.press('Space');
    await tabTo(page, 'k-slot-1-from');
    await page.keyboard.type('18:00');
    await tabTo(page, 'k-slot-1-to');
    await page.keyboard.type('20:00');
    await tabTo(page, 'k-interests-0');
    await page.keyboard.press('Space');
    await tabTo(page, 'k-consent');
    await page.keyboard.press('Space');
    await submit();

    // Assess
    await expect.poll(() => focused(page), { timeout: 10_000 }).toBe('k-done');
    expect(await form.getByRole('heading', { name: 'Check your email' }).count()).toBe(1);
    await page.screenshot({ path: `${ARTIFACTS}/3-check-your-email.png`, fullPage: true });
    const sent = await eventually(async () => (await local.outbox()).find((e) => e.to === email), 10_000);
    expect(linkIn(sent.text)).toContain('/v1/verify?token=');
    await page.context().close();
  }, 90_000);

  it('cannot be used from an origin the organisation does not allow: a visible error, nothing sent', async () => {
    // Prepare
    const page = await newPage();

    // Act
    await page.goto(elsewhereUrl);

    // Assess
    const alert = page.locator('kindred-signup').getByRole('alert');
    await expect
      .poll(() => alert.textContent(), { timeout: 10_000 })
      .toContain('The signup form could not load');
    await page.screenshot({ path: `${ARTIFACTS}/4-refused-origin.png`, fullPage: true });
    const posted = await page.evaluate(async (api) => {
      try {
        const response = await fetch(`${api}/v1/orgs/demo-university/signups`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        });
        return `status ${response.status}`;
      } catch {
        return 'blocked';
      }
    }, local.base);
    expect(posted).toBe('blocked');
    await page.context().close();
  }, 60_000);

  it('works as an iframe on the allowed demo site', async () => {
    // Prepare
    const page = await newPage();

    // Act
    await page.goto(`${local.runtime.endpoints().demo}harbour-lights`);

    // Assess
    const framed = page.frameLocator('iframe').locator('kindred-signup');
    await expect
      .poll(() => framed.getByRole('heading', { name: 'Sign up with Harbour Lights Community' }).count(), {
        timeout: 10_000,
      })
      .toBe(1);
    expect(await framed.getByRole('radio').count()).toBe(3);
    await page.screenshot({ path: `${ARTIFACTS}/5-iframe.png`, fullPage: true });
    await page.context().close();
  }, 60_000);
});
