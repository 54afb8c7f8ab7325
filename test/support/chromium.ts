import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/**
 * Real Chromium from Debian (/usr/bin/chromium), headless, with the flags that
 * keep it off the network: it talks only to the loopback servers under test.
 * Playwright gives each launch a fresh temporary profile.
 */
export async function launchChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
      '--disable-features=Translate,OptimizationHints,MediaRouter',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

/** Saves a screenshot under test-results/screenshots so people can look at the pages. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = join(process.cwd(), 'test-results', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

/**
 * The page as it stands at desktop and phone width: nothing wider than the
 * window, a screenshot of each (`<name>-1280`, `<name>-390`); the page's own
 * size is put back afterwards, so the test goes on as it was.
 */
export async function atBothWidths(page: Page, name: string): Promise<void> {
  const before = page.viewportSize();
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    // A string for the page to run: tsc has no DOM library here.
    const overflow = (await page.evaluate('document.scrollingElement.scrollWidth - window.innerWidth')) as number;
    if (overflow > 0) throw new Error(`${name} at ${width} px is ${overflow} px wider than the window`);
    await screenshot(page, `${name}-${width}`);
  }
  if (before) await page.setViewportSize(before);
}

/** Waits for the page's main heading (its h1) to read `name`: what a person checks first on every step. */
export const heading = (page: Page, name: string | RegExp) => page.getByRole('heading', { name, level: 1 }).waitFor();
