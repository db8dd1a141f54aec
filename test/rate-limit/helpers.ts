/** Shared fixtures of the rate-limit tests: an app with normal, exempt and error routes. */
import { randomUUID } from 'node:crypto';
import type { Express, NextFunction, Request, Response } from 'express';
import { Cluster, Redis as IORedis, type Redis, type RedisOptions } from 'ioredis';
import { startCluster, startRedis, type RedisClusterHandle, type RedisServerHandle } from '../support/redis-server.js';
import { SignJWT } from 'jose';
import { errorHandler } from '../../lib/errors/index.js';

export const uniqueName = (prefix = 't'): string => `${prefix}-${randomUUID().slice(0, 8)}`;

/** Routes: /api/hello, /health, /healthz, /docs/page, /static/app.js, /metrics; errorHandler last. */
export function buildApp(app: Express, middlewares: ((req: Request, res: Response, next: NextFunction) => void)[], withErrorHandler = true): Express {
  for (const middleware of middlewares) app.use(middleware);
  for (const path of ['/api/hello', '/health', '/healthz', '/docs/page', '/static/app.js', '/metrics', '/openapi.json']) {
    app.get(path, (_req, res) => {
      res.send('ok');
    });
  }
  if (withErrorHandler) app.use(errorHandler({ onServerError: () => {} }));
  return app;
}

/** An HS256 JWT for `sub`, like the auth module accepts. */
export async function signTestJwt(sub: string): Promise<string> {
  return new SignJWT({ sub, role: 'authenticated' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setAudience('authenticated')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode('rate-limit-test-secret-0123456789abcdef'));
}

/** Collects coded KitWarnings emitted while `fn` runs. */
export async function collectWarnings(fn: () => Promise<void>): Promise<string[]> {
  const codes: string[] = [];
  const listener = (warning: Error & { code?: string }) => {
    if (warning.name === 'KitWarning') codes.push(String(warning.code));
  };
  process.on('warning', listener);
  try {
    await fn();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', listener);
  }
  return codes;
}

/** `calls=` of `command` in INFO commandstats (0 when the command has not run since RESETSTAT). */
export async function commandCalls(admin: Redis, command: string): Promise<number> {
  const stats = await admin.info('commandstats');
  const match = new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(stats);
  return match ? Number(match[1]) : 0;
}

/**
 * The two shared Redis backends of a describe block: a client of the harness's redis-server
 * (TEST_REDIS_URL) and a client of a fresh 3-master cluster, opened in `before` and closed in
 * `after`. Read `.redis` / `.cluster` inside tests (they exist once `before` ran).
 */
export function redisAndCluster(): { redis: Redis; cluster: Cluster } {
  const backends = {} as { redis: Redis; cluster: Cluster };
  let handle: RedisClusterHandle | undefined;
  before(async () => {
    backends.redis = new IORedis(process.env.TEST_REDIS_URL as string, { enableAutoPipelining: true });
    handle = await startCluster();
    backends.cluster = new Cluster(handle.nodes, { enableAutoPipelining: true });
    await backends.cluster.ping();
  });
  after(async () => {
    backends.redis?.disconnect();
    await backends.cluster?.quit();
    await handle?.stop();
  });
  return backends;
}

/**
 * A private redis-server for one describe block (its INFO commandstats, CONFIG and DEBUG
 * SLEEP touch no other test), opened in `before` and closed in `after`: `client` (auto-pipelined,
 * plus `clientOptions`) for the code under test, `admin` for the test's own commands. Read the
 * fields inside tests (they exist once `before` ran).
 */
export function privateRedis(clientOptions: RedisOptions = {}): { server: RedisServerHandle; client: IORedis; admin: IORedis } {
  const fixture = {} as { server: RedisServerHandle; client: IORedis; admin: IORedis };
  before(async () => {
    fixture.server = await startRedis();
    fixture.client = new IORedis(fixture.server.url, { enableAutoPipelining: true, ...clientOptions });
    fixture.client.on('error', () => {}); // a test that stops the server expects the client's errors
    fixture.admin = new IORedis(fixture.server.url);
    await fixture.client.ping();
  });
  after(async () => {
    fixture.client?.disconnect();
    fixture.admin?.disconnect();
    await fixture.server?.stop();
  });
  return fixture;
}
