import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/** What the browser tests share: Debian's Chromium, headless, a British visitor, and axe-core. */

const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (path): path is string => !!path && existsSync(path),
);
export const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts/e2e');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export const launchChromium = () => {
  if (!CHROMIUM) throw new Error('Chromium not found: apt-get install chromium (or set CHROMIUM_PATH)');
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
};

export const newPage = async (browser: Browser) => {
  const context = await browser.newContext({
    timezoneId: 'Europe/London',
    locale: 'en-GB',
    viewport: { width: 1100, height: 900 },
  });
  return context.newPage();
};

/** The focused element, looking into shadow roots: its id, or its tag when it has none. */
export const focused = (page: Page) =>
  page.evaluate(() => {
    let active = document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    return active?.id || active?.tagName.toLowerCase() || '';
  });

/** Presses Tab until the element with this id has focus, as a keyboard user moves through the page. */
export const tabTo = async (page: Page, id: string) => {
  for (let presses = 0; presses < 80; presses++) {
    if ((await focused(page)) === id) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`#${id} was never reached with Tab`);
};

/** axe-core on one element (and its shadow root): the serious and critical violations. */
export const accessibilityViolations = async (page: Page, selector: string) => {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async (include) => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            context: unknown,
            options: unknown,
          ) => Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }>;
        };
      }
    ).axe;
    const result = await axe.run(
      { include: [[include]] },
      { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    );
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  }, selector);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
};
