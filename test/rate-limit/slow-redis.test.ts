/**
 * A Redis that answers slowly or not at all (CLIENT PAUSE, SIGSTOP) under a running app: every
 * store call has a deadline, after which `onStoreError` applies; the outage is one log line
 * when it starts and one when it ends. Its own redis-server: the shared one is never paused.
 */
import assert from 'node:assert/strict';
import type { NextFunction, Request, Response } from 'express';
import express from 'express';
import request from 'supertest';
import { isKitError } from '../../lib/errors/index.js';
import { getRootLogger } from '../../lib/logging/logger.js';
import { createRateLimiter, createRedisStore, rateLimit, type RateLimitMiddleware } from '../../lib/rate-limit/index.js';
import { freeze, pauseWrites } from '../redis/faults.js';
import { MemoryTransport } from '../logging/helpers.js';
import { privateRedis, uniqueName } from './helpers.js';

const TIMEOUT_MS = 150;

describe('rate-limit: a slow or stopped Redis', function () {
  this.timeout(30_000);
  const redis = privateRedis({ maxRetriesPerRequest: 1 });

  const isUnavailable = (error: unknown) => isKitError(error) && error.code === 'ERR_STORE_UNAVAILABLE';
  const limiter = (limit = 2) => createRateLimiter({ name: uniqueName('slow'), store: createRedisStore(redis.client, { timeoutMs: TIMEOUT_MS }), limit, windowMs: 60_000 });

  it('CLIENT PAUSE: a whole batch in flight fails with ERR_STORE_UNAVAILABLE at the deadline, then limiting resumes', async () => {
    const l = limiter();
    assert.equal((await l.check('a')).allowed, true);
    const unpause = await pauseWrites(redis.admin);
    try {
      const started = Date.now();
      const checks = ['a', 'b', 'c', 'd'].map((key) => l.check(key)); // one event-loop turn: one batch
      const settled = await Promise.allSettled(checks);
      const elapsed = Date.now() - started;
      assert.deepEqual(settled.map((s) => s.status), ['rejected', 'rejected', 'rejected', 'rejected']);
      for (const s of settled) assert.ok(isUnavailable((s as PromiseRejectedResult).reason));
      assert.ok(elapsed < 4000, `answered after ${elapsed} ms, not after the 8 s pause`);
      await assert.rejects(l.info('a'), isUnavailable);
      await assert.rejects(l.reset('a'), isUnavailable);
    } finally {
      await unpause();
    }
    const after = await l.check('z');
    assert.equal(after.allowed, true);
  });

  it('CLIENT PAUSE: refund, hitAll (one server) and a cost check fail at the deadline too, and nothing is charged twice after', async () => {
    const l = limiter(5);
    assert.equal((await l.check('r', { cost: 2 })).remaining, 3);
    const unpause = await pauseWrites(redis.admin);
    try {
      const started = Date.now();
      const settled = await Promise.allSettled([l.refund('r', 2), l.checkAll([{ key: 'r' }, { key: 's', limit: 9 }]), l.check('r', { cost: 2 }), l.check('b', { blockMs: 1000 })]);
      const elapsed = Date.now() - started;
      assert.deepEqual(settled.map((s) => s.status), ['rejected', 'rejected', 'rejected', 'rejected']);
      for (const s of settled) assert.ok(isUnavailable((s as PromiseRejectedResult).reason), String((s as PromiseRejectedResult).reason));
      assert.ok(elapsed < 4000, `answered after ${elapsed} ms, not after the 8 s pause`);
    } finally {
      await unpause();
    }
    // the timed-out calls still ran once Redis resumed (it had queued them), each exactly once:
    // 2 charged, refund −2, hitAll +1, cost check +2 (info is queued behind them on the connection)
    const after = await l.info('r');
    assert.equal(after.current, 2 - 2 + 1 + 2, `counted ${after.current}`);
  });

  it("SIGSTOP: 'open' passes and 'closed' answers 503 within the deadline; both count the failures", async () => {
    const middlewares = {
      open: rateLimit({ limiter: limiter(), onStoreError: 'open' }),
      closed: rateLimit({ limiter: limiter(), onStoreError: 'closed' }),
    };
    const app = express();
    for (const mode of ['open', 'closed'] as const) {
      app.get(`/${mode}`, middlewares[mode], (_req, res) => {
        res.send(mode);
      });
    }
    app.use((err: { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
      res.status(err.status ?? 500).end();
    });
    await request(app).get('/open').expect(200);
    const resume = freeze(redis.server);
    try {
      const started = Date.now();
      await request(app).get('/open').expect(200);
      await request(app).get('/closed').expect(503);
      assert.ok(Date.now() - started < 6000, 'no request held by a stopped Redis');
    } finally {
      resume();
    }
    assert.equal(middlewares.open.stats.storeErrors, 1);
    assert.equal(middlewares.closed.stats.storeErrors, 1);
  });

  it("'closed' during an outage: one log line when it starts, one when it ends with the count; the 503s are marked reported", async () => {
    const memory = new MemoryTransport();
    getRootLogger().add(memory);
    // a check that timed out still runs once Redis resumes (Redis queued it): room for those
    const middleware: RateLimitMiddleware = rateLimit({ limiter: limiter(10), onStoreError: 'closed' });
    const app = express();
    app.get('/x', middleware, (_req, res) => {
      res.send('ok');
    });
    const passed: unknown[] = [];
    app.use((err: { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
      passed.push(err);
      res.status(err.status ?? 500).end();
    });
    try {
      await request(app).get('/x').expect(200);
      const unpause = await pauseWrites(redis.admin);
      try {
        for (let i = 0; i < 4; i++) await request(app).get('/x').expect(503);
      } finally {
        await unpause();
      }
      await request(app).get('/x').expect(200);
    } finally {
      getRootLogger().remove(memory);
    }
    const lines = memory.records.filter((r) => r.logger === 'rate-limit' && String(r.message).includes(middleware.limiter.name));
    assert.equal(lines.length, 2, lines.map((r) => String(r.message)).join('\n'));
    assert.match(String(lines[0]!.message), /unavailable; failing closed/);
    assert.match(String(lines[1]!.message), /available again after 4 failed checks/);
    assert.equal(lines[1]!.failedChecks, 4);
    assert.equal(passed.length, 4);
    for (const err of passed) assert.equal((err as { reported?: boolean }).reported, true);
    assert.equal(middleware.stats.outages, 1);
  });
});
