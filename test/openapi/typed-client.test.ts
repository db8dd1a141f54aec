/**
 * The typed-client recipe end to end: examples/full listening on a loopback port (Express 5
 * and 4), called over real HTTP by examples/full/client.ts (openapi-fetch on the committed
 * examples/full/openapi.d.ts); that file is what `npm run docs:openapi` writes today; and the
 * type tests (typed-client.types.ts) compile, every `@ts-expect-error` used.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express, Router } from 'express';
import express5 from 'express';
import express4 from 'express4';
import ts from 'typescript';
import { APIKeyManager } from '../../lib/api-key/index.js';
import { generateOpenApiDocument, generateTypeScriptTypes } from '../../lib/openapi/index.js';
import { info, registry } from '../../examples/full/api.js';
import { createFullApiClient, demo, uploadGraphIcon, type FullApiClient } from '../../examples/full/client.js';
import { createFullTestApp } from '../examples/full-app.js';
import { codeBlocks, runDocScript } from '../repo/doc-app.js';
import { forEachExpress } from '../support/express.js';
import { signToken, supabaseClaims } from '../support/jwt.js';

const EXPRESS_MODULES: Record<string, { (): Express; Router(): Router }> = {
  express5: express5,
  express4: express4 as unknown as { (): Express; Router(): Router },
};
/** The ts blocks of docs/openapi.md's "Typed clients" section, in page order. */
function typedClientBlocks(): string[] {
  const page = readFileSync('docs/openapi.md', 'utf8');
  const start = page.indexOf('## Typed clients');
  return codeBlocks(page.slice(start, page.indexOf('\n## ', start + 1)), 'ts');
}
const PNG = new Blob([Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4])], { type: 'image/png' });

