/**
 * The README's first app runs as written, in both module systems, and the README tells a fresh
 * contributor what the tests need and what "the reference" is.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { TEST_HS_SECRET } from '../support/jwt.js';
import { codeBlocks, runDocScript } from './doc-app.js';

const readme = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');
// Appended to the snippet (tsx does not type-check): one anonymous request to /me on a free loopback port.
const probe = `
const server = app.listen(0, '127.0.0.1', async () => {
  const res = await fetch('http://127.0.0.1:' + server.address().port + '/me');
  console.log('probe', res.status, await res.text());
  server.close();
});
`;
const refused = 'probe 401 {"detail":"Authorization header is missing"}';

describe('README.md', function () {
  this.timeout(60_000);

  it('shows the first app with import (ESM), and it refuses /me without a token', async () => {
    const [app] = codeBlocks(readme, 'ts').filter((block) => block.includes("from 'express-platform-kit/"));
    assert.ok(app, 'an import form');
    const { code, output } = await runDocScript('readme.ts', app + probe, { JWT_VERIFY_KEY: TEST_HS_SECRET });
    assert.equal(code, 0, output);
    assert.ok(output.includes(refused), output);
  });

  it('shows the same app with require (CommonJS), and it refuses /me without a token', async () => {
    const [app] = codeBlocks(readme, 'js').filter((block) => block.includes("require('express-platform-kit/"));
    assert.ok(app, 'a require form');
    const { code, output } = await runDocScript('readme.cjs', app + probe, { JWT_VERIFY_KEY: TEST_HS_SECRET });
    assert.equal(code, 0, output);
    assert.ok(output.includes(refused), output);
  });

  it('names every system package the tests need, with the one apt-get line', () => {
    assert.ok(readme.includes('apt-get install -y redis-server redis-tools chromium'));
  });

  it('says once what "the reference" is', () => {
    assert.match(readme, /Python `autogpt_libs` package — "the reference"/);
  });
});
