import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import express5 from 'express';
import winston from 'winston';
import fc from 'fast-check';
import type { Express, Request } from 'express';
import request from 'supertest';
import { APIKeyManager, requireApiKey, type StoredAPIKey } from '../../lib/api-key/index.js';
import { ConfigError } from '../../lib/config/index.js';
import { errorHandler, HttpError } from '../../lib/errors/index.js';
import { getRootLogger } from '../../lib/logging/logger.js';
import { API_KEY_SCHEME, getOpenApiMetadata } from '../../lib/openapi/metadata.js';
import { forEachExpress } from '../support/express.js';

interface KeyRecord extends StoredAPIKey {
  id: string;
  owner: string;
}
const legacyVector = (JSON.parse(readFileSync(new URL('./fixtures/api-key-scrypt.json', import.meta.url), 'utf8')) as {
  vectors: { key: string; legacy_sha256: string; head: string }[];
}).vectors[0] as { key: string; legacy_sha256: string; head: string };

const manager = new APIKeyManager();
const HEAD_SHAPE = /^agpt_[A-Za-z0-9_-]{3}$/;
const quiet = { onServerError: () => {} };

forEachExpress('requireApiKey', ({ create }) => {
  let alice: { key: string; record: KeyRecord };
  let bob: { key: string; record: KeyRecord };
  let legacy: KeyRecord;
  let byHead: Map<string, KeyRecord[]>;
  let lookups: string[];
  let rehashed: { id: string; key: string }[];

  function app(options: Partial<Parameters<typeof requireApiKey<KeyRecord>>[0]> = {}): Express {
    const server = create();
    server.get(
      '/me',
      requireApiKey<KeyRecord>({
        lookup: async (head) => {
          // a well-formed head is all the lookup ever sees, whatever the client sent
          if (!HEAD_SHAPE.test(head)) throw new Error(`lookup called with a malformed head ${JSON.stringify(head)}`);
          lookups.push(head);
          return byHead.get(head) ?? [];
        },
        onLegacyHash: async (record, key) => {
          const { hash, salt } = await manager.hash(key);
          Object.assign(record, { hash, salt });
          rehashed.push({ id: record.id, key });
        },
        ...options,
      }),
      (req: Request, res) => {
        res.json({ id: req.apiKey?.id, owner: req.apiKey?.owner });
      },
    );
    server.use(errorHandler(quiet));
    return server;
  }

  before(async () => {
    const [a, b] = await Promise.all([manager.generate(), manager.generate()]);
    alice = { key: a.key, record: { id: 'k1', owner: 'alice', hash: a.hash, salt: a.salt } };
    bob = { key: b.key, record: { id: 'k2', owner: 'bob', hash: b.hash, salt: b.salt } };
  });
  beforeEach(() => {
    legacy = { id: 'k3', owner: 'carol', hash: legacyVector.legacy_sha256, salt: null };
    byHead = new Map();
    for (const record of [alice.record, bob.record]) byHead.set(manager.head(record === alice.record ? alice.key : bob.key), [record]);
    byHead.set(legacyVector.head, [legacy]);
    lookups = [];
    rehashed = [];
  });

  it('accepts a valid key in X-API-Key and puts its record on req.apiKey', async () => {
    const res = await request(app()).get('/me').set('X-API-Key', alice.key).expect(200);
    assert.deepEqual(res.body, { id: 'k1', owner: 'alice' });
    assert.deepEqual(lookups, [manager.head(alice.key)]);
  });

  it('accepts `Authorization: Bearer agpt_…` (scheme case-insensitive)', async () => {
    await request(app()).get('/me').set('Authorization', `Bearer ${bob.key}`).expect(200, { id: 'k2', owner: 'bob' });
    await request(app()).get('/me').set('Authorization', `bearer  ${bob.key}`).expect(200);
  });

  it('answers 401 ERR_API_KEY_MISSING with an APIKey challenge when no key is sent (a JWT bearer is not a key)', async () => {
    for (const headers of [{}, { Authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.x' }, { 'X-API-Key': '   ' }, { Authorization: 'Basic dTpw' }]) {
      const res = await request(app()).get('/me').set(headers).expect(401);
      assert.deepEqual(res.body, { detail: 'API key is missing' });
      assert.equal(res.headers['www-authenticate'], 'APIKey header="X-API-Key"');
    }
    assert.deepEqual(lookups, []);
  });

  it('answers 401 ERR_API_KEY_INVALID for a wrong key, with the challenge of the way it was sent', async () => {
    const wrong = `${alice.key.slice(0, -2)}xx`;
    const viaHeader = await request(app()).get('/me').set('X-API-Key', wrong).expect(401);
    assert.deepEqual(viaHeader.body, { detail: 'Invalid API key' });
    assert.equal(viaHeader.headers['www-authenticate'], 'APIKey header="X-API-Key"');
    const viaBearer = await request(app()).get('/me').set('Authorization', `Bearer ${wrong}`).expect(401);
    assert.equal(viaBearer.headers['www-authenticate'], 'Bearer error="invalid_token"');
    assert.doesNotMatch(JSON.stringify(viaHeader.body) + JSON.stringify(viaHeader.headers), new RegExp(wrong.slice(8)));
  });

  it('rejects an unknown head and a malformed key without verifying anything', async () => {
    await request(app()).get('/me').set('X-API-Key', manager.newKey().replace(/^agpt_.../, 'agpt_~~~')).expect(401);
    await request(app()).get('/me').set('X-API-Key', 'agpt_short').expect(401);
    await request(app()).get('/me').set('X-API-Key', alice.key.replace('agpt_', 'sk_')).expect(401);
    assert.deepEqual(lookups, []);
  });

  it('verifies every candidate sharing a head (heads are short) and picks the one that matches', async () => {
    const decoy: KeyRecord = { id: 'decoy', owner: 'mallory', hash: 'ab'.repeat(32), salt: 'cd'.repeat(32) };
    byHead.set(manager.head(alice.key), [decoy, alice.record]);
    await request(app()).get('/me').set('X-API-Key', alice.key).expect(200, { id: 'k1', owner: 'alice' });
    await request(app({ maxCandidates: 1 })).get('/me').set('X-API-Key', alice.key).expect(401);
  });

  it('accepts a legacy SHA-256 key, calls onLegacyHash once, and the re-hashed record verifies next time', async () => {
    const server = app();
    await request(server).get('/me').set('X-API-Key', legacyVector.key).expect(200, { id: 'k3', owner: 'carol' });
    assert.deepEqual(rehashed, [{ id: 'k3', key: legacyVector.key }]);
    assert.equal(manager.needsRehash(legacy.salt), false);
    await request(server).get('/me').set('X-API-Key', legacyVector.key).expect(200);
    assert.equal(rehashed.length, 1);
  });

  it('still lets a valid legacy key in when onLegacyHash fails', async () => {
    const server = app({ onLegacyHash: () => Promise.reject(new Error('database is read-only')) });
    await request(server).get('/me').set('X-API-Key', legacyVector.key).expect(200);
  });

  it('passes a failing lookup to next(err): a 5xx without internals, or the lookup’s own HttpError', async () => {
    const broken = app({ lookup: () => Promise.reject(new Error('connection refused to db at 10.1.2.3')) });
    const res = await request(broken).get('/me').set('X-API-Key', alice.key).expect(500);
    assert.deepEqual(res.body, { detail: 'Internal Server Error' });
    const unavailable = app({ lookup: () => { throw new HttpError(503, 'Key store unavailable'); } });
    await request(unavailable).get('/me').set('X-API-Key', alice.key).expect(503, { detail: 'Service Unavailable' });
  });

  it('answers 401, never 5xx, to any X-API-Key or Authorization value (fast-check)', async function () {
    this.timeout(60_000);
    const server = app();
    const headerChar = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })).map((c) => String.fromCharCode(c));
    const anyText = fc.string({ unit: headerChar, maxLength: 120 });
    const keyLike = fc.string({ unit: fc.constantFrom(...'abcXYZ019_-=.~+/ '.split('')), minLength: 0, maxLength: 70 });
    const value = fc.oneof(
      anyText,
      keyLike.map((body) => `agpt_${body}`),
      keyLike.map((body) => `${manager.head(alice.key)}${body}`), // a known head: full verification runs
      fc.constantFrom(`${alice.key},${alice.key}`, `${alice.key} `, `Bearer ${alice.key}`, alice.key.toUpperCase()),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('X-API-Key', 'Authorization'), fc.boolean(), value, async (header, asBearer, text) => {
        const sent = header === 'Authorization' && asBearer ? `Bearer ${text}` : text;
        const res = await request(server).get('/me').set(header, sent);
        const bare = header === 'Authorization' ? sent.trim().replace(/^Bearer +/i, '') : sent.trim();
        const validForm = header === 'Authorization' ? /^Bearer +/i.test(sent.trim()) && bare === alice.key : bare === alice.key;
        if (validForm) return assert.equal(res.status, 200); // the only accepted shapes
        assert.equal(res.status, 401, `${header}: ${JSON.stringify(sent)} -> ${res.status} ${JSON.stringify(res.body)}`);
        assert.match(String(res.headers['www-authenticate']), /^(APIKey header="X-API-Key"|Bearer error="invalid_token")$/);
      }),
      { numRuns: 120 },
    );
  });

  it('describes itself to the OpenAPI generator as the APIKeyHeader scheme with a 401', () => {
    const middleware = requireApiKey({ lookup: () => null });
    assert.equal(middleware.name, 'requireApiKey');
    assert.deepEqual(getOpenApiMetadata(middleware), { security: [{ [API_KEY_SCHEME]: [] }], unauthorized: true });
  });

  it('reads a custom header and a custom prefix', async () => {
    const acme = new APIKeyManager({ prefix: 'acme_' });
    const generated = await acme.generate();
    const server = create();
    server.get('/', requireApiKey({ manager: acme, header: 'X-Acme-Key', lookup: () => ({ hash: generated.hash, salt: generated.salt }) }), (_req, res) => {
      res.send('ok');
    });
    server.use(errorHandler(quiet));
    await request(server).get('/').set('X-Acme-Key', generated.key).expect(200, 'ok');
    await request(server).get('/').set('Authorization', `Bearer ${generated.key}`).expect(200);
    const res = await request(server).get('/').set('X-API-Key', generated.key).expect(401);
    assert.equal(res.headers['www-authenticate'], 'APIKey header="X-Acme-Key"');
  });
});