forEachExpress('typed client (openapi-fetch) against examples/full over HTTP', ({ name }) => {
  let server: Server;
  let baseUrl: string;
  let user: FullApiClient;
  let anonymous: FullApiClient;
  let apiKey: string;

  before(async () => {
    const key = await new APIKeyManager().generate();
    apiKey = key.key;
    const { app } = createFullTestApp({ express: EXPRESS_MODULES[name]!, apiKeys: [{ head: key.head, hash: key.hash, salt: key.salt }], createGraphLimit: { limit: 3, windowMs: 60_000 } });
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const token = await signToken(supabaseClaims({ sub: 'user-1', email: 'user@example.com' }));
    user = createFullApiClient({ baseUrl, token: () => token });
    anonymous = createFullApiClient({ baseUrl });
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('reads public and authenticated routes with typed data', async () => {
    const health = await anonymous.GET('/health');
    assert.equal(health.response.status, 200);
    assert.deepEqual(health.data, { status: 'ok' });
    const me = await user.GET('/me');
    assert.equal(me.error, undefined);
    assert.equal(me.data?.id, 'user-1');
    assert.equal(me.data?.email, 'user@example.com');
  });

  it('creates, reads, pages through, uploads an icon for and deletes a graph', async () => {
    const { created, page } = await demo(user);
    assert.equal(created.name, 'Daily digest');
    assert.deepEqual(created.nodes, [{ id: 'in', type: 'input' }]);
    assert.equal(created.description, null, 'the server applied the default the client left out');
    assert.equal(created.ownerId, 'user-1');
    assert.ok(page.items.some((graph) => graph.id === created.id));
    assert.equal(page.total, page.items.length);

    // limit and offset reach the server as numbers in the query string.
    const second = await user.GET('/graphs', { params: { query: { limit: 1, offset: 1 } } });
    assert.equal(second.response.status, 200);
    assert.equal(second.data?.items.length, 0);
    assert.equal(second.data?.total, 1);

    assert.deepEqual(await uploadGraphIcon(user, created.id, PNG), { id: created.id, iconBytes: PNG.size });
    const deleted = await user.DELETE('/graphs/{id}', { params: { path: { id: created.id } } });
    assert.equal(deleted.response.status, 204);
    const gone = await user.GET('/graphs/{id}', { params: { path: { id: created.id } } });
    assert.equal(gone.response.status, 404);
    assert.deepEqual(gone.error, { detail: 'Graph not found' });
  });

  it('reads with an API key (X-API-Key from the client options)', async () => {
    const created = await user.POST('/graphs', { body: { name: 'shared' } });
    assert.equal(created.response.status, 201);
    const external = createFullApiClient({ baseUrl, apiKey });
    const read = await external.GET('/external/graphs/{id}', { params: { path: { id: created.data!.id } } });
    assert.equal(read.data?.name, 'shared');
  });

  it('gets the documented error bodies: 401 without a token, 400 listing the issues', async () => {
    const unauthenticated = await anonymous.GET('/me');
    assert.equal(unauthenticated.response.status, 401);
    assert.equal(unauthenticated.data, undefined);
    assert.equal(unauthenticated.error?.detail, 'Authorization header is missing');
    assert.match(unauthenticated.response.headers.get('www-authenticate') ?? '', /^Bearer/);

    // Well typed, but the server trims the name and wants at least one character.
    const invalid = await user.POST('/graphs', { body: { name: '   ' } });
    assert.equal(invalid.response.status, 400);
    const issues = invalid.error?.detail;
    assert.ok(Array.isArray(issues), 'detail lists the issues');
    assert.deepEqual(issues.map((issue) => [issue.location, issue.path]), [['body', 'name']]);
  });

  it('gets the 429 with every detail field the document requires, and Retry-After', async () => {
    // POST /graphs is limited to 3 per minute per user here; earlier tests used some.
    let rejections = 0;
    for (let attempt = 0; attempt < 4 && rejections === 0; attempt++) {
      const { response, error } = await user.POST('/graphs', { body: { name: `burst ${attempt}` } });
      if (response.status !== 429) {
        assert.equal(response.status, 201);
        continue;
      }
      rejections++;
      const detail = error?.detail;
      assert.ok(typeof detail === 'object' && !Array.isArray(detail));
      // Typed fields, no optional chaining: the document requires them.
      assert.equal(detail.error, 'Rate limit exceeded');
      assert.equal(detail.limit, 3);
      assert.equal(detail.remaining, 0);
      assert.ok(detail.reset > Date.now() / 1000);
      assert.ok(Number(response.headers.get('retry-after')) >= 1);
    }
    assert.equal(rejections, 1, 'the limit was reached');
  });
});

describe('typed client: the recipe stays true', () => {
  it('examples/full/openapi.d.ts is what `npm run docs:openapi` writes for the current document (regenerate after a route change)', async function () {
    this.timeout(60_000); // openapi-typescript loads the TypeScript compiler
    const expected = await generateTypeScriptTypes(generateOpenApiDocument(registry, info));
    const committed = readFileSync('examples/full/openapi.d.ts', 'utf8');
    assert.ok(committed === expected, 'examples/full/openapi.d.ts is stale: run `npm run docs:openapi`');
    // The check has teeth: a changed route changes the types.
    const changed = generateOpenApiDocument(registry, info);
    delete changed.paths!['/me'];
    assert.notEqual(await generateTypeScriptTypes(changed), committed);
  });

  it('the type tests and the docs snippets compile with the repository settings: every @ts-expect-error is an error, every other line is not', function () {
    this.timeout(90_000); // a full type-check of the files and what they import (about 10 s on an idle machine)
    const config = ts.getParsedCommandLineOfConfigFile('tsconfig.json', {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(ts.flattenDiagnosticMessageText(d.messageText, '\n')) });
    assert.ok(config);
    const file = 'test/openapi/typed-client.types.ts';
    // docs/openapi.md's "Typed clients" blocks, in page order, on the example's generated types.
    mkdirSync('test-artifacts/docs', { recursive: true });
    const snippets = 'test-artifacts/docs/typed-client.check.ts';
    const source = typedClientBlocks().join('\n').replace("from './openapi.js'", "from '../../examples/full/openapi.js'");
    writeFileSync(snippets, `declare const pngBlob: Blob\nexport {}\n${source}`);
    const program = ts.createProgram([file, snippets], config.options);
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    assert.deepEqual(diagnostics, []);
    const expectations = readFileSync(file, 'utf8').match(/@ts-expect-error/g)?.length ?? 0;
    assert.ok(expectations >= 15, `${expectations} expected errors`);
  });
});

describe('docs/openapi.md "Typed clients"', function () {
  this.timeout(90_000);
  let server: Server;
  let baseUrl: string;
  before(async () => {
    const { app } = createFullTestApp({ createGraphLimit: { limit: 1, windowMs: 60_000 } });
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('runs as written (in page order) against examples/full: creates, reads, pages, sees the 429, uploads', async () => {
    const blocks = typedClientBlocks();
    assert.equal(blocks.length, 3, 'create, call, upload');
    // The page's PNG, and its server, are the reader's: here a tiny PNG and the test's port.
    const prelude = `const pngBlob = new Blob([Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 7])], { type: 'image/png' })\n`;
    const source = prelude + blocks.join('\n').replace('http://127.0.0.1:8080', baseUrl) + `\nconsole.log('read', graph?.name, 'total', page?.total)\n`;
    const token = await signToken(supabaseClaims({ sub: 'docs-user' }));
    const { code, output } = await runDocScript('typed-client.ts', source, { USER_TOKEN: token });
    assert.equal(code, 0, output);
    assert.match(output, /retry in \d+ s; limit 1/);
    assert.match(output, /icon of [0-9a-f-]{36}: 9 bytes/);
    assert.match(output, /read Daily digest total 1/);
  });
});
