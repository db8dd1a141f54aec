/**
 * The engine's per-call features against a plain check, in ONE run (issue 15's target: within
 * 10 % of a plain check): a dynamic policy (a per-request limit from the client's "plan", two
 * plans, so two interned policies) and a cost of 2, on memory and on a private redis-server,
 * per algorithm. Contenders alternate round by round (order reversed every other round); the
 * figure is the median of the per-round ratios, so machine drift hits both sides of a ratio.
 * With BENCH_BEFORE (a checkout of the commit before the engine, node_modules symlinked) the
 * earlier tree's plain check runs in the same rounds: the plain path must not get slower.
 *
 * Run: git worktree add --detach /tmp/rl-before <commit> && ln -s "$PWD/node_modules" /tmp/rl-before/
 *      flock /tmp/epk-bench.lock sh -c 'BENCH_BEFORE=/tmp/rl-before npx tsx bench/rate-limit/engine.ts'
 */
import { Redis } from 'ioredis';
import { startRedis } from '../../test/support/redis-server.js';
import { fmt, throughput } from './harness.js';

type Module = typeof import('../../lib/rate-limit/index.js');

const BEFORE = process.env.BENCH_BEFORE;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 300);
/** Per slice: JIT tiers are warm after the first round, so this only settles the loop. */
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 100);
const LIMIT = 1_000_000;
const WINDOW_MS = 1000;
const ALGORITHMS = ['sliding-log', 'sliding-window', 'token-bucket'] as const;
const GOAL = 0.9;
/** `memory,redis` (default) or one of them. */
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'memory,redis').split(',') as ('memory' | 'redis')[];

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/**
 * The request's plan, as an app reads it (`req.user.plan`: a property read, evaluated on every
 * call): keys ending in 7 are on a half-size plan. (In 0.4.0 this was a `Map` lookup by key,
 * which alone cost a tenth of a memory check: the app's cost, not the limiter's.)
 */
const planLimit = (key: string): number => (key.charCodeAt(key.length - 1) === 55 ? LIMIT / 2 : LIMIT - 1);

async function main(): Promise<void> {
  const after = (await import('../../lib/rate-limit/index.js')) as Module;
  const before = BEFORE ? ((await import(`${BEFORE}/lib/rate-limit/index.ts`)) as Module) : undefined;
  const server = await startRedis();
  const client = new Redis(server.url, { enableAutoPipelining: true });
  try {
    const contenders: Record<string, (key: string) => Promise<unknown>> = {};
    for (const algorithm of ALGORITHMS) {
      for (const backend of BACKENDS) {
        const where = backend === 'memory' ? { redis: false as const } : { redis: client };
        const make = (mod: Module, label: string) => mod.createRateLimiter({ name: `${backend}-${label}-${algorithm}`, ...where, algorithm, limit: LIMIT, windowMs: WINDOW_MS, ...(backend === 'redis' ? { timeoutMs: 60_000 } : {}) });
        const plain = make(after, 'plain');
        const dynamic = make(after, 'dynamic');
        const cost = make(after, 'cost');
        contenders[`${backend} ${algorithm} plain`] = (key) => plain.check(key);
        contenders[`${backend} ${algorithm} dynamic`] = (key) => dynamic.check(key, { limit: planLimit(key) });
        contenders[`${backend} ${algorithm} cost`] = (key) => cost.check(key, { cost: 2 });
        if (before) {
          const old = make(before, 'before');
          contenders[`${backend} ${algorithm} before`] = (key) => old.check(key);
        }
      }
    }
    const samples: Record<string, number[]> = {};
    const names = Object.keys(contenders);
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of round % 2 === 0 ? names : [...names].reverse()) {
        (samples[name] ??= []).push(await throughput(contenders[name]!, { durationMs: DURATION_MS, warmupMs: WARMUP_MS }));
      }
      process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
    }
    const ratioOf = (a: string, b: string): number => median(samples[a]!.map((value, i) => value / samples[b]![i]!));
    console.log('| backend | algorithm | plain | dynamic | cost 2 | dynamic/plain | cost/plain |' + (before ? ' plain after/before |' : ''));
    console.log('|---|---|---|---|---|---|---|' + (before ? '---|' : ''));
    const targets: string[] = [];
    for (const backend of BACKENDS) {
      const worst = { dynamic: Infinity, cost: Infinity, before: Infinity };
      for (const algorithm of ALGORITHMS) {
        const p = `${backend} ${algorithm}`;
        const dyn = ratioOf(`${p} dynamic`, `${p} plain`);
        const cost = ratioOf(`${p} cost`, `${p} plain`);
        const vsBefore = before ? ratioOf(`${p} plain`, `${p} before`) : Number.NaN;
        worst.dynamic = Math.min(worst.dynamic, dyn);
        worst.cost = Math.min(worst.cost, cost);
        if (before) worst.before = Math.min(worst.before, vsBefore);
        console.log(`| ${backend} | ${algorithm} | ${fmt(median(samples[`${p} plain`]!))}/s | ${fmt(median(samples[`${p} dynamic`]!))}/s | ${fmt(median(samples[`${p} cost`]!))}/s | ${dyn.toFixed(2)}× | ${cost.toFixed(2)}× |${before ? ` ${vsBefore.toFixed(2)}× |` : ''}`);
      }
      const line = (name: string, value: number) => `target ${name}: ${value.toFixed(2)}x (goal >= ${GOAL}) ${value >= GOAL ? 'met' : 'missed'}`;
      targets.push(line(`rl-dynamic-vs-plain-${backend}`, worst.dynamic), line(`rl-cost-vs-plain-${backend}`, worst.cost));
      if (before) targets.push(`target rl-plain-after-vs-before-${backend}: ${worst.before.toFixed(2)}x (goal >= 0.95, the plain path not slower) ${worst.before >= 0.95 ? 'met' : 'missed'}`);
    }
    console.log(`\n(worst algorithm per line; medians of per-round ratios, ${ROUNDS} rounds × ${DURATION_MS} ms, 100 in flight over 1000 keys)`);
    for (const target of targets) console.log(target);
  } finally {
    client.disconnect();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
