import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import express5 from 'express';
import request from 'supertest';
import { ConfigError } from '../../lib/config/index.js';
import { createApiRouter, DEFAULT_SWAGGER_UI_OPTIONS, generateOpenApiDocument, jsonResponse, serveOpenApi, z } from '../../lib/openapi/index.js';
import { forEachExpress } from '../support/express.js';

function documentFor() {
  const api = createApiRouter();
  api.route({ method: 'get', path: '/ping', summary: 'Ping <b>', tags: ['misc'], responses: { 200: jsonResponse(z.object({ pong: z.boolean() }), 'OK') }, handler: (_req, res) => res.json({ pong: true }) });
  return { api, document: generateOpenApiDocument(api, { title: 'Ping <API>', version: '1' }) };
}

forEachExpress('serveOpenApi', ({ create }) => {
  it('serves the document at /openapi.json', async () => {
    const { document } = documentFor();
    const app = serveOpenApi(create(), { document });
    const res = await request(app).get('/openapi.json');
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'] ?? '', /application\/json/);
    assert.deepEqual(res.body, JSON.parse(JSON.stringify(document)));
  });

  it('serves a Swagger UI page without inline script, a strict CSP, and the local assets', async () => {
    const { document } = documentFor();
    const app = serveOpenApi(create(), { document });
    const page = await request(app).get('/docs');
    assert.equal(page.status, 200);
    assert.match(page.text, /<title>Ping &lt;API&gt;<\/title>/);
    assert.match(page.text, /src="docs\/swagger-ui-bundle\.js"/);
    assert.match(page.text, /data-openapi-url="openapi\.json"/);
    assert.doesNotMatch(page.text, /<script>[^<]/, 'no inline script');
    assert.doesNotMatch(page.text, /https?:\/\//, 'no CDN');
    assert.match(page.headers['content-security-policy'] ?? '', /script-src 'self'/);
    const slash = await request(app).get('/docs/');
    assert.match(slash.text, /src="\.\/swagger-ui-bundle\.js"/);
    assert.match(slash.text, /data-openapi-url="\.\.\/openapi\.json"/);
    const bundle = await request(app).get('/docs/swagger-ui-bundle.js');
    assert.equal(bundle.status, 200);
    assert.ok(bundle.text.length > 100_000 || (bundle.body as Buffer).length > 100_000);
    assert.equal((await request(app).get('/docs/swagger-ui.css')).status, 200);
    const init = await request(app).get('/docs/platform-kit-swagger-initializer.js');
    assert.doesNotMatch(init.text, /persistAuthorization/, 'settings come from the page, not the script');
    const settings = JSON.parse(/data-swagger-ui-options="([^"]*)"/.exec(page.text)![1]!.replace(/&quot;/g, '"'));
    assert.deepEqual(settings, DEFAULT_SWAGGER_UI_OPTIONS);
    assert.equal(settings.persistAuthorization, true);
    assert.equal((await request(app).get('/docs/package.json')).status, 404, 'only the UI assets are exposed');
    assert.equal((await request(app).get('/docs/index.html')).status, 404);
  });

  it('works on a router mounted under a prefix, with custom paths, and builds a lazy document once', async () => {
    const { api } = documentFor();
    let calls = 0;
    const router = express5.Router();
    serveOpenApi(router, { document: () => (calls++, generateOpenApiDocument(api, { title: 'Lazy', version: '1' })), jsonPath: '/spec.json', docsPath: '/reference' });
    const app = create();
    app.use('/api', router);
    const page = await request(app).get('/api/reference');
    assert.match(page.text, /src="reference\/swagger-ui-bundle\.js"/);
    assert.match(page.text, /data-openapi-url="spec\.json"/);
    assert.equal((await request(app).get('/api/reference/swagger-ui-bundle.js')).status, 200);
    assert.equal((await request(app).get('/api/spec.json')).body.info.title, 'Lazy');
    assert.equal(calls, 1);
  });

  it('passes the Swagger UI settings a user sets through the page (escaped), keeping the CSP', async () => {
    const { document } = documentFor();
    const app = serveOpenApi(create(), { document, swaggerUi: { docExpansion: 'full', deepLinking: false, persistAuthorization: false, filter: true, defaultModelsExpandDepth: -1 } });
    const page = await request(app).get('/docs').expect(200);
    const attribute = /data-swagger-ui-options="([^"]*)"/.exec(page.text)![1]!;
    assert.doesNotMatch(attribute, /"/, 'JSON is HTML-escaped in the attribute');
    assert.deepEqual(JSON.parse(attribute.replace(/&quot;/g, '"')), { ...DEFAULT_SWAGGER_UI_OPTIONS, docExpansion: 'full', deepLinking: false, persistAuthorization: false, filter: true, defaultModelsExpandDepth: -1 });
    assert.doesNotMatch(page.text, /<script>[^<]/, 'no inline script');
    assert.match(page.headers['content-security-policy'] ?? '', /script-src 'self';/);
  });

  it('refuses unknown or mistyped Swagger UI settings, listing every one', () => {
    const { document } = documentFor();
    assert.throws(
      () => serveOpenApi(create(), { document, swaggerUi: { docExpansion: 'all', deepLinking: 'yes', onComplete: 'alert(1)', defaultModelsExpandDepth: 1.5 } as never }),
      (err: unknown) => err instanceof ConfigError && ['swaggerUi.docExpansion', 'swaggerUi.deepLinking', 'swaggerUi.onComplete', 'swaggerUi.defaultModelsExpandDepth'].every((field) => err.message.includes(field)),
    );
    assert.throws(() => serveOpenApi(create(), { document, swaggerUi: 'full' as never }), /swaggerUi/);
  });

  it('serves JSON only with docsPath: false', async () => {
    const { document } = documentFor();
    const app = serveOpenApi(create(), { document, docsPath: false });
    assert.equal((await request(app).get('/docs')).status, 404);
    assert.equal((await request(app).get('/openapi.json')).status, 200);
  });
});

describe('serveOpenApi: options and lazy loading', () => {
  it('rejects bad targets and paths with a ConfigError', () => {
    const { document } = documentFor();
    assert.throws(() => serveOpenApi({} as never, { document }), ConfigError);
    assert.throws(() => serveOpenApi(express5(), { document, docsPath: 'docs' }), ConfigError);
    assert.throws(() => serveOpenApi(express5(), { document: undefined as never }), ConfigError);
  });

  it('loads swagger-ui-dist only when serveOpenApi is called', () => {
    const script = `
      const { createRequire } = await import('node:module');
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((p) => p.includes('swagger-ui-dist'));
      const kit = await import('./lib/openapi/index.ts');
      const express = (await import('express')).default;
      const before = loaded();
      const app = kit.serveOpenApi(express(), { document: { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: {} } });
      const server = app.listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      const res = await fetch('http://127.0.0.1:' + server.address().port + '/docs/swagger-ui.css');
      await res.arrayBuffer();
      server.close();
      console.log(JSON.stringify({ before, after: loaded(), status: res.status }));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out.trim().split('\n').pop() as string), { before: false, after: true, status: 200 });
  });
});
