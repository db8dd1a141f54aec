/**
 * The /docs page in a real headless Chromium (Debian's `chromium` package, driven by
 * playwright-core): the operations render, "Try it out" on a protected route answers 401
 * without a token and 200 after "Authorize" with one. The page runs under its strict CSP.
 * Screenshots are kept in test-artifacts/ (openapi-docs-overview.png, openapi-docs.png).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { createFullTestApp } from '../examples/full-app.js';
import { signToken, supabaseClaims } from '../support/jwt.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

describe('serveOpenApi: the docs page in headless Chromium', function () {
  this.timeout(90_000);
  let server: Server;
  let base: string;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is not installed at ${CHROMIUM}; the tests need these system packages (see the README): apt-get install -y redis-server redis-tools chromium (.ci/run installs them when missing)`);
    }
    const { app } = createFullTestApp();
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
    } catch (error) {
      throw new Error(`Chromium (${CHROMIUM}) could not start: ${(error as Error).message}`);
    }
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(30_000); // the machine may be busy: generous, never a fixed sleep
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(`console: ${message.text()}`);
    });
    page.on('request', (req) => {
      if (!req.url().startsWith(base) && !req.url().startsWith('data:')) problems.push(`off-host request: ${req.url()}`);
    });
  });

  after(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  const operation = (path: string): Locator =>
    page.locator('.opblock').filter({ has: page.locator('.opblock-summary-path', { hasText: new RegExp(`^${path.replace(/[/{}]/g, '\\$&')}$`) }) }).first();

  async function execute(op: Locator): Promise<string> {
    await op.getByRole('button', { name: 'Execute' }).click();
    const status = op.locator('.live-responses-table tbody .response-col_status').first();
    await status.waitFor();
    return (await status.textContent())?.trim() ?? '';
  }

  it('shows the operations, answers 401 without a token and 200 after Authorize', async () => {
    await page.goto(`${base}/docs`);
    await page.waitForSelector('.opblock', { timeout: 30_000 });
    const paths = await page.locator('.opblock-summary-path').allTextContents();
    for (const path of ['/me', '/admin/stats', '/graphs', '/graphs/{id}', '/store/agents', '/external/graphs/{id}']) {
      assert.ok(paths.includes(path), `${path} is listed (got ${paths.join(', ')})`);
    }

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/openapi-docs-overview.png', fullPage: true });

    const me = operation('/me');
    await me.locator('.opblock-summary').click();
    await me.getByRole('button', { name: 'Try it out' }).click();
    assert.equal(await execute(me), '401');

    const token = await signToken(supabaseClaims({ sub: 'browser-user', email: 'browser@example.com' }));
    await page.locator('.auth-wrapper .authorize').click();
    const bearer = page.locator('.auth-container').filter({ hasText: 'HTTPBearerJWT' });
    await bearer.locator('input').fill(token);
    await bearer.locator('button.authorize').click(); // labelled "Apply credentials"
    await bearer.getByRole('button', { name: 'Remove authorization' }).waitFor(); // the "Logout" button: authorized
    await bearer.locator('button.btn-done').click();

    assert.equal(await execute(me), '200');
    const body = await me.locator('.live-responses-table tbody .response-col_description pre').first().textContent();
    assert.match(body ?? '', /browser-user/);

    await me.screenshot({ path: 'test-artifacts/openapi-docs.png' });

    // persistAuthorization (the default): the token survives a reload.
    await page.reload();
    await page.waitForSelector('.opblock');
    await page.locator('.auth-wrapper .authorize.locked').waitFor();
    const configs = await page.evaluate(() => {
      const ui = (globalThis as unknown as { ui: { getConfigs(): Record<string, unknown> } }).ui.getConfigs();
      return { persistAuthorization: ui.persistAuthorization, deepLinking: ui.deepLinking, docExpansion: ui.docExpansion };
    });
    assert.deepEqual(configs, { persistAuthorization: true, deepLinking: true, docExpansion: 'list' });
    assert.deepEqual(problems, []);
  });
});