describe('requireApiKey options', () => {
  it('fails at startup with a ConfigError on missing lookup, bad header, bad manager or unknown option', () => {
    assert.throws(() => requireApiKey({} as never), (error: unknown) => error instanceof ConfigError && /lookup/.test(error.message));
    assert.throws(() => requireApiKey({ lookup: () => null, header: 'Bad Header' }), ConfigError);
    assert.throws(() => requireApiKey({ lookup: () => null, manager: {} as APIKeyManager }), ConfigError);
    assert.throws(() => requireApiKey({ lookup: () => null, maxCandidates: 0 }), ConfigError);
    assert.throws(() => requireApiKey({ lookup: () => null, lookUp: 1 } as never), ConfigError);
  });
});

describe('requireApiKey logging', () => {
  it('never writes the key into a log line (onLegacyHash failure)', async () => {
    const lines: string[] = [];
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    const transport = new winston.transports.Stream({ stream: sink, format: winston.format.json() });
    getRootLogger().add(transport);
    try {
      const server = express5();
      const record = { hash: legacyVector.legacy_sha256, salt: null };
      server.get('/', requireApiKey({ lookup: () => record, onLegacyHash: (_record, key) => { throw new Error(`read-only replica, could not update ${key}`); } }), (_req, res) => {
        res.send('ok');
      });
      await request(server).get('/').set('X-API-Key', legacyVector.key).expect(200);
    } finally {
      getRootLogger().remove(transport);
    }
    const output = lines.join('');
    assert.match(output, /onLegacyHash failed/);
    assert.ok(!output.includes(legacyVector.key.slice(8)), 'the key must not be logged');
  });
});
