/**
 * One hello-world server for the HTTP bench, in its own process (so the load generator does not
 * share its event loop). argv: <variant> <redis url>. Prints the port on stdout.
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
process.on('SIGTERM', () => {
  server.close();
  client?.disconnect();
  process.exit(0);
});
