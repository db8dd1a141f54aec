/**
 * The store is core code (KitError with codes, no HTTP); errorHandler is the edge that answers
 * them, with the same 400 shape as every other validation failure.
 */
import assert from 'node:assert/strict';
import express from 'express';
import request from 'supertest';
import { IntegrationCredentialsStore } from '../../lib/credentials/index.js';
import { ConfigError } from '../../lib/config/index.js';
import { errorHandler } from '../../lib/errors/index.js';
import { newKey } from './store-suite.js';

describe('credentials at the HTTP edge', () => {
  function appWith(store: IntegrationCredentialsStore) {
    const app = express();
    app.use(express.json());
    app.post('/users/:userId/credentials', async (req, res, next) => {
      try {
        res.status(201).json(await store.add(req.params.userId, req.body));
      } catch (error) {
        next(error);
      }
    });
    app.use(errorHandler({ onServerError: (err) => assert.fail(`5xx: ${String(err)}`) }));
    return app;
  }

  it('answers 400 with the kit-wide issue list, 409 for a duplicate id, 413 for an oversized record', async () => {
    const app = appWith(new IntegrationCredentialsStore({ encryptionKey: newKey(), redis: false, maxRecordBytes: 2048 }));
    const bad = await request(app).post('/users/u1/credentials').send({ type: 'api_key', provider: 'p' }).expect(400);
    assert.ok(Array.isArray(bad.body.detail) && bad.body.detail.length > 0);
    for (const issue of bad.body.detail) assert.deepEqual(Object.keys(issue).sort(), ['code', 'location', 'message', 'path']);
    assert.equal(bad.body.detail[0].location, 'body');
    await request(app).post('/users/u1/credentials').send({ id: 'c1', type: 'api_key', provider: 'p', apiKey: 'k' }).expect(201);
    const duplicate = await request(app).post('/users/u1/credentials').send({ id: 'c1', type: 'api_key', provider: 'p', apiKey: 'k' }).expect(409);
    assert.match(duplicate.body.detail, /already exist/);
    const large = await request(app).post('/users/u1/credentials').send({ type: 'api_key', provider: 'p', apiKey: 'k'.repeat(3000) }).expect(413);
    assert.match(large.body.detail, /too large/);
  });

  it('redis: false is memory even when REDIS_URL is set; other non-client values are a ConfigError', () => {
    const store = new IntegrationCredentialsStore({ encryptionKey: newKey(), redis: false, env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    assert.equal(store.backend, 'memory');
    assert.throws(() => new IntegrationCredentialsStore({ encryptionKey: newKey(), redis: true as never, env: {} }), (err: unknown) => err instanceof ConfigError && /redis/.test(err.message));
  });
});
