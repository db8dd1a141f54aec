/**
 * Instructions per request of bench/http servers, counted by valgrind (callgrind): the figure
 * for a before/after on a shared, loaded host, where wall-clock and even CPU-time figures move
 * by ±10 µs between runs. The count barely depends on other load.
 *
 * Each kind runs once under `valgrind --tool=callgrind` (node, the server of
 * instructions-server.ts bundled with esbuild, no keepNames: as the published build): `--warmup`
 * requests first (module loading and JIT tiers are not counted), then `--windows` times the
 * counters are zeroed, `--requests` requests sent and the counters read with callgrind_control
 * (every thread of the server process: V8's compiler and GC helpers too). Requests go
 * keep-alive, `--connections` at a time, one token per user as in run.ts. The smallest window
 * is reported (the windows differ by well under 1 %).
 *
 *   flock /tmp/epk-bench.lock npx tsx bench/http/instructions.ts [--kinds floor,kit]
 *     [--requests 1000] [--warmup 500] [--windows 2] [--connections 8] [--users 100] [--redis] [--entry <server.ts>]
 *
 * Kinds: `bare`, `floor`, `kit` (the main table's GET /hello; memory store unless `--redis`),
 * `budget-bare` and `layer:<id>` (the budget's POST /hello with its token kind).
 * Slow: a few minutes per kind on the loaded 2-core host (valgrind runs node ~50× slower).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { SignJWT } from 'jose';
import { startRedis } from '../../test/support/redis-server.js';
import { BUDGET_BODY, LAYER_VARIANTS, publicKeyPairs, type TokenKind } from './layers.js';

const { values } = parseArgs({
  options: {
    kinds: { type: 'string', default: 'floor,kit' },
    requests: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '500' },
    windows: { type: 'string', default: '2' },
    connections: { type: 'string', default: '8' },
    users: { type: 'string', default: '100' },
    redis: { type: 'boolean', default: false },
    // off: node without valgrind (a smoke test of the harness; counts are then 0)
    valgrind: { type: 'string', default: 'on' },
    // another checkout's server entry (e.g. an older commit's lib/ and bench/ exported under bench/.tmp), for a before/after
    entry: { type: 'string', default: 'bench/http/instructions-server.ts' },
  },
});
const requests = Number(values.requests);
const warmup = Number(values.warmup);
const connections = Number(values.connections);
const kinds = values.kinds.split(',').filter((k) => k !== '');

const tmp = `bench/.tmp/instructions-${process.pid}`;
rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });
// Bundled once: under valgrind, tsx's module hooks would cost minutes per run.
const bundle = `${tmp}/server.mjs`;
await build({ entryPoints: [values.entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile: bundle, logLevel: 'warning' });

const secret = 'bench-secret-that-is-long-enough-for-hs256-0123456789';
const pairs = publicKeyPairs();
const signingKeys = { HS256: new TextEncoder().encode(secret), RS256: pairs.RS256.privateKey, ES256: pairs.ES256.privateKey };
async function tokensFor(alg: Exclude<TokenKind, 'none'>): Promise<string[]> {
  return Promise.all(Array.from({ length: Number(values.users) }, (_, i) =>
    new SignJWT({ role: 'authenticated', email: `user${i}@example.com` }).setProtectedHeader({ alg }).setSubject(`user-${i}`).setAudience('authenticated').setIssuedAt().setExpirationTime('2h').sign(signingKeys[alg])));
}
const tokens = { HS256: await tokensFor('HS256'), RS256: await tokensFor('RS256'), ES256: await tokensFor('ES256') };
const redis = values.redis ? await startRedis() : undefined;

interface Plan {
  method: string;
  status: number;
  body?: string;
  headers(i: number): Record<string, string>;
}

function planOf(kind: string): Plan {
  if (kind === 'bare' || kind === 'floor' || kind === 'kit') return { method: 'GET', status: 200, headers: (i) => ({ authorization: `Bearer ${tokens.HS256[i % tokens.HS256.length]}` }) };
  const variant = kind === 'budget-bare' ? undefined : LAYER_VARIANTS.find((v) => `layer:${v.id}` === kind);
  if (kind !== 'budget-bare' && !variant) throw new Error(`unknown kind ${kind}`);
  const token = variant?.token ?? 'none';
  return {
    method: 'POST',
    status: variant?.status ?? 200,
    body: BUDGET_BODY,
    headers: (i) => ({
      'content-type': 'application/json',
      'x-bench-user': `user-${i % tokens.HS256.length}`,
      ...(token === 'none' ? {} : { authorization: `Bearer ${tokens[token][i % tokens[token].length]}` }),
    }),
  };
}

/** Sends `count` requests, `connections` at a time on keep-alive sockets; throws on an unexpected status. */
async function drive(port: number, plan: Plan, count: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  let next = 0;
  async function worker(): Promise<void> {
    while (next < count) {
      const i = next++;
      const status = await new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/hello', method: plan.method, agent, headers: plan.headers(i) }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(plan.body);
      });
      if (status !== plan.status) throw new Error(`request ${i}: status ${status}, expected ${plan.status}`);
    }
  }
  await Promise.all(Array.from({ length: connections }, worker));
  agent.destroy();
}

