/**
 * The kit's full stack for bench/http, at its default settings: request context + JSON access
 * log through the kit's own file logging + HS256 JWT (verified-token cache off, the default) +
 * rate limit (Redis or memory; the default algorithm unless BENCH_RL_ALGORITHM names one),
 * wired the way the docs recommend. Only the limit is raised (the bench measures the cost of
 * counting, not rejections) and the console is off (the floor and the peers log to a file).
 */
import express, { type Express } from 'express';
import { createJwtVerifier, requireUser } from '../../lib/auth/index.js';
import { errorHandler } from '../../lib/errors/index.js';
import { accessLog, configureLogging, requestContext } from '../../lib/logging/index.js';
import { RATE_LIMIT_ALGORITHMS, rateLimit, type RateLimitAlgorithm } from '../../lib/rate-limit/index.js';
import type { BenchAppOptions } from './options.js';

export type { BenchAppOptions } from './options.js';

/** The kit's file logging as ENABLE_FILE_LOGGING=true LOG_FORMAT=json gives it (console off). */
export function configureKitFileLogging(options: BenchAppOptions): void {
  configureLogging({ env: {}, console: false, file: true, logDir: options.logDir, format: 'json', level: 'INFO' });
}

/** BENCH_RL_ALGORITHM, when it names an algorithm; otherwise the kit's default is used. */
export function kitRateLimitAlgorithm(): RateLimitAlgorithm | undefined {
  const name = process.env.BENCH_RL_ALGORITHM;
  if (!name) return undefined;
  if (!(RATE_LIMIT_ALGORITHMS as readonly string[]).includes(name)) throw new Error(`BENCH_RL_ALGORITHM: unknown algorithm ${name}`);
  return name as RateLimitAlgorithm;
}

export function kitApp(options: BenchAppOptions): Express {
  configureKitFileLogging(options);
  // BENCH_JWT_CACHE=1: the verified-token cache (off by default; see docs/auth.md for the trade-off).
  const cache = process.env.BENCH_JWT_CACHE === '1';
  const verifier = createJwtVerifier({ verifyKey: options.secret, algorithm: 'HS256', audience: 'authenticated', cache });
  const algorithm = kitRateLimitAlgorithm();
  const app = express();
  app.use(requestContext(), accessLog());
  app.use(requireUser({ verifier }));
  app.use(rateLimit({
    name: 'bench',
    limit: options.limit,
    ...(algorithm ? { algorithm } : {}),
    ...(options.redisUrl ? { redis: options.redisUrl } : { store: 'memory' as const }),
  }));
  app.get('/hello', (_req, res) => {
    res.json({ hello: 'world' });
  });
  app.use(errorHandler());
  return app;
}
