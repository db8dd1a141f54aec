/**
 * The kit's full stack for bench/http: request context + JSON access log to a file + rate
 * limit (Redis or memory) + HS256 JWT, wired the way the docs recommend.
 */
import express, { type Express } from 'express';
import winston from 'winston';
import { createJwtVerifier, requireUser } from '../../lib/auth/index.js';
import { errorHandler } from '../../lib/errors/index.js';
import { accessLog, configureLogging, jsonFormat, requestContext } from '../../lib/logging/index.js';
import { rateLimit } from '../../lib/rate-limit/index.js';
import type { BenchAppOptions } from './peer-stack.js';

export function kitApp(options: BenchAppOptions): Express {
  configureLogging({
    console: false,
    file: false,
    level: 'INFO',
    transports: [new winston.transports.File({ filename: options.logFile, format: jsonFormat() })],
  });
  // BENCH_JWT_CACHE=1: the verified-token cache (off by default; see docs/auth.md for the trade-off).
  const cache = process.env.BENCH_JWT_CACHE === '1';
  const verifier = createJwtVerifier({ verifyKey: options.secret, algorithm: 'HS256', audience: 'authenticated', cache });
  const app = express();
  app.use(requestContext(), accessLog());
  app.use(requireUser({ verifier }));
  app.use(rateLimit({ name: 'bench', limit: options.limit, windowMs: 60_000, algorithm: 'sliding-window', ...(options.redisUrl ? { redis: options.redisUrl } : {}) }));
  app.get('/hello', (_req, res) => {
    res.json({ hello: 'world' });
  });
  app.use(errorHandler());
  return app;
}
