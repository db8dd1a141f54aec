/**
 * `check()` calls/s, 100 in flight over 1000 keys: our three algorithms vs rate-limiter-flexible
 * RateLimiterRedis vs express-rate-limit's rate-limit-redis store, all on one private
 * redis-server, every client with auto-pipelining; then the ceilings: `redis-benchmark -c 100
 * -P 16` running our single-key check script by EVALSHA (one check per command: the issue's
 * ceiling) and running our batch script with 16 keys per command (the server's own limit when
 * checks are batched, as `check()` does); then the memory stores.
 *
 * Run: flock /tmp/epk-bench.lock npx tsx bench/rate-limit/check-throughput.ts
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { MemoryStore } from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { RATE_LIMIT_ALGORITHMS, createRateLimiter } from '../../lib/rate-limit/index.js';
import { rateLimitBatchLua, rateLimitLua } from '../../lib/rate-limit/redis-scripts.js';
import { startRedis } from '../../test/support/redis-server.js';
import { fmt, ratio, redisBenchmark, throughput } from './harness.js';

const LIMIT = 1_000_000; // every check is allowed: we measure the full read-decide-write path
const WINDOW_MS = 1000; // short, so the sliding log holds a realistic ~50 entries per key
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 2000);

async function main(): Promise<void> {
  const server = await startRedis();
  const client = new Redis(server.url, { enableAutoPipelining: true });
  try {
    const contenders: Record<string, (key: string) => Promise<unknown>> = {};
    for (const algorithm of RATE_LIMIT_ALGORITHMS) {
      const limiter = createRateLimiter({ name: `bench-${algorithm}`, redis: client, algorithm, limit: LIMIT, windowMs: WINDOW_MS });
      contenders[`ours ${algorithm}`] = (key) => limiter.check(key);
    }
    const flexible = new RateLimiterRedis({ storeClient: client, points: LIMIT, duration: WINDOW_MS / 1000, keyPrefix: 'rlflx' });
    contenders['rate-limiter-flexible RateLimiterRedis'] = (key) => flexible.consume(key);
    const erlStore = new RedisStore({
      sendCommand: (...args: string[]) => client.call(args[0]!, ...args.slice(1)) as Promise<never>,
      prefix: 'rlr:',
    });
    erlStore.init({ windowMs: WINDOW_MS } as never);
    contenders['rate-limit-redis (express-rate-limit)'] = (key) => erlStore.increment(key);

    const redisResults = await measure(contenders);

    // The ceiling: the same scripts by EVALSHA from redis-benchmark (C, 100 connections, 16-deep pipelines).
    const ceilings: Record<string, number> = {};
    const batchCeilings: Record<string, number> = {};
    const BATCH_KEYS = 16;
    for (const algorithm of RATE_LIMIT_ALGORITHMS) {
      const policy = { algorithm, limit: LIMIT, windowMs: WINDOW_MS, capacity: LIMIT };
      // the single-key check script: the same Lua function as the batch script, one key per command
      const lua = rateLimitLua(policy, true);
      const sha = createHash('sha1').update(lua).digest('hex');
      await client.script('LOAD', lua);
      ceilings[algorithm] = redisBenchmark(server.port, [
        '-c', '100', '-P', '16', '-n', '400000', '-r', '1000',
        'EVALSHA', sha, '1', `rl:{ceiling:k:user:__rand_int__}:${algorithm}`,
      ]);
      // exactly the batch script our limiter sends for this policy, 16 random keys per command
      const batch = rateLimitBatchLua(policy);
      const batchSha = createHash('sha1').update(batch).digest('hex');
      await client.script('LOAD', batch);
      batchCeilings[algorithm] = BATCH_KEYS * redisBenchmark(server.port, [
        '-c', '100', '-P', '4', '-n', '40000', '-r', '1000',
        'EVALSHA', batchSha, String(BATCH_KEYS), ...Array.from({ length: BATCH_KEYS }, () => `rl:{batch:k:user:__rand_int__}:${algorithm}`),
      ]);
    }

    const memoryContenders: Record<string, (key: string) => Promise<unknown>> = {};
    for (const algorithm of RATE_LIMIT_ALGORITHMS) {
      const limiter = createRateLimiter({ name: `mem-${algorithm}`, store: 'memory', algorithm, limit: LIMIT, windowMs: WINDOW_MS });
      memoryContenders[`ours memory ${algorithm}`] = (key) => limiter.check(key);
    }
    const flexMemory = new RateLimiterMemory({ points: LIMIT, duration: WINDOW_MS / 1000 });
    memoryContenders['rate-limiter-flexible RateLimiterMemory'] = (key) => flexMemory.consume(key);
    const erlMemory = new MemoryStore();
    erlMemory.init({ windowMs: WINDOW_MS } as never);
    memoryContenders['express-rate-limit MemoryStore'] = (key) => erlMemory.increment(key);
    // The floor of any honest in-memory check: one Map lookup, one clock read, one fresh result
    // object, one promise (no window logic at all). No limiter can beat it in this loop.
    const floorEntries = new Map<string, { hits: number }>();
    memoryContenders['floor: Map get + Date.now() + result object + promise'] = (key) => {
      let entry = floorEntries.get(key);
      if (entry === undefined) floorEntries.set(key, (entry = { hits: 0 }));
      entry.hits++;
      return Promise.resolve({ allowed: true, limit: LIMIT, remaining: LIMIT - entry.hits, resetAt: Date.now() + WINDOW_MS, retryAfterMs: 0 });
    };
    const memoryResults = await measure(memoryContenders);
    erlMemory.shutdown();

    const flexRedis = redisResults['rate-limiter-flexible RateLimiterRedis']!;
    const rlr = redisResults['rate-limit-redis (express-rate-limit)']!;
    console.log('\n## Redis check() calls/s (100 in flight, 1000 keys)\n');
    console.log('| contender | calls/s | vs RateLimiterRedis | vs rate-limit-redis | vs redis-benchmark, 1 check per EVALSHA | vs redis-benchmark, 16 checks per EVALSHA |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const [name, value] of Object.entries(redisResults)) {
      const algorithm = RATE_LIMIT_ALGORITHMS.find((a) => name === `ours ${a}`);
      const single = algorithm ? `${ratio(value, ceilings[algorithm]!)} of ${fmt(ceilings[algorithm]!)}` : '';
      const batched = algorithm ? `${ratio(value, batchCeilings[algorithm]!)} of ${fmt(batchCeilings[algorithm]!)}` : '';
      console.log(`| ${name} | ${fmt(value)} | ${ratio(value, flexRedis)} | ${ratio(value, rlr)} | ${single} | ${batched} |`);
    }
    const flexMem = memoryResults['rate-limiter-flexible RateLimiterMemory']!;
    const erlMem = memoryResults['express-rate-limit MemoryStore']!;
    console.log('\n## Memory check() calls/s (100 in flight, 1000 keys)\n');
    console.log('| contender | calls/s | vs RateLimiterMemory | vs express-rate-limit MemoryStore |');
    console.log('|---|---:|---:|---:|');
    for (const [name, value] of Object.entries(memoryResults)) console.log(`| ${name} | ${fmt(value)} | ${ratio(value, flexMem)} | ${ratio(value, erlMem)} |`);
  } finally {
    client.disconnect();
    await server.stop();
  }
}

/** Best of ROUNDS alternating runs per contender. */
async function measure(contenders: Record<string, (key: string) => Promise<unknown>>): Promise<Record<string, number>> {
  const best: Record<string, number> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, call] of Object.entries(contenders)) {
      const value = await throughput(call, { durationMs: DURATION_MS });
      best[name] = Math.max(best[name] ?? 0, value);
      process.stderr.write(`round ${round + 1} ${name}: ${fmt(value)}/s\n`);
    }
  }
  return best;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
