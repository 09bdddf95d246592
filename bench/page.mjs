// The benchmark page (bench/browser.html) in headless Chromium, served cross-origin
// isolated by the tests' server; any request off that server is refused.
import { chromium } from 'playwright-core';
import { serve } from '../tests/browser/serve.mjs';

/** Opens the page once it is ready; `close()` ends the browser and the server. */
export async function benchPage() {
  const server = await serve({ isolate: true });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const page = await browser.newPage();
  await page.route('**/*', (r) => (r.request().url().startsWith(server.origin) ? r.continue() : r.abort()));
  await page.goto(`${server.origin}/bench/browser.html`);
  await page.waitForFunction(() => window.ready === true);
  const close = async () => {
    await browser.close();
    await server.close();
  };
  return { page, close };
}
