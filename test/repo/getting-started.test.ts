/**
 * docs/getting-started.md runs as written: its TypeScript snippets pasted in page order make an
 * app whose routes are logged with a request id, rate-limited and authenticated (the order of
 * the snippets is the order an app needs), and its CommonJS block does the same with require().
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { signToken, supabaseClaims, TEST_HS_SECRET } from '../support/jwt.js';
import { codeBlocks, startDocApp, type DocApp } from './doc-app.js';

const page = readFileSync(resolve(import.meta.dirname, '../../docs/getting-started.md'), 'utf8');
const env = { JWT_VERIFY_KEY: TEST_HS_SECRET };

const variants = [
  { name: 'the TypeScript snippets in page order (app.ts)', file: 'getting-started.ts', source: codeBlocks(page, 'ts').join('\n') },
  { name: 'the CommonJS block (app.cjs)', file: 'getting-started.cjs', source: codeBlocks(page, 'js').filter((block) => block.includes('require(')).join('\n') },
];

describe('docs/getting-started.md', () => {
  it('has TypeScript snippets and a CommonJS block to run', () => {
    assert.ok(codeBlocks(page, 'ts').length >= 5, 'several TypeScript snippets');
    assert.match(variants[1]!.source, /require\('express-platform-kit\/auth'\)/);
  });

  for (const variant of variants) {
    describe(variant.name, function () {
      this.timeout(60_000);
      let app: DocApp;
      let userToken: string;

      before(async () => {
        userToken = await signToken(supabaseClaims({ sub: 'user-gs-1' }));
        app = await startDocApp(variant.file, variant.source, env);
      });

      after(() => app?.kill());

      it('logs /me with its request id and rate-limits it: logging and the limiter run before the routes', async () => {
        const res = await fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${userToken}` } });
        assert.equal(res.status, 200);
        assert.equal(((await res.json()) as { id: string }).id, 'user-gs-1');
        assert.match(res.headers.get('ratelimit-policy') ?? '', /^"api";q=60;w=60$/);
        const requestId = res.headers.get('x-request-id');
        assert.ok(requestId, 'requestContext() answered with a request id');
        const access = await waitForLine(app, (line) => line.logger === 'access' && line.path === '/me');
        assert.equal(access.requestId, requestId);
      });

      it('answers 401 without a token and 403 to a non-admin, as {"detail"} JSON (errorHandler last)', async () => {
        const anonymous = await fetch(`${app.url}/me`);
        assert.equal(anonymous.status, 401);
        assert.deepEqual(await anonymous.json(), { detail: 'Authorization header is missing' });
        const admin = await fetch(`${app.url}/admin/stats`, { headers: { authorization: `Bearer ${userToken}` } });
        assert.equal(admin.status, 403);
        assert.deepEqual(await admin.json(), { detail: 'Admin access required' });
        assert.ok(admin.headers.get('ratelimit-policy'), 'the admin route is limited too');
      });

      if (variant.file.endsWith('.ts')) {
        it('carries the request id on the route\'s own log line, and serves the documented /graphs route', async () => {
          const res = await fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${userToken}` } });
          const line = await waitForLine(app, (l) => l.message === 'who am I' && l.requestId === res.headers.get('x-request-id'));
          assert.equal(line.userId, 'user-gs-1');
          const document = (await (await fetch(`${app.url}/openapi.json`)).json()) as { paths: Record<string, { get?: { responses: object } }> };
          assert.ok(document.paths['/graphs']?.get, 'GET /graphs is documented');
          assert.ok('401' in document.paths['/graphs']!.get!.responses, 'its 401 comes from requireUser()');
          const graphs = await fetch(`${app.url}/graphs`, { headers: { authorization: `Bearer ${userToken}` } });
          assert.equal(graphs.status, 200);
          assert.deepEqual(await graphs.json(), []);
        });
      }

      it('exits 0 on SIGTERM (graceful shutdown)', async () => {
        assert.equal(await app.stop(), 0, app.output());
      });
    });
  }
});

/** The first JSON log line matching `match`, polled for at most 5 s (the access line is written when the response ends). */
async function waitForLine(app: DocApp, match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const line = app.logLines().find(match);
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`no matching log line within 5 s:\n${app.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
