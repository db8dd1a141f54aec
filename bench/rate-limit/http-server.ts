/**
 * One hello-world server for the HTTP bench, in its own process (so the load generator does not
 * share its event loop). argv: <variant> <redis url>. Prints the port on stdout; answers any IPC
 * message with its `process.cpuUsage()`.
 */
import express from 'express';
import { Redis } from 'ioredis';
import { rateLimit as expressRateLimit } from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';
import { rateLimit } from '../../lib/rate-limit/index.js';

const [variant = 'bare', redisUrl = ''] = process.argv.slice(2);
const LIMIT = 1_000_000; // never reached: we measure the cost of counting, not of rejecting
const app = express();
app.disable('x-powered-by');
const client = variant.includes('redis') ? new Redis(redisUrl, { enableAutoPipelining: true }) : undefined;
switch (variant) {
  case 'bare-headers':
    // the floor of any limiter that sends the same five headers: constant values, no counting
    app.use((_req, res, next) => {
      res.setHeader('X-RateLimit-Limit', 1000000);
      res.setHeader('X-RateLimit-Remaining', 999999);
      res.setHeader('X-RateLimit-Reset', 1764633600);
      res.setHeader('RateLimit-Policy', '"http";q=1000000;w=60');
      res.setHeader('RateLimit', '"http";r=999999;t=60');
      next();
    });
    break;
  case 'ours-memory-noheaders':
    app.use(rateLimit({ name: 'http', store: 'memory', algorithm: 'sliding-window', limit: LIMIT, windowMs: 60_000, legacyHeaders: false, standardHeaders: false }));
    break;
  case 'ours-redis-noheaders':
    app.use(rateLimit({ name: 'http', redis: client!, algorithm: 'sliding-window', limit: LIMIT, windowMs: 60_000, legacyHeaders: false, standardHeaders: false }));
    break;
  case 'ours-memory':
    app.use(rateLimit({ name: 'http', store: 'memory', algorithm: 'sliding-window', limit: LIMIT, windowMs: 60_000 }));
    break;
  case 'ours-redis':
    app.use(rateLimit({ name: 'http', redis: client!, algorithm: 'sliding-window', limit: LIMIT, windowMs: 60_000 }));
    break;
  case 'erl-memory':
    app.use(expressRateLimit({ limit: LIMIT, windowMs: 60_000, standardHeaders: 'draft-8', legacyHeaders: true }));
    break;
  case 'erl-redis':
    app.use(expressRateLimit({
      limit: LIMIT, windowMs: 60_000, standardHeaders: 'draft-8', legacyHeaders: true,
      store: new RedisStore({ sendCommand: (...args: string[]) => client!.call(args[0]!, ...args.slice(1)) as Promise<never> }),
    }));
    break;
  default:
    break;
}
app.get('/', (_req, res) => {
  res.send('hello world');
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
// The bench asks for this process's CPU time around each measured run (CPU per request).
process.on('message', () => {
  process.send?.(process.cpuUsage());
});
process.on('SIGTERM', () => {
  server.close();
  client?.disconnect();
  process.exit(0);
});
