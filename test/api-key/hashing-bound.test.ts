import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Request } from 'express';
import request from 'supertest';
import { APIKeyManager, requireApiKey, type StoredAPIKey } from '../../lib/api-key/index.js';
import { ConfigError } from '../../lib/config/index.js';
import { errorHandler, isKitError } from '../../lib/errors/index.js';
import { forEachExpress } from '../support/express.js';

/** A well-formed key sharing `key`'s head but not its body: an anonymous guess. */
function guess(key: string, i: number): string {
  return `${key.slice(0, 8)}${String(i).padStart(4, '0')}${'A'.repeat(key.length - 12)}`;
}

describe('APIKeyManager: bounded scrypt work', () => {
  it('keeps the thread pool free for other work while 40 guesses are hashed (an fs.readFile is not queued behind them)', async () => {
    const manager = new APIKeyManager({ maxConcurrentHashes: 2, maxQueuedHashes: 100, hashQueueTimeoutMs: 30_000, verifiedCacheTtlMs: 0 });
    const real = await manager.generate();
    let hashed = 0;
    const guesses = Array.from({ length: 40 }, (_, i) => manager.verify(guess(real.key, i), real.hash, real.salt).then((ok) => {
      hashed += 1;
      return ok;
    }));
    await readFile(new URL(import.meta.url));
    // Unbounded, the 40 scrypts sit ahead of readFile's open/read/close in libuv's queue.
    assert.ok(hashed < 20, `${hashed} of 40 guesses were hashed before an unrelated readFile finished`);
    assert.deepEqual(new Set(await Promise.all(guesses)), new Set([false]));
  });

  it('refuses beyond the bound with a KitError ERR_API_KEY_BUSY (queue full), never a wrong verdict', async () => {
    const manager = new APIKeyManager({ maxConcurrentHashes: 1, maxQueuedHashes: 2, verifiedCacheTtlMs: 0 });
    const real = await manager.generate();
    const settled = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => manager.verify(guess(real.key, i), real.hash, real.salt)));
    assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected']);
    for (const s of settled) {
      if (s.status === 'fulfilled') assert.equal(s.value, false);
      else assert.ok(isKitError(s.reason) && s.reason.code === 'ERR_API_KEY_BUSY' && !String(s.reason.message).includes(real.key.slice(8)));
    }
  });

  it('refuses a hash that waited longer than hashQueueTimeoutMs', async () => {
    const manager = new APIKeyManager({ maxConcurrentHashes: 1, maxQueuedHashes: 10, hashQueueTimeoutMs: 1, verifiedCacheTtlMs: 0 });
    const real = await manager.generate();
    const first = manager.verify(guess(real.key, 1), real.hash, real.salt);
    await assert.rejects(manager.verify(guess(real.key, 2), real.hash, real.salt), (err: unknown) => isKitError(err) && err.code === 'ERR_API_KEY_BUSY');
    assert.equal(await first, false);
  });

  it('remembers a successful verification: a known key answers while every hashing slot is taken', async () => {
    const manager = new APIKeyManager({ maxConcurrentHashes: 1, maxQueuedHashes: 0 });
    const real = await manager.generate();
    assert.equal(await manager.verify(real.key, real.hash, real.salt), true);
    const busy = manager.verify(guess(real.key, 1), real.hash, real.salt); // holds the only slot
    assert.equal(await manager.verify(real.key, real.hash, real.salt), true); // no scrypt needed
    // what is remembered is the (key, stored hash, salt) match: another salt is a new check
    const other = await manager.hash(real.key).catch((err: unknown) => err);
    assert.ok(isKitError(other) && other.code === 'ERR_API_KEY_BUSY');
    await assert.rejects(manager.verify(real.key, real.hash.replace(/^./, (c) => (c === '0' ? '1' : '0')), real.salt), (err: unknown) => isKitError(err));
    assert.equal(await busy, false);
  });

  it('does not remember failures, and remembers nothing with verifiedCacheTtlMs 0', async () => {
    const manager = new APIKeyManager({ maxConcurrentHashes: 1, maxQueuedHashes: 0, verifiedCacheTtlMs: 0 });
    const real = await manager.generate();
    assert.equal(await manager.verify(real.key, real.hash, real.salt), true);
    const busy = manager.verify(guess(real.key, 1), real.hash, real.salt);
    await assert.rejects(manager.verify(real.key, real.hash, real.salt), (err: unknown) => isKitError(err) && err.code === 'ERR_API_KEY_BUSY');
    await busy;
  });

  it('fails at construction with a ConfigError on bad bounds', () => {
    assert.throws(() => new APIKeyManager({ maxConcurrentHashes: 0 }), ConfigError);
    assert.throws(() => new APIKeyManager({ maxQueuedHashes: -1, hashQueueTimeoutMs: 0, verifiedCacheTtlMs: -5 }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.issues.map((i) => i.variable).sort(), ['hashQueueTimeoutMs', 'maxQueuedHashes', 'verifiedCacheTtlMs']);
      return true;
    });
  });
});

forEachExpress('requireApiKey under load', ({ create }) => {
  it('answers 503 ERR_API_KEY_BUSY with Retry-After beyond the bound, 401 to the guesses it hashed, never a 500', async () => {
    const manager = new APIKeyManager({ maxConcurrentHashes: 1, maxQueuedHashes: 1, verifiedCacheTtlMs: 0 });
    const real = await manager.generate();
    const record: StoredAPIKey & { id: string } = { id: 'k1', hash: real.hash, salt: real.salt };
    const clients = 6;
    // every request waits in lookup until all have arrived, so all verify at once
    let arrived = 0;
    let release!: () => void;
    const allArrived = new Promise<void>((resolve) => (release = resolve));
    const app = create();
    app.get('/v1', requireApiKey({
      manager,
      lookup: async () => {
        arrived += 1;
        if (arrived === clients) release();
        await allArrived;
        return record;
      },
    }), (req: Request, res) => res.json({ id: req.apiKey?.id }));
    app.use(errorHandler({ onServerError: () => {} }));
    const server = app.listen(0, '127.0.0.1');
    try {
      const responses = await Promise.all(Array.from({ length: clients }, (_, i) => request(server).get('/v1').set('X-API-Key', guess(real.key, i))));
      const statuses = responses.map((r) => r.status).sort();
      assert.deepEqual(statuses, [401, 401, 503, 503, 503, 503]);
      for (const res of responses.filter((r) => r.status === 503)) {
        assert.equal(res.headers['retry-after'], '1');
        assert.deepEqual(res.body, { detail: 'API key verification is busy, retry shortly' });
      }
    } finally {
      server.close();
    }
  });
});
