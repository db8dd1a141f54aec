/**
 * Where a Redis check's time goes when every check is its own command: the same 100-in-flight
 * loop over 1000 keys, through one auto-pipelined ioredis client, for trivial scripts (client
 * cost floor), the peers' scripts and our single-key scripts, sent by `defineCommand` or by
 * `client.call('EVALSHA', ...)`, next to `limiter.check()` (which batches); with the server's
 * own time per call from INFO commandstats. This is why the store batches: a command costs
 * the client more than our scripts cost the server.
 *
 * Run: flock /tmp/epk-bench.lock npx tsx bench/rate-limit/client-cost.ts
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { rateLimitLua } from '../../lib/rate-limit/redis-scripts.js';
import { createRateLimiter, type RateLimitAlgorithm } from '../../lib/rate-limit/index.js';
import { startRedis } from '../../test/support/redis-server.js';
import { fmt, throughput } from './harness.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 1500);
const lua = (algorithm: RateLimitAlgorithm) => rateLimitLua({ algorithm, limit: 1_000_000, windowMs: 1000, capacity: 1_000_000 }, true);
const RLR_LUA = `local windowMs = tonumber(ARGV[2])
local timeToExpire = redis.call("PTTL", KEYS[1])
if timeToExpire <= 0 then
  redis.call("SET", KEYS[1], 1, "PX", windowMs)
  return { 1, windowMs }
end
local totalHits = redis.call("INCR", KEYS[1])
return { totalHits, timeToExpire }`;

async function main(): Promise<void> {
  const server = await startRedis();
  const client = new Redis(server.url, { enableAutoPipelining: true });
  const admin = new Redis(server.url);
  const sha = async (lua: string) => {
    await admin.script('LOAD', lua);
    return createHash('sha1').update(lua).digest('hex');
  };
  try {
    const scripts: Record<string, [string, string[]]> = {
      'return 1': ['return 1', []],
      'return {5 ints}': ['return {1,2,3,4,5}', []],
      'TIME only': ["local t = redis.call('TIME') return {1,2,3,4,5}", []],
      'rate-limit-redis script': [RLR_LUA, ['0', '1000']],
      'ours sliding-window': [lua('sliding-window'), []],
      'ours token-bucket': [lua('token-bucket'), []],
      'ours sliding-log': [lua('sliding-log'), []],
    };
    const contenders: Record<string, (key: string) => Promise<unknown>> = {};
    let n = 0;
    for (const [name, [source, args]] of Object.entries(scripts)) {
      const hash = await sha(source);
      const prefix = `cc${n++}:{`;
      contenders[`call EVALSHA ${name}`] = (key) => client.call('EVALSHA', hash, '1', prefix + key + '}', ...args);
    }
    client.defineCommand('ccWindow', { numberOfKeys: 1, lua: lua('sliding-window') });
    const defined = (client as unknown as { ccWindow: (...a: unknown[]) => Promise<unknown> }).ccWindow.bind(client);
    contenders['defineCommand ours sliding-window'] = (key) => defined(`ccd:{${key}}`);
    const limiter = createRateLimiter({ name: 'cc', redis: client, algorithm: 'sliding-window', limit: 1_000_000, windowMs: 1000 });
    contenders['limiter.check sliding-window'] = (key) => limiter.check(key);

    const best: Record<string, number> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, call] of Object.entries(contenders)) {
        const value = await throughput(call, { durationMs: DURATION_MS });
        best[name] = Math.max(best[name] ?? 0, value);
        process.stderr.write(`round ${round + 1} ${name}: ${fmt(value)}/s\n`);
      }
    }
    // server time per script (µs per call) after the runs
    const stats = await admin.info('commandstats');
    const evalsha = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(stats);
    console.log('\n| path | calls/s |\n|---|---:|');
    for (const [name, value] of Object.entries(best)) console.log(`| ${name} | ${fmt(value)} |`);
    if (evalsha) console.log(`\nall EVALSHA: ${(Number(evalsha[2]) / Number(evalsha[1])).toFixed(2)} µs per call on the server`);
    // per-script server time: 5000 sequential-ish calls each, after a CONFIG RESETSTAT
    console.log('\n| script | server µs per call |\n|---|---:|');
    let prefixN = 0;
    for (const [name, [source, args]] of Object.entries(scripts)) {
      const hash = await sha(source);
      const prefix = `st${prefixN++}:{user:`;
      let best = Infinity;
      for (let batch = 0; batch < 5; batch++) {
        await admin.config('RESETSTAT');
        const calls: Promise<unknown>[] = [];
        for (let i = 0; i < 5000; i++) calls.push(client.call('EVALSHA', hash, '1', `${prefix}${i % 1000}}`, ...args));
        await Promise.all(calls);
        const s = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(await admin.info('commandstats'))!;
        best = Math.min(best, Number(s[2]) / Number(s[1]));
      }
      console.log(`| ${name} | ${best.toFixed(2)} |`);
    }
  } finally {
    client.disconnect();
    admin.disconnect();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
