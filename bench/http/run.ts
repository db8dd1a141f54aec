/**
 * bench/http: hello-world req/s and latency of bare Express, Express + the kit's full stack
 * (request context + JSON access log to a file + rate limit + HS256 JWT) and the peer stack
 * doing the same job (express-winston + express-rate-limit/rate-limit-redis + express-jwt),
 * on Redis and on the memory store, in one run, alternating, median of the rounds.
 *
 *   npx tsx bench/http/run.ts [--duration 5] [--rounds 3] [--connections 50] [--out bench/http/RESULTS.md]
 */
import { writeFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import { startRedis } from '../../test/support/redis-server.js';
import { startChildServer } from '../support/child-server.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    users: { type: 'string', default: '100' },
    out: { type: 'string', default: 'bench/http/RESULTS.md' },
  },
});
const duration = Number(values.duration);
const rounds = Number(values.rounds);
const connections = Number(values.connections);

const secret = 'bench-secret-that-is-long-enough-for-hs256-0123456789';
const key = new TextEncoder().encode(secret);
const tokens = await Promise.all(
  Array.from({ length: Number(values.users) }, (_, i) =>
    new SignJWT({ role: 'authenticated', email: `user${i}@example.com` })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(`user-${i}`)
      .setAudience('authenticated')
      .setIssuedAt()
      .setExpirationTime('2h')
      .sign(key),
  ),
);

interface Sample { rps: number; p50: number; p99: number; errors: number; non2xx: number }

const startServer = (kind: string, env: NodeJS.ProcessEnv) => startChildServer('bench/http/server.ts', kind, env);

async function load(port: number): Promise<Sample> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration,
    requests: tokens.map((token) => ({ method: 'GET', path: '/hello', headers: { authorization: `Bearer ${token}` } })),
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx };
}

const redis = await startRedis();
const logFile = '/tmp/epk-bench-http-access.log';
const variants = [
  { name: 'bare Express', kind: 'bare', env: {} },
  { name: 'kit full stack (Redis)', kind: 'kit', env: { BENCH_REDIS_URL: redis.url } },
  { name: 'kit full stack (Redis, JWT cache on)', kind: 'kit', env: { BENCH_REDIS_URL: redis.url, BENCH_JWT_CACHE: '1' } },
  { name: 'peer stack (Redis)', kind: 'peer', env: { BENCH_REDIS_URL: redis.url } },
  { name: 'kit full stack (memory)', kind: 'kit', env: { BENCH_REDIS_URL: '' } },
  { name: 'peer stack (memory)', kind: 'peer', env: { BENCH_REDIS_URL: '' } },
];
const samples = new Map<string, Sample[]>(variants.map((v) => [v.name, []]));
try {
  for (let round = 0; round < rounds; round++) {
    for (const variant of variants) {
      rmSync(logFile, { force: true });
      const { child, port } = await startServer(variant.kind, { ...variant.env, BENCH_LOG_FILE: logFile, BENCH_JWT_SECRET: secret });
      await load(port); // warm-up (JIT, connections, Redis scripts)
      const sample = await load(port);
      samples.get(variant.name)!.push(sample);
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      process.stderr.write(`round ${round + 1} ${variant.name}: ${sample.rps.toFixed(0)} req/s p99 ${sample.p99} ms\n`);
    }
  }
} finally {
  await redis.stop();
  rmSync(logFile, { force: true });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const summary = variants.map((v) => {
  const s = samples.get(v.name)!;
  return { name: v.name, rps: median(s.map((x) => x.rps)), p50: median(s.map((x) => x.p50)), p99: median(s.map((x) => x.p99)), bad: s.reduce((n, x) => n + x.errors + x.non2xx, 0) };
});
const by = (name: string) => summary.find((s) => s.name === name)!;
const bare = by('bare Express');
const lines = [
  `Command: \`npx tsx bench/http/run.ts --duration ${duration} --rounds ${rounds} --connections ${connections}\``,
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; server and load generator in separate processes; median of ${rounds} alternating rounds, ${duration} s each after a warm-up.`,
  '',
  '| variant | req/s | p50 ms | p99 ms | errors + non-2xx | vs bare |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
  ...summary.map((s) => `| ${s.name} | ${s.rps.toFixed(0)} | ${s.p50} | ${s.p99} | ${s.bad} | ${(s.rps / bare.rps).toFixed(2)}× |`),
  '',
  `- kit / peer on Redis: **${(by('kit full stack (Redis)').rps / by('peer stack (Redis)').rps).toFixed(2)}×** req/s (target ≥ 1.5×)`,
  `- kit with the JWT cache / peer on Redis: **${(by('kit full stack (Redis, JWT cache on)').rps / by('peer stack (Redis)').rps).toFixed(2)}×** req/s; vs bare **${(by('kit full stack (Redis, JWT cache on)').rps / bare.rps).toFixed(2)}×**, p99 ${(by('kit full stack (Redis, JWT cache on)').p99 / Math.max(bare.p99, 1)).toFixed(2)}× bare`,
  `- kit / peer on memory: **${(by('kit full stack (memory)').rps / by('peer stack (memory)').rps).toFixed(2)}×** req/s`,
  `- kit (Redis) / bare: **${(by('kit full stack (Redis)').rps / bare.rps).toFixed(2)}×** req/s (target ≥ 0.6×), p99 ${(by('kit full stack (Redis)').p99 / Math.max(bare.p99, 1)).toFixed(2)}× bare (target < 2×)`,
];
const text = `# bench/http\n\n${lines.join('\n')}\n`;
process.stdout.write(text);
writeFileSync(values.out!, text);
