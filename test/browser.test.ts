// The interactive docs in a real browser: headless Chromium opens /docs, calls say through
// Swagger UI's "Try it out", and sees Rust's answer. A screenshot is kept for a human to look at.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { chromium, type BrowserContext } from 'playwright-core';
import { serve, type OffloadServer } from '../src/server/index.js';
import { repoRoot, tempDir } from './helpers/cli.js';
import { buildCrate } from './helpers/serve-client.js';

let server: OffloadServer;
let browser: BrowserContext;
let profile: { path: string; remove: () => Promise<void> };
// Outside the repo: a run's picture, not a file to commit.
const screenshotPath = path.join(tmpdir(), 'offload-browser-docs-say.png');

before(async () => {
  await promisify(execFile)('bash', [path.join(repoRoot, 'scripts', 'install-chromium.sh')]);
  server = await serve([await buildCrate('examples/hello')], { port: 0, logger: false });
  profile = await tempDir('chromium-profile');
  // A fresh profile per run; Playwright passes it to Chromium as --user-data-dir.
  browser = await chromium.launchPersistentContext(profile.path, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
});
after(async () => {
  await browser?.close();
  await server?.close();
  await profile?.remove();
});

test('/docs calls say from the page and shows "hello World"', async () => {
  const page = await browser.newPage();
  const offsite: string[] = [];
  // The docs must work offline: every request the page makes stays on this server.
  page.on('request', (request) => {
    if (!request.url().startsWith(server.url) && !request.url().startsWith('data:')) offsite.push(request.url());
  });
  await page.goto(`${server.url}/docs`);
  const operation = page.locator('#operations-hello-hello_say');
  await operation.locator('.opblock-summary').click();
  const tryItOut = operation.getByRole('button', { name: 'Try it out' });
  if (await tryItOut.isVisible()) await tryItOut.click();
  await operation.locator('textarea.body-param__text').fill('["World"]');
  await operation.getByRole('button', { name: 'Execute' }).click();
  const responseBody = operation.locator('.responses-wrapper .live-responses-table .response-col_description pre').first();
  await responseBody.waitFor();
  assert.match((await responseBody.textContent()) ?? '', /"hello World"/);
  await page.screenshot({ path: screenshotPath, fullPage: true });
  assert.deepEqual(offsite, []);
  process.stdout.write(`# screenshot: ${screenshotPath}\n`);
});