/** callgrind_control on the running server: zero its counters, or read their total (every thread). */
function control(pid: number, action: '-z' | '-e'): Promise<number> {
  return new Promise((resolve, reject) => {
    const ctl = spawn('callgrind_control', action === '-e' ? ['-e', 'Ir', String(pid)] : ['-z', String(pid)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    ctl.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    ctl.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`callgrind_control ${action} ${pid}: exit ${code}\n${out}`));
      if (action === '-z') return resolve(0);
      const threads = [...out.matchAll(/^\s*Th\s+\d+\s+([\d,]+)\s*$/gm)].map((m) => Number(m[1]!.replaceAll(',', '')));
      if (threads.length === 0) return reject(new Error(`callgrind_control: no totals in\n${out}`));
      resolve(threads.reduce((a, b) => a + b, 0));
    });
  });
}

/**
 * Instructions per request of one server process: warm-up, then `windows` times: counters
 * zeroed, `requests` requests, counters read (callgrind_control, through vgdb).
 */
async function countInstructions(kind: string, run: string, windows: number): Promise<number[]> {
  const env = { ...process.env, BENCH_JWT_SECRET: secret, BENCH_RS256_PUBLIC_KEY: pairs.RS256.publicKeyPem, BENCH_ES256_PUBLIC_KEY: pairs.ES256.publicKeyPem, BENCH_LOG_FILE: `${tmp}/${run}.log`, BENCH_LOG_DIR: `${tmp}/${run}`, BENCH_REDIS_URL: redis?.url ?? '' };
  const valgrind = values.valgrind !== 'off';
  const argv = valgrind ? ['valgrind', '--tool=callgrind', `--callgrind-out-file=${tmp}/${run}.callgrind`, process.execPath, bundle, kind] : [process.execPath, bundle, kind];
  const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`${kind} exited (${code}) before listening:\n${stderr}`)));
  });
  const plan = planOf(kind);
  await drive(port, plan, warmup);
  const perRequest: number[] = [];
  for (let w = 0; w < windows; w++) {
    if (valgrind) await control(child.pid!, '-z');
    await drive(port, plan, requests);
    perRequest.push(valgrind ? (await control(child.pid!, '-e')) / requests : 0);
  }
  child.stdin.write('exit\n');
  const code = await exited;
  if (code !== 0) throw new Error(`${kind}: exit ${code}:\n${stderr.slice(-2000)}`);
  return perRequest;
}

const started = Date.now();
const results: Array<{ kind: string; perRequest: number }> = [];
for (const kind of kinds) {
  const safe = kind.replace(/[^a-zA-Z0-9-]+/g, '_');
  const windows = await countInstructions(kind, safe, Number(values.windows));
  const perRequest = Math.min(...windows);
  results.push({ kind, perRequest });
  process.stdout.write(`${kind}: ${Math.round(perRequest).toLocaleString('en-US')} instructions/request (windows: ${windows.map((w) => Math.round(w).toLocaleString('en-US')).join(', ')})\n`);
}
const floor = results.find((r) => r.kind === 'floor');
const bare = results.find((r) => r.kind === 'bare' || r.kind === 'budget-bare');
process.stdout.write(`\n| kind | instructions/request |${floor ? ' vs floor |' : ''}${bare ? ' over bare |' : ''}\n| --- | ---: |${floor ? ' ---: |' : ''}${bare ? ' ---: |' : ''}\n`);
for (const r of results) {
  const cells = [r.kind, Math.round(r.perRequest).toLocaleString('en-US')];
  if (floor) cells.push(`${(r.perRequest / floor.perRequest).toFixed(2)}×`);
  if (bare) cells.push(Math.round(r.perRequest - bare.perRequest).toLocaleString('en-US'));
  process.stdout.write(`| ${cells.join(' | ')} |\n`);
}
process.stdout.write(`\n${requests} requests per window (the smallest of ${values.windows} windows is shown) after ${warmup} warm-up, ${connections} connections${redis ? ', Redis' : ', memory store'}; ${((Date.now() - started) / 1000).toFixed(0)} s.\n`);
await redis?.stop();
