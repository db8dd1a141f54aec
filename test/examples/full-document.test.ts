/**
 * Runtime and document agree: every status examples/full answers (no credentials, bad input,
 * valid input, wrong role, too many requests, per route and globally) is one its own
 * /openapi.json lists, and the committed docs/openapi.example.json is that document.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { APIKeyManager } from '../../lib/api-key/index.js';
import { generateOpenApiDocument, type OpenApiDocument } from '../../lib/openapi/index.js';
import { info, registry } from '../../examples/full/api.js';
import { signToken, supabaseClaims } from '../support/jwt.js';
import { documentedStatuses, validateDocument } from '../openapi/fixtures.js';
import { createFullTestApp } from './full-app.js';

type Op = { security?: Record<string, unknown>[]; requestBody?: unknown; parameters?: { in: string; name: string }[]; 'x-platform-kit'?: { rateLimit?: { limit: number }[]; forbidden?: string } };
type Operation = { method: string; path: string; op: Op };

const RATE_LIMIT = 3;
const UPLOAD = Symbol('a multipart upload of a PNG');
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);

function operationsOf(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ method, path, op: op as Op })));
}

describe('examples/full: runtime and document agree', () => {
  let app: ReturnType<typeof createFullTestApp>['app'];
  let document: OpenApiDocument;
  let userToken: string;
  let adminToken: string;
  let apiKey: string;
  let graphId: string;
  let sessionCookie: string;
  let operations: Operation[] = [];

  before(async () => {
    const generated = await new APIKeyManager().generate();
    apiKey = generated.key;
    ({ app } = createFullTestApp({ apiKeys: [{ head: generated.head, hash: generated.hash, salt: generated.salt }], createGraphLimit: { limit: RATE_LIMIT, windowMs: 60_000 } }));
    userToken = await signToken(supabaseClaims({ sub: 'user-1' }));
    adminToken = await signToken(supabaseClaims({ sub: 'admin-1', role: 'admin' }));
    document = (await request(app).get('/openapi.json').expect(200)).body;
    operations = operationsOf(document);
    graphId = (await request(app).post('/graphs').set('Authorization', `Bearer ${userToken}`).send({ name: 'seed' }).expect(201)).body.id;
    const opened = await request(app).post('/sessions').set('Authorization', `Bearer ${userToken}`).expect(201);
    sessionCookie = String((opened.headers['set-cookie'] as unknown as string[])[0]).split(';')[0]!;
  });

  const schemesOf = (o: Operation) => (o.op.security ?? []).flatMap((r) => Object.keys(r));
  const credentialsFor = (o: Operation): Record<string, string> => {
    const names = schemesOf(o);
    if (names.includes('APIKeyHeader')) return { 'X-API-Key': apiKey };
    if (names.includes('SessionCookie')) return { Cookie: sessionCookie };
    if (names.includes('HTTPBearerJWT')) return { Authorization: `Bearer ${o.op['x-platform-kit']?.forbidden ? adminToken : userToken}` };
    return {};
  };
  const isUpload = (o: Operation) => (o.op.requestBody as { content?: Record<string, unknown> } | undefined)?.content?.['multipart/form-data'] !== undefined;
  const validBody = (o: Operation) => (isUpload(o) ? UPLOAD : o.path.startsWith('/integrations') ? { provider: 'openai', apiKey: 'sk-test' } : { name: 'graph' });
  const urlFor = (o: Operation, id = graphId) => o.path.replace('{id}', id);
  const send = (o: Operation, headers: Record<string, string>, url = urlFor(o), body: unknown = validBody(o), target = app) => {
    const req = (request(target) as unknown as Record<string, (u: string) => request.Test>)[o.method]!(url).set(headers);
    if (body === UPLOAD) return req.attach('icon', PNG, { filename: 'icon.png', contentType: 'image/png' });
    return o.op.requestBody ? req.send(body as object) : req;
  };
  const assertListed = (o: Operation, status: number, scenario: string, doc = document) => {
    const listed = documentedStatuses(doc, o.path, o.method);
    assert.ok(listed.includes(String(status)), `${o.method.toUpperCase()} ${o.path} (${scenario}) answered ${status}, document lists ${listed.join(', ')}`);
  };

  it('serves a document that is plain JSON data, validates, and equals docs/openapi.example.json (npm run docs:openapi is up to date)', async () => {
    assert.deepEqual(structuredClone(document), document);
    await validateDocument(structuredClone(document));
    assert.equal(operations.length, 16);
    const committed = JSON.parse(readFileSync('docs/openapi.example.json', 'utf8'));
    assert.deepEqual(committed, JSON.parse(JSON.stringify(generateOpenApiDocument(registry, info))));
    // The app under test has smaller rate limits; the operations and their statuses are the same.
    const shape = (d: OpenApiDocument) => operationsOf(d).map((o) => [o.method, o.path, Object.keys((o.op as { responses: object }).responses).sort()]);
    assert.deepEqual(shape(document), shape(committed));
  });

  it('defines only the security schemes its operations use, and the 401 says "Authentication required"', () => {
    assert.deepEqual(Object.keys(document.components!.securitySchemes!).sort(), ['APIKeyHeader', 'HTTPBearerJWT', 'SessionCookie']);
    assert.equal((document.components!.responses!.HTTP401NotAuthenticatedError as { description: string }).description, 'Authentication required');
  });

  it('without credentials: 401 where the document lists it, and only listed statuses elsewhere', async () => {
    for (const o of operations) {
      const res = await send(o, {});
      assertListed(o, res.status, 'no credentials');
      const protectedOp = (o.op.security ?? []).length > 0 && !(o.op.security ?? []).some((r) => Object.keys(r).length === 0);
      if (protectedOp) assert.equal(res.status, 401, `${o.method} ${o.path} rejects anonymous callers`);
    }
  });

  it('with bad credentials: 401 (or the optional-auth route serves anonymously)', async () => {
    for (const o of operations) {
      const res = await send(o, { Authorization: 'Bearer not.a.jwt', 'X-API-Key': 'agpt_wrong', Cookie: 'session=forged' });
      assertListed(o, res.status, 'bad credentials');
    }
  });

  it('with bad input: 400 with the issue list, listed', async () => {
    let checked = 0;
    for (const o of operations) {
      const hasInput = o.op.requestBody !== undefined || (o.op.parameters ?? []).length > 0;
      if (!hasInput) continue;
      const hasQuery = (o.op.parameters ?? []).some((p) => p.in === 'query');
      const badId = o.path.startsWith('/integrations') ? 'x'.repeat(200) : 'not-a-uuid';
      const url = `${urlFor(o, badId)}${hasQuery ? '?limit=0&featured=maybe' : ''}`;
      const res = await send(o, credentialsFor(o), url, { name: 42, nodes: 'x' });
      assertListed(o, res.status, 'bad input');
      assert.equal(res.status, 400, `${o.method} ${o.path} rejects bad input`);
      assert.ok(Array.isArray(res.body.detail) && res.body.detail.length > 0);
      for (const issue of res.body.detail) assert.deepEqual(Object.keys(issue).sort(), ['code', 'location', 'message', 'path']);
      checked += 1;
    }
    assert.ok(checked >= 7, `${checked} operations with input`);
  });

  it('with valid input: a listed 2xx; a non-admin on an admin route: 403, listed', async () => {
    for (const o of operations) {
      if (o.method === 'delete' || o.path === '/graphs' && o.method === 'post') continue; // keep the seed data and the create budget
      const res = await send(o, credentialsFor(o));
      assertListed(o, res.status, 'valid');
      assert.ok(res.status >= 200 && res.status < 300, `${o.method} ${o.path} answered ${res.status}`);
      if (o.op['x-platform-kit']?.forbidden) {
        const forbidden = await send(o, { Authorization: `Bearer ${userToken}` });
        assert.equal(forbidden.status, 403);
        assertListed(o, 403, 'not admin');
      }
    }
  });

  it('with too many creations: 429 with Retry-After, listed', async () => {
    const o = operations.find((candidate) => candidate.method === 'post' && candidate.path === '/graphs')!;
    assert.deepEqual(o.op['x-platform-kit']?.rateLimit?.map((p) => p.limit), [600, RATE_LIMIT], 'the global limit, then the per-route one');
    const token = await signToken(supabaseClaims({ sub: 'flooder' }));
    const statuses: number[] = [];
    let last: request.Response | undefined;
    for (let i = 0; i <= RATE_LIMIT; i += 1) {
      last = await send(o, { Authorization: `Bearer ${token}` });
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [...Array(RATE_LIMIT).fill(201), 429]);
    assertListed(o, 429, 'too many requests');
    assert.ok(Number(last!.headers['retry-after']) >= 1);
    assert.ok(last!.headers['x-ratelimit-limit']);
  });

  it('past the global limit (app-level middleware): every route answers a listed status, 429 included', async () => {
    const { app: tight } = createFullTestApp({ globalLimit: { limit: 1, windowMs: 60_000 } });
    const tightDoc: OpenApiDocument = (await request(tight).get('/openapi.json').expect(200)).body;
    await request(tight).get('/store/agents').expect(200); // spends the one request of this client
    let limited = 0;
    for (const o of operationsOf(tightDoc)) {
      const res = await send(o, {}, urlFor(o, '00000000-0000-4000-8000-000000000000'), validBody(o), tight);
      assertListed(o, res.status, 'global limit', tightDoc);
      if (res.status === 429) limited += 1;
    }
    assert.ok(limited >= operationsOf(tightDoc).length - 1, `every route but the exempt /health is limited (${limited})`);
    const health = tightDoc.paths?.['/health']?.get as { responses: Record<string, unknown> } | undefined;
    assert.ok(health, '/health is documented');
    assert.equal(health.responses['429'], undefined, 'the exempt /health lists no 429 it can never answer');
  });
});
