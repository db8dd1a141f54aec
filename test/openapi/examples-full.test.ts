/**
 * Runtime and document agree: every status examples/full answers (no credentials, bad input,
 * valid input, wrong role, too many requests) is one its own /openapi.json lists.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { APIKeyManager } from '../../lib/api-key/index.js';
import { createJwtVerifier } from '../../lib/auth/index.js';
import { generateOpenApiDocument, type OpenApiDocument } from '../../lib/openapi/index.js';
import { info, registry } from '../../examples/full/api.js';
import { createApp } from '../../examples/full/app.js';
import { signToken, supabaseClaims, TEST_HS_SECRET } from '../support/jwt.js';
import { documentedStatuses, validateDocument } from './fixtures.js';

type Operation = { method: string; path: string; op: { security?: unknown[]; requestBody?: unknown; parameters?: { in: string; name: string }[]; 'x-platform-kit'?: { rateLimit?: unknown[]; forbidden?: string } } };

const RATE_LIMIT = 3;

describe('examples/full: runtime and document agree', () => {
  let app: ReturnType<typeof createApp>;
  let document: OpenApiDocument;
  let userToken: string;
  let adminToken: string;
  let apiKey: string;
  let graphId: string;
  const operations: Operation[] = [];

  before(async () => {
    const manager = new APIKeyManager();
    const generated = await manager.generate();
    apiKey = generated.key;
    const verifier = createJwtVerifier({ verifyKey: TEST_HS_SECRET, env: {} });
    app = createApp({ auth: { verifier }, apiKeys: [{ head: generated.head, hash: generated.hash, salt: generated.salt }], createGraphLimit: { limit: RATE_LIMIT, windowMs: 60_000 } });
    userToken = await signToken(supabaseClaims({ sub: 'user-1' }));
    adminToken = await signToken(supabaseClaims({ sub: 'admin-1', role: 'admin' }));
    document = (await request(app).get('/openapi.json').expect(200)).body;
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const [method, op] of Object.entries(item)) operations.push({ method, path, op: op as Operation['op'] });
    }
    const created = await request(app).post('/graphs').set('Authorization', `Bearer ${userToken}`).send({ name: 'seed' }).expect(201);
    graphId = created.body.id;
  });

  const credentialsFor = (o: Operation): Record<string, string> => {
    const names = (o.op.security ?? []).flatMap((r) => Object.keys(r as object));
    if (names.includes('APIKeyHeader')) return { 'X-API-Key': apiKey };
    if (names.includes('HTTPBearerJWT')) return { Authorization: `Bearer ${o.op['x-platform-kit']?.forbidden ? adminToken : userToken}` };
    return {};
  };
  const urlFor = (o: Operation, id = graphId) => o.path.replace('{id}', id);
  const send = (o: Operation, headers: Record<string, string>, url = urlFor(o), body: unknown = { name: 'graph' }) => {
    const req = (request(app) as unknown as Record<string, (u: string) => request.Test>)[o.method]!(url).set(headers);
    return o.op.requestBody ? req.send(body as object) : req;
  };
  const assertListed = (o: Operation, status: number, scenario: string) => {
    const listed = documentedStatuses(document, o.path, o.method);
    assert.ok(listed.includes(String(status)), `${o.method.toUpperCase()} ${o.path} (${scenario}) answered ${status}, document lists ${listed.join(', ')}`);
  };

  it('serves a document that validates and equals docs/openapi.example.json (npm run docs:openapi is up to date)', async () => {
    await validateDocument(document);
    assert.equal(operations.length, 9);
    const committed = JSON.parse(readFileSync('docs/openapi.example.json', 'utf8'));
    assert.deepEqual(committed, JSON.parse(JSON.stringify(generateOpenApiDocument(registry, info))));
    // The app under test has a smaller rate limit; the operations and their statuses are the same.
    const shape = (d: OpenApiDocument) => Object.entries(d.paths ?? {}).map(([path, item]) => [path, Object.entries(item).map(([m, op]) => [m, Object.keys((op as { responses: object }).responses)])]);
    assert.deepEqual(shape(document), shape(committed));
  });

  it('without credentials: 401 where the document lists it, and only listed statuses elsewhere', async () => {
    for (const o of operations) {
      const res = await send(o, {});
      assertListed(o, res.status, 'no credentials');
      const protectedOp = (o.op.security ?? []).length > 0 && !(o.op.security ?? []).some((r) => Object.keys(r as object).length === 0);
      if (protectedOp) assert.equal(res.status, 401, `${o.method} ${o.path} rejects anonymous callers`);
    }
  });

  it('with a bad token: 401 (or the optional-auth route serves anonymously)', async () => {
    for (const o of operations) {
      const res = await send(o, { Authorization: 'Bearer not.a.jwt', 'X-API-Key': 'agpt_wrong' });
      assertListed(o, res.status, 'bad credentials');
    }
  });

  it('with bad input: 400, listed', async () => {
    let checked = 0;
    for (const o of operations) {
      const hasInput = o.op.requestBody !== undefined || (o.op.parameters ?? []).length > 0;
      if (!hasInput) continue;
      const hasQuery = (o.op.parameters ?? []).some((p) => p.in === 'query');
      const url = `${urlFor(o, 'not-a-uuid')}${hasQuery ? '?limit=0&featured=maybe' : ''}`;
      const res = await send(o, credentialsFor(o), url, { name: 42, nodes: 'x' });
      assertListed(o, res.status, 'bad input');
      assert.equal(res.status, 400, `${o.method} ${o.path} rejects bad input`);
      assert.ok(Array.isArray(res.body.detail) && res.body.detail.length > 0);
      checked += 1;
    }
    assert.ok(checked >= 5);
  });

  it('with valid input: a listed 2xx; a non-admin on an admin route: 403, listed', async () => {
    for (const o of operations) {
      if (o.method === 'delete' || o.op['x-platform-kit']?.rateLimit) continue; // keep the seed graph and the limit budget
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

  it('with too many requests: 429 with Retry-After, listed', async () => {
    const limited = operations.filter((o) => o.op['x-platform-kit']?.rateLimit);
    assert.equal(limited.length, 1);
    const o = limited[0]!;
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
});
