/**
 * bench/http (issue 19): what a user gets at the kit's default settings, in one run.
 *
 * Main table: hello-world req/s, latency and server CPU per request of bare Express, the floor
 * (bare Express + the default stack's work written minimally by hand, bench/http/floor.ts), the
 * kit's full stack (request context + JSON access log to a file + HS256 JWT + rate limit) and
 * the peer stack doing the same job (express-winston + express-jwt + express-rate-limit /
 * rate-limit-redis), on Redis and on the memory store; variants alternate, rounds rotate.
 * Budget table: server CPU µs per request of each layer alone over bare Express, for the kit,
 * the peers and the floor's hand-written piece (bench/http/layers.ts).
 * Then one `target <name>: <ratio>x (goal <op> <value>) met|missed` line per target.
 *
 * The server runs in its own process pinned to CPU 0 (autocannon and redis-server on CPU 1)
 * when the machine allows; every ratio is the median of per-round ratios.
 *
 * Run it under the shared lock, like the other benches (never two benches at once here):
 *   flock /tmp/epk-bench.lock npx tsx bench/http/run.ts [--duration 2] [--rounds 5] [--warmup 1]
 *     [--budget-duration 1] [--budget-rounds 5] [--budget-warmup 0.5] [--layers kit-jwt,floor-jwt]
 *     [--budget-rate 0] [--only main|budget] [--pin on|off] [--connections 50] [--users 100]
 *     [--before <tree>] [--out bench/http/RESULTS.md]
 *
 * `--before <tree>`: the main table also runs the kit's two default stacks from another tree
 * (`git archive <rev> lib bench | tar -x -C bench/.tmp/before`, then `--before bench/.tmp/before`),
 * in the same alternating rounds, and prints the kit's capacity after / before: a change to the
 * hot path measured in the same run as the code before it.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { startRedis } from '../../test/support/redis-server.js';
import { CAN_PIN, pinThisProcess } from '../support/child-server.js';
import { BUDGET_BODY, LAYER_VARIANTS, publicKeyPairs, type TokenKind } from './layers.js';
import { alternate, type LoadOptions, type Sample } from './measure.js';
import { beforeAfterLine, budgetTable, mainTable, mainTargets, overBudget, targetLine, type MainVariant } from './report.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    'budget-duration': { type: 'string', default: '1' },
    'budget-rounds': { type: 'string', default: '5' },
    'budget-warmup': { type: 'string', default: '0.5' },
    'budget-rate': { type: 'string', default: '0' },
    pin: { type: 'string', default: 'on' },
    layers: { type: 'string' },
    only: { type: 'string' },
    connections: { type: 'string', default: '50' },
    users: { type: 'string', default: '100' },
    before: { type: 'string' },
    out: { type: 'string', default: 'bench/http/RESULTS.md' },
  },
});
const connections = Number(values.connections);
const runMain = !values.only || values.only === 'main';
const runBudget = !values.only || values.only === 'budget';
const NOTES_MARKER = '<!-- notes: kept by bench/http/run.ts; write the analysis below -->';

const secret = 'bench-secret-that-is-long-enough-for-hs256-0123456789';
const pairs = publicKeyPairs();
const signingKeys = { HS256: new TextEncoder().encode(secret), RS256: pairs.RS256.privateKey, ES256: pairs.ES256.privateKey };
async function tokensFor(alg: Exclude<TokenKind, 'none'>): Promise<string[]> {
  return Promise.all(Array.from({ length: Number(values.users) }, (_, i) =>
    new SignJWT({ role: 'authenticated', email: `user${i}@example.com` })
      .setProtectedHeader({ alg })
      .setSubject(`user-${i}`)
      .setAudience('authenticated')
      .setIssuedAt()
      .setExpirationTime('2h')
      .sign(signingKeys[alg])));
}
const tokens = { HS256: await tokensFor('HS256'), RS256: await tokensFor('RS256'), ES256: await tokensFor('ES256') };

const mainRequests: autocannon.Request[] = tokens.HS256.map((token) => ({ method: 'GET', path: '/hello', headers: { authorization: `Bearer ${token}` } }));
function budgetRequests(kind: TokenKind): autocannon.Request[] {
  return tokens.HS256.map((_, i) => ({
    method: 'POST',
    path: '/hello',
    body: BUDGET_BODY,
    headers: { 'content-type': 'application/json', 'x-bench-user': `user-${i}`, ...(kind === 'none' ? {} : { authorization: `Bearer ${tokens[kind][i]}` }) },
  }));
}

const pin = values.pin !== 'off';
const pinned = pin && pinThisProcess(); // before redis-server starts: it inherits CPU 1
const redis = await startRedis();
const admin = new Redis(redis.url); // flushes Redis before the run
await admin.flushall();
const logDir = '/tmp/epk-bench-http-logs';
const baseEnv = {
  BENCH_JWT_SECRET: secret,
  BENCH_REDIS_URL: redis.url,
  BENCH_RS256_PUBLIC_KEY: pairs.RS256.publicKeyPem,
  BENCH_ES256_PUBLIC_KEY: pairs.ES256.publicKeyPem,
};
/** Each server logs to its own file (peers, floor) and directory (the kit's file logging). */
const envFor = (key: string, env: NodeJS.ProcessEnv = {}) => {
  const safe = key.replace(/[^a-zA-Z0-9-]+/g, '_');
  return { ...baseEnv, BENCH_LOG_FILE: `${logDir}/${safe}.log`, BENCH_LOG_DIR: `${logDir}/${safe}`, ...env };
};
const loadOptions = (budget: boolean): LoadOptions => ({
  connections,
  pin,
  rate: budget ? Number(values['budget-rate']) : 0,
  rounds: Number(budget ? values['budget-rounds'] : values.rounds),
  durationS: Number(budget ? values['budget-duration'] : values.duration),
  warmupS: Number(budget ? values['budget-warmup'] : values.warmup),
  onSample: (key, round, s) => log(`${budget ? 'budget' : 'main'} round ${round + 1} ${key}: ${s.rps.toFixed(0)} req/s p99 ${s.p99} ms ${s.cpuUs.toFixed(1)} µs CPU/req`),
});
const loadStart = loadavg();
const started = Date.now();

