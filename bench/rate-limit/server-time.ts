/**
 * Redis server time per check (INFO commandstats usec_per_call) of each script: ours (as the
 * limiter builds them for limit 1e6 / 1 s), the peers' scripts and trivial floors, each driven by
 * `redis-benchmark -c 50 -P 16 -r 1000` (300k calls after a 50k warm-up) on a private server.
 * With the commands/s of that run (the C client's ceiling for the script).
 *
 * Run: flock /tmp/epk-bench.lock npx tsx bench/rate-limit/server-time.ts
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { RATE_LIMIT_ALGORITHMS } from '../../lib/rate-limit/index.js';
import { rateLimitBatchLua, rateLimitLua } from '../../lib/rate-limit/redis-scripts.js';
import { startRedis } from '../../test/support/redis-server.js';
import { fmt, redisBenchmark } from './harness.js';

const RLR_LUA = `local windowMs = tonumber(ARGV[2])
local timeToExpire = redis.call("PTTL", KEYS[1])
if timeToExpire <= 0 then
  redis.call("SET", KEYS[1], 1, "PX", windowMs)
  return { 1, windowMs }
end
local totalHits = redis.call("INCR", KEYS[1])
return { totalHits, timeToExpire }`;
// rate-limiter-flexible 5.x RateLimiterRedis (incrTtlLuaScript)
const RLF_LUA = `redis.call('set', KEYS[1], 0, 'EX', ARGV[2], 'NX') \
local consumed = redis.call('incrby', KEYS[1], ARGV[1]) \
local ttl = redis.call('pttl', KEYS[1]) \
if ttl == -1 then \
  redis.call('expire', KEYS[1], ARGV[2]) \
  ttl = 1000 * ARGV[2] \
end \
return {consumed, ttl} \
`;

async function main(): Promise<void> {
  const server = await startRedis();
  const admin = new Redis(server.url);
  try {
    const scripts: [string, string, string[]][] = [
      ['return 1', 'return 1', []],
      ['return {1,2,3,4,5}', 'return {1,2,3,4,5}', []],
      ["TIME, return 1", "local t = redis.call('TIME') return 1", []],
      ['rate-limit-redis (PTTL + INCR)', RLR_LUA, ['0', '1000']],
      ['rate-limiter-flexible (SET NX + INCRBY + PTTL)', RLF_LUA, ['1', '1']],
      ...RATE_LIMIT_ALGORITHMS.map((algorithm): [string, string, string[]] => [
        `ours ${algorithm}, single key`, rateLimitLua({ algorithm, limit: 1_000_000, windowMs: 1000, capacity: 1_000_000 }, true), [],
      ]),
    ];
    // the batch script the limiter sends, 16 keys per call: server time per check
    const BATCH = 16;
    const batchKeys = [String(BATCH), ...Array.from({ length: BATCH }, () => 'k{__rand_int__}')];
    const batches: [string, string, string[]][] = RATE_LIMIT_ALGORITHMS.map((algorithm) => [
      `ours ${algorithm}, batch of ${BATCH} (per check)`, rateLimitBatchLua({ algorithm, limit: 1_000_000, windowMs: 1000, capacity: 1_000_000 }), batchKeys,
    ]);
    console.log('| script | server µs per check | redis-benchmark checks/s |\n|---|---:|---:|');
    for (const [name, lua, args] of [...scripts, ...batches]) {
      const checksPerCall = args === batchKeys ? BATCH : 1;
      await admin.script('LOAD', lua);
      const sha = createHash('sha1').update(lua).digest('hex');
      await admin.flushall();
      const command = ['-c', '50', '-P', String(Math.max(1, 16 / checksPerCall)), '-r', '1000', 'EVALSHA', sha, ...(checksPerCall === 1 ? ['1', 'k{__rand_int__}', ...args] : args)];
      redisBenchmark(server.port, ['-n', String(50_000 / checksPerCall), ...command]);
      await admin.config('RESETSTAT');
      const rps = redisBenchmark(server.port, ['-n', String(300_000 / checksPerCall), ...command]);
      const stats = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(await admin.info('commandstats'))!;
      console.log(`| ${name} | ${(Number(stats[2]) / Number(stats[1]) / checksPerCall).toFixed(2)} | ${fmt(rps * checksPerCall)} |`);
    }
  } finally {
    admin.disconnect();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
