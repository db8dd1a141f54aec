/**
 * bench/session: GET /me behind the kit's `requireSession()` + `SessionManager` versus
 * express-session (MemoryStore, and connect-redis 7 on the same ioredis + redis-server), with
 * sliding expiry on both sides (the kit slides in its validate script; express-session with
 * `rolling: true` touches the store). Each candidate runs in its own process; autocannon loads
 * them in alternating rounds over 100 logged-in users; the median round is reported.
 *
 *   flock /tmp/epk-bench.lock npx tsx bench/session/run.ts [--duration 4] [--rounds 3] [--connections 50] [--out bench/session/RESULTS.md]
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startRedis } from '../../test/support/redis-server.js';
import { startChildServer } from '../support/child-server.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    users: { type: 'string', default: '100' },
    out: { type: 'string', default: 'bench/session/RESULTS.md' },
  },
});
const duration = Number(values.duration);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const users = Number(values.users);

interface Sample { rps: number; p50: number; p99: number; non2xx: number; errors: number }

const startServer = (kind: string, env: NodeJS.ProcessEnv) => startChildServer('bench/session/server.ts', kind, env);

async function login(port: number): Promise<string[]> {
  const cookies: string[] = [];
  for (let i = 0; i < users; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/login/user-${i}`, { method: 'POST', headers: { 'user-agent': 'bench' } });
    const cookie = res.headers.getSetCookie()[0]?.split(';')[0];
    if (!cookie) throw new Error('no session cookie');
    cookies.push(cookie);
    await res.arrayBuffer();
  }
  return cookies;
}

async function load(port: number, cookies: string[]): Promise<Sample> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration,
    requests: cookies.map((cookie) => ({ method: 'GET' as const, path: '/me', headers: { cookie, 'user-agent': 'bench' } })),
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const redis = await startRedis();
const kinds = ['kit-memory', 'peer-memory', 'kit-redis', 'peer-redis'];
const servers = new Map<string, { child: ChildProcess; port: number; cookies: string[] }>();
try {
  for (const kind of kinds) {
    const server = await startServer(kind, { BENCH_REDIS_URL: redis.url, REDIS_URL: '' });
    servers.set(kind, { ...server, cookies: await login(server.port) });
  }
  for (const kind of kinds) {
    const s = servers.get(kind)!;
    await autocannon({ url: `http://127.0.0.1:${s.port}`, connections, duration: 1, requests: [{ method: 'GET', path: '/me', headers: { cookie: s.cookies[0]!, 'user-agent': 'bench' } }] });
  }
  const samples = new Map<string, Sample[]>(kinds.map((k) => [k, []]));
  for (let round = 0; round < rounds; round++) {
    for (const kind of round % 2 === 0 ? kinds : [...kinds].reverse()) {
      const s = servers.get(kind)!;
      const sample = await load(s.port, s.cookies);
      if (sample.non2xx > 0 || sample.errors > 0) throw new Error(`${kind}: ${sample.non2xx} non-2xx, ${sample.errors} errors`);
      samples.get(kind)!.push(sample);
      console.log(`round ${round + 1} ${kind}: ${sample.rps.toFixed(0)} req/s p50 ${sample.p50} ms p99 ${sample.p99} ms`);
    }
  }
  const row = (kind: string) => {
    const xs = samples.get(kind)!;
    return { rps: median(xs.map((x) => x.rps)), p50: median(xs.map((x) => x.p50)), p99: median(xs.map((x) => x.p99)) };
  };
  const lines = [
    '# bench/session results',
    '',
    `Command: \`flock /tmp/epk-bench.lock npx tsx bench/session/run.ts --duration ${duration} --rounds ${rounds} --connections ${connections}\``,
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, shared with other work (figures swing; ratios from one run).`,
    `GET /me with a valid session cookie (100 users, sliding expiry on both sides), ${connections} connections, median of ${rounds} alternating rounds of ${duration} s.`,
    '',
    '| backend | kit req/s | express-session req/s | ratio kit/peer | kit p50 / p99 ms | peer p50 / p99 ms |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const backend of ['memory', 'redis']) {
    const kit = row(`kit-${backend}`);
    const peer = row(`peer-${backend}`);
    lines.push(`| ${backend === 'redis' ? 'Redis (connect-redis 7 for the peer)' : 'memory (MemoryStore for the peer)'} | ${kit.rps.toFixed(0)} | ${peer.rps.toFixed(0)} | ${(kit.rps / peer.rps).toFixed(2)} | ${kit.p50} / ${kit.p99} | ${peer.p50} / ${peer.p99} |`);
  }
  lines.push('', 'The kit does more per request than the peer: it compares IP and User-Agent with the values recorded at creation, and on Redis it slides the expiry and the per-user index in one Lua script (connect-redis: GET + EXPIRE).', '');
  writeFileSync(values.out, lines.join('\n'));
  console.log(lines.join('\n'));
} finally {
  for (const { child } of servers.values()) child.kill('SIGTERM');
  await redis.stop();
}
