/**
 * `healthRouter()`: `/livez` (the process answers) and `/readyz` (Redis, JWKS and the app's
 * own checks, each with a timeout, cached), plus the SIGTERM flow that turns readiness to 503
 * before `gracefulShutdown` drains. Mount it under `/health` so both paths fall under the rate
 * limiter's default exempt prefix.
 */
import { Router, type Request, type Response } from 'express';
import type { Server } from 'node:http';
import { z } from 'zod';
import { ConfigError, parseOptions, type KnownOptions } from '../config/settings.js';
import type { Env } from '../config/env.js';
import { resolveRedis, type RedisOption } from '../redis/index.js';
import { DEFAULT_STORE_TIMEOUT_MS } from '../redis/deadline.js';
import { jwksReachableCheck, redisPingCheck, type HealthCheck } from './checks.js';
import { Readiness, type ReadinessReport, type TimedCheck } from './readiness.js';
import { shutdownOnSignal, type ShutdownOnSignalOptions, type SignalShutdownHandle } from './signal.js';

export interface HealthRouterOptions {
  /** The app's own readiness checks: name → function; a rejection (or a timeout) means not ready. */
  checks?: Record<string, HealthCheck>;
  /** Redis to `PING`: a client or URL; `false` for none. Default `REDIS_URL` when set (the shared client). */
  redis?: RedisOption | false;
  /** JWKS URL that must answer (e.g. the `JWT_JWKS_URL` of your auth settings). Default none. */
  jwksUrl?: string;
  /** Deadline of each check, ms. Default 1000 (the Redis `PING`: 500, `DEFAULT_STORE_TIMEOUT_MS`). */
  timeoutMs?: number;
  /** How long a readiness verdict is reused, ms (probes cannot overload Redis). Default 1000; 0 = every probe runs the checks (concurrent probes still share one run). */
  cacheMs?: number;
  /** Environment for `REDIS_URL` (tests). */
  env?: Env;
}

/** The router, with the readiness state and the SIGTERM flow attached. */
export interface HealthRouter extends Router {
  /** The current readiness verdict (the body of `/readyz`). */
  readiness(): Promise<ReadinessReport>;
  /** Turns `/readyz` to 503 `shutting_down` for good (what the signal flow does first). */
  markShuttingDown(): void;
  /** On SIGTERM/SIGINT: readiness 503, wait `readinessDelayMs`, then `gracefulShutdown(server)`. */
  shutdownOnSignal(server: Server, options?: ShutdownOnSignalOptions): SignalShutdownHandle;
}

const MAX_MS = 2 ** 31 - 1;
const optionsSchema = z.object({
  checks: z.record(z.string().min(1).max(100), z.custom<HealthCheck>((v) => typeof v === 'function', { message: 'must be a function returning a promise' })).optional(),
  redis: z.unknown().optional(),
  jwksUrl: z.string().optional(),
  timeoutMs: z.number().int().min(1).max(MAX_MS).default(1000),
  cacheMs: z.number().int().min(0).max(MAX_MS).default(1000),
  env: z.record(z.string(), z.string().optional()).optional(),
});
const KNOWN: KnownOptions<HealthRouterOptions> = { checks: true, redis: true, jwksUrl: true, timeoutMs: true, cacheMs: true, env: true };

function parseJwksUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError([{ variable: 'jwksUrl', message: 'must be an absolute http(s) URL' }], 'healthRouter options');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError([{ variable: 'jwksUrl', message: 'must use http or https' }], 'healthRouter options');
  return url;
}

const BUILT_IN = new Set(['redis', 'jwks']);
// The built-in checks carry their own deadline (a coded error); the runner's timer is the backstop.
const BACKSTOP_MS = 50;

function buildChecks(parsed: z.output<typeof optionsSchema>): Map<string, TimedCheck> {
  const checks = new Map<string, TimedCheck>();
  const backstop = parsed.timeoutMs + BACKSTOP_MS;
  const redis = resolveRedis(parsed.redis as RedisOption | false | undefined, parsed.env);
  if (redis) checks.set('redis', { check: redisPingCheck(redis, Math.min(parsed.timeoutMs, DEFAULT_STORE_TIMEOUT_MS)), timeoutMs: backstop });
  if (parsed.jwksUrl) checks.set('jwks', { check: jwksReachableCheck(parseJwksUrl(parsed.jwksUrl), parsed.timeoutMs), timeoutMs: backstop });
  for (const [name, check] of Object.entries(parsed.checks ?? {})) {
    if (BUILT_IN.has(name)) throw new ConfigError([{ variable: `checks.${name}`, message: 'is a built-in check name (redis, jwks): choose another' }], 'healthRouter options');
    checks.set(name, { check, timeoutMs: parsed.timeoutMs });
  }
  return checks;
}

/**
 * Liveness and readiness endpoints. `GET /livez` answers 200 while the event loop runs (it
 * checks nothing else: a Redis outage must not get the pod restarted). `GET /readyz` answers
 * 200 `{ status: 'ok', checks }` or 503 with the failing checks' codes (never their messages),
 * and 503 `shutting_down` once a shutdown began. Bad options throw one `ConfigError`.
 *
 * @example
 * ```ts
 * const health = healthRouter({ checks: { db: () => pool.query('SELECT 1').then(() => {}) } })
 * app.use('/health', health) // /health/livez, /health/readyz: exempt from rate limits
 * health.shutdownOnSignal(app.listen(8080), { readinessDelayMs: 5000 })
 * ```
 */
export function healthRouter(options: HealthRouterOptions = {}): HealthRouter {
  const parsed = parseOptions(optionsSchema, options, 'healthRouter options', KNOWN);
  const readiness = new Readiness(buildChecks(parsed), parsed.cacheMs);
  const router = Router() as HealthRouter;
  const noStore = (res: Response) => res.setHeader('Cache-Control', 'no-store');

  router.get('/livez', function livez(_req: Request, res: Response) {
    noStore(res);
    res.status(200).json({ status: 'ok' });
  });
  router.get('/readyz', function readyz(_req: Request, res: Response, next) {
    readiness.report().then((report) => {
      noStore(res);
      res.status(report.status === 'ok' ? 200 : 503).json(report);
    }, next);
  });

  router.readiness = () => readiness.report();
  router.markShuttingDown = () => readiness.markShuttingDown();
  router.shutdownOnSignal = (server, signalOptions) => shutdownOnSignal(server, readiness, signalOptions);
  return router;
}