const mainVariants: MainVariant[] = [
  { name: 'bare Express', kind: 'bare', env: {} },
  { name: 'floor', kind: 'floor', env: {} },
  { name: 'kit full stack (memory)', kind: 'kit', env: { BENCH_REDIS_URL: '' } },
  { name: 'kit full stack (Redis)', kind: 'kit', env: {} },
  { name: 'kit full stack (Redis, JWT cache on)', kind: 'kit', env: { BENCH_JWT_CACHE: '1' } },
  { name: 'peer stack (Redis)', kind: 'peer', env: {} },
  { name: 'peer stack (memory)', kind: 'peer', env: { BENCH_REDIS_URL: '' } },
];
const beforeScript = values.before ? `${values.before.replace(/\/$/, '')}/bench/http/server.ts` : undefined;
if (beforeScript !== undefined) {
  if (!existsSync(beforeScript)) throw new Error(`--before: ${beforeScript} not found (export the tree with git archive <rev> lib bench)`);
  mainVariants.push(
    { name: 'kit full stack (memory), before', kind: 'kit', env: { BENCH_REDIS_URL: '' }, script: beforeScript },
    { name: 'kit full stack (Redis), before', kind: 'kit', env: {}, script: beforeScript },
  );
}
let mainSamples = new Map<string, Sample[]>();
const layerVariants = LAYER_VARIANTS.filter((v) => !values.layers || values.layers.split(',').some((prefix) => v.id.startsWith(prefix)));
const layerSamples = new Map<string, Sample[]>();
const budgetBare: number[] = [];
const layerBaselines = new Map<string, number[]>();
const log = (text: string) => process.stderr.write(`${text}\n`);

rmSync(logDir, { recursive: true, force: true });
// The floor and the peers open their log file in this directory without creating it.
mkdirSync(logDir, { recursive: true });
try {
  if (runMain) {
    mainSamples = await alternate(
      mainVariants.map((v) => ({ key: v.name, kind: v.kind, env: envFor(v.name, v.env), requests: mainRequests, status: 200, script: v.script })),
      loadOptions(false),
    );
  }
  if (runBudget) {
    // one group per layer: bare Express and every variant of the layer, alternating; each
    // variant's baseline is the bare run of the same round, seconds away
    for (const layer of [...new Set(layerVariants.map((v) => v.layer))]) {
      const variants = layerVariants.filter((v) => v.layer === layer);
      const bareKey = `bare (${layer})`;
      const samples = await alternate([
        { key: bareKey, kind: 'budget-bare', env: envFor(bareKey), requests: budgetRequests('HS256'), status: 200 },
        ...variants.map((v) => ({ key: v.id, kind: `layer:${v.id}`, env: envFor(v.id), requests: budgetRequests(v.token), status: v.status })),
      ], loadOptions(true));
      const bare = samples.get(bareKey)!.map((s) => s.cpuUs);
      budgetBare.push(...bare);
      for (const v of variants) {
        layerSamples.set(v.id, samples.get(v.id)!);
        layerBaselines.set(v.id, bare);
      }
    }
  }
} finally {
  admin.disconnect();
  await redis.stop();
  rmSync(logDir, { recursive: true, force: true });
}

