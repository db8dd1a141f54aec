/**
 * Redis MEMORY USAGE per key, 10k keys per algorithm (one request each), plus the sliding log
 * at its bound (limit requests per key), and the peers' keys for scale.
 *
 * Run: flock /tmp/epk-bench.lock npx tsx bench/rate-limit/memory-usage.ts
 */
import { Redis } from 'ioredis';
import { RedisStore } from 'rate-limit-redis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { RATE_LIMIT_ALGORITHMS, createRateLimiter, rateLimitStorageKey } from '../../lib/rate-limit/index.js';
import { startRedis } from '../../test/support/redis-server.js';
import { fmt } from './harness.js';

const KEYS = 10_000;
const LIMIT = 100;

async function averageUsage(client: Redis, keys: string[]): Promise<number> {
  const usages = await Promise.all(keys.map((key) => client.call('MEMORY', 'USAGE', key, 'SAMPLES', '0') as Promise<number>));
  return usages.reduce((a, b) => a + Number(b), 0) / usages.length;
}

async function main(): Promise<void> {
  const server = await startRedis();
  const client = new Redis(server.url, { enableAutoPipelining: true });
  const ids = Array.from({ length: KEYS }, (_, i) => `user:${10_000_000 + i}`);
  const rows: [string, number][] = [];
  try {
    for (const algorithm of RATE_LIMIT_ALGORITHMS) {
      const limiter = createRateLimiter({ name: 'api', redis: client, algorithm, limit: LIMIT, windowMs: 60_000 });
      await Promise.all(ids.map((id) => limiter.check(id)));
      rows.push([`ours ${algorithm}, 1 request per key`, await averageUsage(client, ids.map((id) => rateLimitStorageKey('api', algorithm, id)))]);
    }
    const full = createRateLimiter({ name: 'full', redis: client, algorithm: 'sliding-log', limit: LIMIT, windowMs: 60_000 });
    const some = ids.slice(0, 200);
    for (let i = 0; i < LIMIT * 2; i++) await Promise.all(some.map((id) => full.check(id)));
    rows.push([`ours sliding-log at its bound (${LIMIT} requests per key, ${LIMIT * 2} sent)`, await averageUsage(client, some.map((id) => rateLimitStorageKey('full', 'sliding-log', id)))]);

    const flexible = new RateLimiterRedis({ storeClient: client, points: LIMIT, duration: 60, keyPrefix: 'rlflx' });
    await Promise.all(ids.map((id) => flexible.consume(id)));
    rows.push(['rate-limiter-flexible RateLimiterRedis', await averageUsage(client, ids.map((id) => `rlflx:${id}`))]);
    const store = new RedisStore({ sendCommand: (...args: string[]) => client.call(args[0]!, ...args.slice(1)) as Promise<never> });
    store.init({ windowMs: 60_000 } as never);
    await Promise.all(ids.map((id) => store.increment(id)));
    rows.push(['rate-limit-redis', await averageUsage(client, ids.map((id) => `rl:${id}`))]);
  } finally {
    client.disconnect();
    await server.stop();
  }
  console.log(`\n## Redis MEMORY USAGE per key (${fmt(KEYS)} keys like "user:10000000", limit ${LIMIT})\n`);
  console.log('| keys | bytes per key |');
  console.log('|---|---:|');
  for (const [name, bytes] of rows) console.log(`| ${name} | ${Math.round(bytes)} |`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
