import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { errorHandler } from '../../lib/errors/index.js';
import { createApiRouter, jsonResponse, z } from '../../lib/openapi/index.js';
import { forEachExpress } from '../support/express.js';

const Graph = z.object({ name: z.string().min(1).max(100), nodes: z.array(z.object({ id: z.string(), weight: z.number().finite() })).max(50), tags: z.record(z.string(), z.string()).optional() });

forEachExpress('openapi router: hostile input', ({ create }) => {
  let server: Server;
  let base: string;
  let serverErrors = 0;

  before(async () => {
    const api = createApiRouter();
    api.route({
      method: 'put',
      path: '/graphs/:id',
      summary: 'Replace a graph',
      tags: ['graphs'],
      request: {
        params: z.object({ id: z.string().regex(/^[a-z0-9-]{1,36}$/) }),
        query: z.object({ version: z.coerce.number().int().min(1).optional(), mode: z.enum(['fast', 'safe']).default('safe') }),
        body: Graph,
      },
      responses: { 200: jsonResponse(z.object({ id: z.string(), nodes: z.number().int(), mode: z.enum(['fast', 'safe']) }), 'Saved') },
      handler: async (req, res) => {
        res.json({ id: req.params.id, nodes: req.body.nodes.length, mode: req.query.mode });
      },
    });
    const app = create();
    app.use(api);
    app.use(errorHandler({ onServerError: () => void (serverErrors += 1) }));
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const statusOk = (status: number) => status === 400 || status === 404 || status === 413 || (status >= 200 && status < 300);

  it('answers 2xx or 400 (never 5xx) to arbitrary params, queries and JSON bodies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 40 }),
        fc.dictionary(fc.string({ maxLength: 10 }), fc.oneof(fc.string({ maxLength: 20 }), fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 })), { maxKeys: 4 }),
        fc.jsonValue({ maxDepth: 4 }),
        async (id, query, body) => {
          const search = new URLSearchParams();
          for (const [key, value] of Object.entries(query)) for (const v of [value].flat()) search.append(key, v);
          const res = await fetch(`${base}/graphs/${encodeURIComponent(id)}?${search}`, {
            method: 'PUT',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body) ?? 'null',
          });
          await res.arrayBuffer();
          assert.ok(statusOk(res.status), `status ${res.status} for id=${JSON.stringify(id)} body=${JSON.stringify(body)}`);
        },
      ),
      { numRuns: 150 },
    );
    assert.equal(serverErrors, 0);
  });

  it('answers 400 to raw, malformed bodies and percent-garbage in paths', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 60 }), fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16'), fc.constantFrom('ok-id', '%E0%A4%A', '%', '..%2F..'), async (raw, type, id) => {
        const res = await fetch(`${base}/graphs/${id}`, { method: 'PUT', headers: { 'content-type': type }, body: raw });
        await res.arrayBuffer();
        assert.ok(statusOk(res.status), `status ${res.status} for raw=${JSON.stringify(raw)} type=${type} id=${id}`);
      }),
      { numRuns: 100 },
    );
    assert.equal(serverErrors, 0);
  });

  it('accepts a well-formed request (the property is not vacuous)', async () => {
    const res = await fetch(`${base}/graphs/abc-1?mode=fast`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'g', nodes: [{ id: 'a', weight: 1 }] }) });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { id: 'abc-1', nodes: 1, mode: 'fast' });
  });
});

describe('examples/full: hostile input never gets a 5xx', () => {
  it('answers 2xx, 400, 401, 404 or 413 to arbitrary bodies, ids and queries on every route', async () => {
    const { createFullTestApp } = await import('../examples/full-app.js');
    const { signToken, supabaseClaims } = await import('../support/jwt.js');
    const { app } = createFullTestApp({ createGraphLimit: { limit: 100_000 }, globalLimit: { limit: 100_000, windowMs: 60_000 } });
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const token = await signToken(supabaseClaims({ sub: 'fuzzer' }));
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('GET /graphs', 'POST /graphs', 'GET /graphs/', 'DELETE /graphs/', 'GET /store/agents', 'GET /external/graphs/', 'GET /me'),
          fc.string({ maxLength: 40 }),
          fc.dictionary(fc.constantFrom('limit', 'offset', 'featured', 'x'), fc.string({ maxLength: 12 }), { maxKeys: 3 }),
          fc.jsonValue({ maxDepth: 3 }),
          fc.boolean(),
          async (route, id, query, body, authenticated) => {
            const [method, prefix] = route.split(' ') as [string, string];
            const url = `${base}${prefix}${prefix.endsWith('/') ? encodeURIComponent(id) : ''}?${new URLSearchParams(query)}`;
            const headers: Record<string, string> = { 'content-type': 'application/json' };
            if (authenticated) headers.authorization = `Bearer ${token}`;
            const res = await fetch(url, { method, headers, ...(method === 'POST' ? { body: JSON.stringify(body) ?? 'null' } : {}) });
            await res.arrayBuffer();
            assert.ok([400, 401, 404, 413].includes(res.status) || (res.status >= 200 && res.status < 300), `${route} ${id} → ${res.status}`);
          },
        ),
        { numRuns: 200 },
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