const loadEnd = loadavg();
const minutes = ((Date.now() - started) / 60_000).toFixed(1);
const command = `npx tsx bench/http/run.ts ${process.argv.slice(2).join(' ')}`.trim();
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; load average ${loadStart.map((x) => x.toFixed(1)).join(' ')} at the start, ${loadEnd.map((x) => x.toFixed(1)).join(' ')} at the end (${minutes} min)`;
const lines = [
  `Command: \`${command}\``,
  '',
  `Machine: ${machine}. Server in its own process${pinned && CAN_PIN ? ' pinned to CPU 0 (autocannon and redis-server on CPU 1)' : ' (not pinned)'}, every variant of a table (of a budget layer) in its own process, all started together, warmed up, then measured in alternating rounds whose order rotates; ${connections} connections.`,
  '',
];
const targets = runMain ? mainTargets(mainSamples) : [];
if (runMain) {
  lines.push(
    `### Full stack (\`GET /hello\`, ${values.rounds} rounds × ${values.duration} s after a ${values.warmup} s warm-up)`,
    '',
    ...mainTable(mainVariants, mainSamples),
    '',
    'Ratios are medians of per-round ratios; "capacity vs floor" is the floor\'s server CPU per request over the variant\'s (the req/s a saturated server core would reach, relative to the floor; less sensitive to other load on the host than req/s). "Default settings": the kit stack passes only `name` and a high `limit` to `rateLimit()` (default algorithm and window), no JWT cache, and logs through `configureLogging({ file: true, format: "json" })` with the console off.',
    '',
  );
  if (beforeScript !== undefined) lines.push(beforeAfterLine(mainSamples, values.before!), '');
}
if (runBudget) {
  lines.push(
    `### Cost budget: each layer alone on bare Express (\`POST /hello\` with a small JSON body, ${values['budget-rounds']} rounds × ${values['budget-duration']} s after a ${values['budget-warmup']} s warm-up)`,
    '',
    ...budgetTable(layerVariants, layerSamples, layerBaselines, budgetBare),
    '',
    `Cost = the variant's server CPU per request minus bare Express's in the same round (each layer's variants and bare Express run as one alternating group, so the two runs are seconds apart). "vs floor piece" and "vs best peer" are ratios of those costs. express-zod-api is not installed: the peer of route() is \`express.json()\` + zod's own \`safeParse\`. No peer for requestContext; prom-client used directly stands in for a metrics middleware.`,
    '',
    'Layers above their floor piece or their best peer:',
    '',
    ...overBudget(layerVariants, layerSamples, layerBaselines),
    '',
  );
}
const targetLines = targets.map(targetLine);
if (targetLines.length > 0) {
  const capacity = mainTargets(mainSamples, 'capacity').filter((t) => !t.name.includes('p99'));
  lines.push(
    'The same ratios on server capacity (CPU per request of the other side over this one\'s, medians of per-round ratios; a busy host moves them less than req/s): '
      + `${capacity.map((t) => `${t.name} ${t.ratio.toFixed(2)}×`).join(', ')}.`,
    '',
  );
  const busiest = Math.max(loadStart[0]!, loadEnd[0]!);
  if (busiest > cpus().length) {
    // Under contention the scheduler shares a core per thread: a server with busy worker threads
    // (WebCrypto, file writes) gets more of it than bare Express, so req/s ratios lie.
    lines.push(`**Host loaded** (load average ${busiest.toFixed(1)} on ${cpus().length} CPUs): the req/s target lines below are not evidence; read the capacity ratios above and re-run on a quiet machine.`, '');
  }
  lines.push('```', ...targetLines, '```', '');
}

const generated = `# bench/http\n\n${lines.join('\n')}`;
const previous = existsSync(values.out!) ? readFileSync(values.out!, 'utf8') : '';
const notes = previous.includes(NOTES_MARKER) ? previous.slice(previous.indexOf(NOTES_MARKER)) : `${NOTES_MARKER}\n`;
process.stdout.write(`${generated}\n`);
writeFileSync(values.out!, `${generated}\n${notes}`);
log(`wrote ${values.out} (${minutes} min)`);
