/**
 * The kit's reusable responses describe what the kit really sends: a typed client generated
 * from the document (openapi-typescript) gets required fields where the body always has them.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { errorHandler } from '../../lib/errors/index.js';
import { createApiRouter, generateOpenApiDocument, jsonResponse, z } from '../../lib/openapi/index.js';
import { rateLimit } from '../../lib/rate-limit/index.js';
import { forEachExpress } from '../support/express.js';

type Schema = { type?: string; properties?: Record<string, Schema>; required?: string[]; anyOf?: Schema[] };
type Header = { required?: boolean; schema: Schema };

forEachExpress('the 429 component and the rate limiter agree', ({ create }) => {
  it('requires every field of the detail object and the Retry-After header the limiter always sends', async () => {
    const api = createApiRouter();
    api.route({ method: 'get', path: '/limited', summary: 'Limited', middleware: [rateLimit({ name: 'components-429', limit: 1, windowMs: 60_000, redis: false })], responses: { 200: jsonResponse(z.object({ ok: z.boolean() }), 'OK') }, handler: (_req, res) => res.json({ ok: true }) });
    const app = create();
    app.use(api, errorHandler());
    await request(app).get('/limited').expect(200);
    const rejected = await request(app).get('/limited').expect(429);

    const component = generateOpenApiDocument(api, { title: 't', version: '1' }).components!.responses!.HTTP429TooManyRequestsError as { headers: Record<string, Header>; content: { 'application/json': { schema: Schema } } };
    const detail = component.content['application/json'].schema.properties!.detail!;
    const object = detail.anyOf!.find((s) => s.type === 'object')!;
    assert.deepEqual([...(object.required ?? [])].sort(), Object.keys(rejected.body.detail).sort(), 'every field the limiter sends is required');
    for (const [name, value] of Object.entries(rejected.body.detail as Record<string, unknown>)) {
      const type = object.properties![name]!.type;
      assert.equal(type === 'integer' ? 'number' : type, typeof value, `detail.${name}`);
    }
    assert.equal(component.headers['Retry-After']!.required, true);
    assert.ok(rejected.headers['retry-after']);
    // The other headers can be switched off (legacyHeaders/standardHeaders: false): optional.
    assert.equal(component.headers['X-RateLimit-Limit']!.required, undefined);
  });
});
