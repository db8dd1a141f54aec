/**
 * Every media type a route can accept: multipart/form-data uploads (busboy, limits → 413,
 * malformed → 400), urlencoded forms, text/plain and raw binary bodies; each documented so
 * the document passes swagger-parser.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { ConfigError } from '../../lib/config/index.js';
import { errorHandler } from '../../lib/errors/index.js';
import { createApiRouter, generateOpenApiDocument, jsonResponse, uploadedFile, z, type ApiRouter } from '../../lib/openapi/index.js';
import { forEachExpress } from '../support/express.js';
import { validateDocument } from './fixtures.js';

const Upload = z.object({
  title: z.string().min(1),
  tags: z.array(z.string()).optional(),
  file: uploadedFile().refine((file) => file.mimeType === 'image/png', 'must be a PNG'),
});
const Saved = z.object({ title: z.string(), filename: z.string(), size: z.number().int(), firstByte: z.number().int(), tags: z.array(z.string()).optional() });
const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

function uploadRouter(): ApiRouter {
  const api = createApiRouter();
  api.route({
    method: 'post', path: '/images', summary: 'Upload an image', multipartLimits: { fileSize: 64, files: 1, fields: 3 },
    request: { body: { content: { 'multipart/form-data': { schema: Upload } } } },
    responses: { 201: jsonResponse(Saved, 'Stored') },
    handler: (req, res) => {
      const { title, tags, file } = req.body;
      res.status(201).json({ title, filename: file.filename, size: file.size, firstByte: file.buffer[0]!, tags });
    },
  });
  api.route({
    method: 'put', path: '/blobs/:id', summary: 'Raw bytes', bodyLimit: 32,
    request: { body: { content: { 'application/octet-stream': { schema: z.instanceof(Buffer).openapi({ type: 'string', format: 'binary' }) } } } },
    responses: { 200: jsonResponse(z.object({ size: z.number().int(), last: z.number().int() }), 'Stored') },
    handler: (req, res) => res.json({ size: req.body.length, last: req.body[req.body.length - 1]! }),
  });
  api.route({
    method: 'post', path: '/notes', summary: 'A note as text or a form',
    request: { body: { content: { 'text/plain': { schema: z.string().max(20) }, 'application/x-www-form-urlencoded': { schema: z.object({ text: z.string().max(20), pinned: z.enum(['yes', 'no']).default('no') }) } } } },
    responses: { 200: jsonResponse(z.object({ text: z.string(), pinned: z.string() }), 'Echo') },
    handler: (req, res) => res.json(typeof req.body === 'string' ? { text: req.body, pinned: 'no' } : req.body),
  });
  return api;
}

forEachExpress('route(): every media type', ({ create }) => {
  function appWith(api: ApiRouter) {
    const app = create();
    app.use(api);
    app.use(errorHandler({ onServerError: (err) => assert.fail(`5xx: ${String(err)}`) }));
    return app;
  }

  it('multipart/form-data: fields and a file, validated and typed (a repeated name is a list)', async () => {
    const app = appWith(uploadRouter());
    const res = await request(app).post('/images').field('title', 'Logo').field('tags', 'a').field('tags', 'b').attach('file', png, { filename: 'logo.png', contentType: 'image/png' }).expect(201);
    assert.deepEqual(res.body, { title: 'Logo', filename: 'logo.png', size: png.length, firstByte: 0x89, tags: ['a', 'b'] });
    const wrongType = await request(app).post('/images').field('title', 'Logo').attach('file', png, { filename: 'logo.gif', contentType: 'image/gif' }).expect(400);
    assert.deepEqual(wrongType.body.detail.map((issue: { path: string; message: string }) => [issue.path, issue.message]), [['file', 'must be a PNG']]);
    const noFile = await request(app).post('/images').field('title', 'Logo').field('file', 'not a file').expect(400);
    assert.equal(noFile.body.detail[0].path, 'file');
    assert.equal(noFile.body.detail[0].message, 'Expected a file');
  });

  it('multipart limits: a file, a count or a field past its limit is 413 ERR_PAYLOAD_TOO_LARGE', async () => {
    const app = appWith(uploadRouter());
    const big = await request(app).post('/images').field('title', 'Logo').attach('file', Buffer.alloc(65), { filename: 'big.png', contentType: 'image/png' });
    assert.equal(big.status, 413);
    assert.deepEqual(big.body, { detail: 'Request body too large' });
    const twoFiles = await request(app).post('/images').field('title', 'Logo').attach('file', png, { filename: 'a.png', contentType: 'image/png' }).attach('other', png, { filename: 'b.png', contentType: 'image/png' });
    assert.equal(twoFiles.status, 413);
    const manyFields = await request(app).post('/images').field('title', 'a').field('b', 'b').field('c', 'c').field('d', 'd').attach('file', png, { filename: 'a.png', contentType: 'image/png' });
    assert.equal(manyFields.status, 413);
  });

  it('malformed multipart bodies are the one 400 shape (no boundary, truncated, garbage)', async () => {
    const app = appWith(uploadRouter());
    const invalid = { location: 'body', path: '', message: 'Malformed multipart body', code: 'invalid_multipart' };
    const noBoundary = await request(app).post('/images').set('content-type', 'multipart/form-data').send('whatever');
    assert.equal(noBoundary.status, 400);
    assert.deepEqual(noBoundary.body.detail, [invalid]);
    const truncated = await request(app).post('/images').set('content-type', 'multipart/form-data; boundary=XYZ').send('--XYZ\r\nContent-Disposition: form-data; name="title"\r\n\r\nLo');
    assert.equal(truncated.status, 400);
    assert.deepEqual(truncated.body.detail, [invalid]);
    const empty = await request(app).post('/images').set('content-type', 'multipart/form-data; boundary=XYZ').send('--XYZ--\r\n');
    assert.equal(empty.status, 400, 'a well-formed empty form fails the schema');
    assert.deepEqual(empty.body.detail.map((issue: { path: string }) => issue.path).sort(), ['file', 'title']);
  });

  it('a multipart body an earlier middleware already read is a 400, not a hang', async () => {
    const app = create();
    app.use((req, _res, next) => {
      req.on('end', () => next());
      req.resume();
    });
    app.use(uploadRouter());
    app.use(errorHandler({ onServerError: (err) => assert.fail(`5xx: ${String(err)}`) }));
    const res = await request(app).post('/images').field('title', 'Logo').attach('file', png, { filename: 'logo.png', contentType: 'image/png' });
    assert.equal(res.status, 400);
  });

  it('raw binary bodies arrive as a Buffer, bounded by bodyLimit', async () => {
    const app = appWith(uploadRouter());
    const bytes = Buffer.from([0, 1, 2, 255]);
    assert.deepEqual((await request(app).put('/blobs/b1').set('content-type', 'application/octet-stream').send(bytes).expect(200)).body, { size: 4, last: 255 });
    assert.equal((await request(app).put('/blobs/b1').set('content-type', 'application/octet-stream').send(Buffer.alloc(33))).status, 413);
  });

  it('text/plain and urlencoded forms, each validated by its own schema', async () => {
    const app = appWith(uploadRouter());
    assert.deepEqual((await request(app).post('/notes').set('content-type', 'text/plain').send('hello').expect(200)).body, { text: 'hello', pinned: 'no' });
    assert.deepEqual((await request(app).post('/notes').type('form').send('text=hi&pinned=yes').expect(200)).body, { text: 'hi', pinned: 'yes' });
    assert.equal((await request(app).post('/notes').type('form').send('pinned=maybe').expect(400)).body.detail.length, 2);
  });
});

describe('route(): media types in the document', () => {
  it('documents the upload as multipart/form-data with format: binary, and passes swagger-parser (3.1 and 3.0)', async () => {
    const api = uploadRouter();
    for (const openapi of ['3.1.0', '3.0.3'] as const) {
      const document = generateOpenApiDocument(api, { title: 't', version: '1' }, { openapi });
      const content = (document.paths!['/images']!.post as { requestBody: { content: Record<string, { schema: { properties: Record<string, unknown>; required: string[] } }> } }).requestBody.content;
      assert.deepEqual(Object.keys(content), ['multipart/form-data']);
      assert.deepEqual(content['multipart/form-data']!.schema.properties.file, { type: 'string', format: 'binary' });
      assert.deepEqual(content['multipart/form-data']!.schema.required.sort(), ['file', 'title']);
      const blob = (document.paths!['/blobs/{id}']!.put as { requestBody: { content: Record<string, { schema: unknown }> } }).requestBody.content;
      assert.deepEqual(blob['application/octet-stream']!.schema, { type: 'string', format: 'binary' });
      await validateDocument(document);
    }
  });

  it('refuses bad multipartLimits when the route is declared', () => {
    const api = createApiRouter();
    assert.throws(
      () => api.route({ method: 'post', path: '/x', summary: 'X', multipartLimits: { fileSize: 0, file: 2 } as never, request: { body: { content: { 'multipart/form-data': { schema: Upload } } } }, responses: { 200: jsonResponse(Saved, 'OK') }, handler: (_req, res) => res.end() }),
      (err: unknown) => err instanceof ConfigError && /multipartLimits\.fileSize/.test(err.message),
    );
  });
});
