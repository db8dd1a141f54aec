/**
 * The apps compared by bench/http: bare Express and the peer stack doing the same job as the
 * kit's full stack (JSON access log to a file + Redis rate limit + HS256 JWT):
 * express-winston + express-rate-limit with rate-limit-redis + express-jwt.
 */
import express, { type Express } from 'express';
import { expressjwt } from 'express-jwt';
import expressWinston from 'express-winston';
import { rateLimit as expressRateLimit, MemoryStore } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { Redis } from 'ioredis';
import winston from 'winston';
import type { BenchAppOptions } from './options.js';

export type { BenchAppOptions } from './options.js';

export function bareApp(): Express {
  const app = express();
  app.get('/hello', (_req, res) => {
    res.json({ hello: 'world' });
  });
  return app;
}

export function peerApp(options: BenchAppOptions): Express {
  const app = express();
  app.use(expressWinston.logger({
    transports: [new winston.transports.File({ filename: options.logFile })],
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    meta: true,
    expressFormat: true,
  }));
  app.use(expressjwt({ secret: options.secret, algorithms: ['HS256'], audience: 'authenticated' }));
  let store;
  if (options.redisUrl) {
    const client = new Redis(options.redisUrl, { enableAutoPipelining: true });
    store = new RedisStore({
      sendCommand: (command: string, ...args: string[]) => client.call(command, ...args) as Promise<RedisReply>,
    });
  } else {
    store = new MemoryStore();
  }
  app.use(expressRateLimit({
    windowMs: 60_000,
    limit: options.limit,
    store,
    standardHeaders: 'draft-8',
    legacyHeaders: true,
    keyGenerator: (req) => String((req as express.Request & { auth?: { sub?: string } }).auth?.sub ?? 'anonymous'),
    validate: false,
  }));
  app.get('/hello', (_req, res) => {
    res.json({ hello: 'world' });
  });
  return app;
}
