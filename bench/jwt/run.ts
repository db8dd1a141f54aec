/**
 * bench/jwt: JWT verification cost, side by side in one process, on the same HS256, RS256 and
 * ES256 tokens: raw jose `jwtVerify` (pre-imported key), the kit's verifier and `requireUser()`
 * middleware (with and without the verified-token cache), express-jwt and
 * express-oauth2-jwt-bearer. Middlewares are called directly with minimal req/res objects
 * (no HTTP), so verification dominates. Rounds alternate between candidates; the median of
 * the rounds is reported, with the ratio to raw jose.
 *
 *   flock /tmp/epk-bench.lock npx tsx bench/jwt/run.ts [--ms 100] [--rounds 15] [--out bench/jwt/RESULTS.md]
 *
 * Besides ops/s it reports the process CPU time per verification (user + system, all
 * threads, so WebCrypto's thread-pool work counts). On a shared machine wall-clock rates swing
 * with other load, so ratios are paired per round (each candidate against raw jose measured
 * moments apart, order alternating) and the median of those ratios is reported.
 */
import { createPublicKey, createSecretKey } from 'node:crypto';
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { expressjwt } from 'express-jwt';
import { importSPKI, jwtVerify, type CryptoKey } from 'jose';
import { createJwtVerifier, requireUser } from '../../lib/auth/index.js';
import { generateTestKeyPair, signToken, startJwksServer, supabaseClaims } from '../../test/support/jwt.js';

// Loaded through require: the bench only needs its factory, called with plain option objects.
const oauth2 = createRequire(import.meta.url)('express-oauth2-jwt-bearer') as { auth(options: Record<string, unknown>): Middleware };

type Middleware = (req: unknown, res: unknown, next: (err?: unknown) => void) => unknown;

const { values } = parseArgs({
  options: {
    ms: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '15' },
    tokens: { type: 'string', default: '256' },
    out: { type: 'string', default: 'bench/jwt/RESULTS.md' },
  },
});
const roundMs = Number(values.ms);
const rounds = Number(values.rounds);
const tokenCount = Number(values.tokens);

const SECRET = 'bench-secret-that-is-long-enough-for-hs256-0123456789';
const AUDIENCE = 'authenticated';
const ISSUER = 'https://issuer.bench.example';

function callMiddleware(middleware: Middleware, token: string): Promise<void> {
  const headers: Record<string, string> = { host: '127.0.0.1', authorization: `Bearer ${token}` };
  const req = {
    method: 'GET',
    protocol: 'http',
    url: '/',
    originalUrl: '/',
    headers,
    query: {},
    body: undefined,
    is: () => false,
    get: (name: string) => headers[name.toLowerCase()],
  };
  return new Promise((resolve, reject) => {
    middleware(req, {}, (err?: unknown) => (err ? reject(err) : resolve()));
  });
}

type Candidate = { name: string; run: (token: string) => Promise<unknown> };

interface Sample {
  opsPerSecond: number;
  /** Process CPU time (user + system, all threads) per verification, in microseconds. */
  cpuMicros: number;
}

/** Runs one candidate for `ms`; wall-clock rate plus CPU cost, which other load on the machine barely moves. */
async function measure(candidate: Candidate, tokens: string[], ms: number): Promise<Sample> {
  let done = 0;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const end = start + ms;
  do {
    for (let i = 0; i < 64; i += 1) {
      await candidate.run(tokens[done % tokens.length]!);
      done += 1;
    }
  } while (performance.now() < end);
  const wallSeconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  return { opsPerSecond: done / wallSeconds, cpuMicros: (cpu.user + cpu.system) / done };
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const rsa = await generateTestKeyPair('RS256', 'bench-rs');
  const ec = await generateTestKeyPair('ES256', 'bench-es');
  const jwks = await startJwksServer([rsa.publicJwk, ec.publicJwk]);
  const claims = (i: number) => supabaseClaims({ sub: `user-${i}`, iss: ISSUER });
  const hsTokens = await Promise.all(Array.from({ length: tokenCount }, (_, i) => signToken(claims(i), { alg: 'HS256', key: SECRET })));
  const rsTokens = await Promise.all(Array.from({ length: tokenCount }, (_, i) => signToken(claims(i), { alg: 'RS256', key: rsa.privateKey, kid: rsa.kid })));
  const esTokens = await Promise.all(Array.from({ length: tokenCount }, (_, i) => signToken(claims(i), { alg: 'ES256', key: ec.privateKey, kid: ec.kid })));

  const hsKey = (await crypto.subtle.importKey('raw', new TextEncoder().encode(SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])) as CryptoKey;
  const rsKey = await importSPKI(rsa.publicPem, 'RS256');
  const esKey = await importSPKI(ec.publicPem, 'ES256');
  const common = { env: {}, audience: AUDIENCE, issuer: ISSUER };
  const hsSettings = { ...common, verifyKey: SECRET, algorithm: 'HS256' };
  const rsSettings = { ...common, verifyKey: rsa.publicPem, algorithm: 'RS256' };
  const esSettings = { ...common, verifyKey: ec.publicPem, algorithm: 'ES256' };

  const suites: { alg: string; tokens: string[]; candidates: Candidate[] }[] = [];
  for (const [alg, tokens, key, settings] of [
    ['HS256', hsTokens, hsKey, hsSettings],
    ['RS256', rsTokens, rsKey, rsSettings],
    ['ES256', esTokens, esKey, esSettings],
  ] as const) {
    const verifier = createJwtVerifier(settings);
    const cached = createJwtVerifier({ ...settings, cache: true });
    const middleware = requireUser({ verifier }) as unknown as Middleware;
    const cachedMiddleware = requireUser({ verifier: cached }) as unknown as Middleware;
    // KeyObjects, not strings: given a string, jsonwebtoken 9 first tries createPublicKey() and
    // builds an exception on every HS256 verification (~0.5 ms), which would be unfair to it.
    const peerJwt = expressjwt({
      secret: alg === 'HS256' ? createSecretKey(Buffer.from(SECRET)) : createPublicKey(alg === 'RS256' ? rsa.publicPem : ec.publicPem),
      algorithms: [alg],
      audience: AUDIENCE,
      issuer: ISSUER,
    }) as unknown as Middleware;
    const peerOauth2 =
      alg === 'HS256'
        ? oauth2.auth({ secret: SECRET, tokenSigningAlg: 'HS256', audience: AUDIENCE, issuer: ISSUER })
        : oauth2.auth({ jwksUri: jwks.url, tokenSigningAlg: alg, audience: AUDIENCE, issuer: ISSUER });
    const options = { algorithms: [alg], audience: AUDIENCE, issuer: ISSUER };
    suites.push({
      alg,
      tokens,
      candidates: [
        { name: 'raw jose jwtVerify (pre-imported key)', run: (t) => jwtVerify(t, key, options) },
        { name: 'kit createJwtVerifier().verify', run: (t) => verifier.verify(t) },
        { name: 'kit requireUser() middleware', run: (t) => callMiddleware(middleware, t) },
        { name: 'kit verify, cache on (repeated tokens)', run: (t) => cached.verify(t) },
        { name: 'kit requireUser(), cache on (repeated tokens)', run: (t) => callMiddleware(cachedMiddleware, t) },
        { name: 'express-jwt 8 middleware (KeyObject secret)', run: (t) => callMiddleware(peerJwt, t) },
        { name: `express-oauth2-jwt-bearer middleware${alg !== 'HS256' ? ' (local JWKS)' : ''}`, run: (t) => callMiddleware(peerOauth2, t) },
      ],
    });
  }

  // Correctness first: every candidate accepts every token.
  for (const suite of suites) for (const c of suite.candidates) for (const t of suite.tokens.slice(0, 4)) await c.run(t);
  // Warm-up (JIT, caches filled with every token of the pool).
  for (const suite of suites) for (const c of suite.candidates) await measure(c, suite.tokens, 300);

  const samples = new Map<string, Sample[]>();
  for (let round = 0; round < rounds; round += 1) {
    for (const suite of suites) {
      // Alternate the order each round so no candidate always runs first (or right after GC).
      const order = round % 2 === 0 ? suite.candidates : [...suite.candidates].reverse();
      for (const c of order) {
        const key = `${suite.alg}\u0000${c.name}`;
        samples.set(key, [...(samples.get(key) ?? []), await measure(c, suite.tokens, roundMs)]);
      }
    }
    process.stderr.write(`round ${round + 1}/${rounds} done\n`);
  }
  await jwks.stop();

  // Ratios are paired per round (candidate vs raw jose measured moments apart), then the
  // median of those ratios is taken: load changes between rounds cancel out.
  const lines: string[] = [];
  const figures: Record<string, Record<string, { ops: number; cpu: number; cpuRatio: number; wallRatio: number }>> = {};
  for (const suite of suites) {
    const baseList = samples.get(`${suite.alg}\u0000${suite.candidates[0]!.name}`)!;
    lines.push(`\n### ${suite.alg} (${tokenCount} distinct tokens, each verified repeatedly)\n`);
    lines.push(
      '| candidate | ops/s (median) | speed vs raw jose | CPU µs/op (median) | CPU cost vs raw jose |',
      '|---|---:|---:|---:|---:|',
    );
    figures[suite.alg] = {};
    for (const c of suite.candidates) {
      const list = samples.get(`${suite.alg}\u0000${c.name}`)!;
      const value = {
        ops: median(list.map((x) => x.opsPerSecond)),
        cpu: median(list.map((x) => x.cpuMicros)),
        cpuRatio: median(list.map((x, i) => x.cpuMicros / baseList[i]!.cpuMicros)),
        wallRatio: median(list.map((x, i) => x.opsPerSecond / baseList[i]!.opsPerSecond)),
      };
      figures[suite.alg]![c.name] = value;
      lines.push(
        `| ${c.name} | ${Math.round(value.ops).toLocaleString('en-US')} | ${value.wallRatio.toFixed(2)}x | ${value.cpu.toFixed(1)} | ${value.cpuRatio.toFixed(2)}x |`,
      );
    }
  }
  const targets: string[] = ['\n### Targets (CPU cost per verification, median of per-round ratios; wall-clock in parentheses)\n'];
  for (const alg of Object.keys(figures)) {
    const f = figures[alg]!;
    const ours = f['kit createJwtVerifier().verify']!;
    const mw = f['kit requireUser() middleware']!;
    const cached = f['kit verify, cache on (repeated tokens)']!;
    const overhead = (ours.cpuRatio - 1) * 100;
    const wallOverhead = (1 / ours.wallRatio - 1) * 100;
    const mwOverhead = (mw.cpuRatio - 1) * 100;
    const speedup = 1 / cached.cpuRatio;
    targets.push(
      `- ${alg}: verifier without cache costs ${overhead.toFixed(1)}% more CPU than raw jose (wall ${wallOverhead.toFixed(1)}%) — target <= 10%: ${overhead <= 10 ? 'met' : 'MISSED'}; ` +
        `requireUser() middleware ${mwOverhead.toFixed(1)}% more CPU; cache on repeated tokens ${speedup.toFixed(1)}x cheaper (${cached.wallRatio.toFixed(1)}x faster wall) — target >= 5x: ${speedup >= 5 && cached.wallRatio >= 5 ? 'met' : 'MISSED'}.`,
    );
  }
  // The node:crypto fast path against express-jwt (jsonwebtoken, node:crypto), paired per round.
  const versus: string[] = ['\n### Targets against express-jwt (kit verifier CPU / express-jwt middleware CPU, median of per-round ratios)\n'];
  const goals: Record<string, number> = { HS256: 0.5, RS256: 1.0, ES256: 1.0 };
  for (const suite of suites) {
    const ours = samples.get(`${suite.alg}\u0000kit createJwtVerifier().verify`)!;
    const peer = samples.get(`${suite.alg}\u0000express-jwt 8 middleware (KeyObject secret)`)!;
    const ratio = median(ours.map((x, i) => x.cpuMicros / peer[i]!.cpuMicros));
    const goal = goals[suite.alg]!;
    versus.push(`target jwt-${suite.alg.toLowerCase()}-cpu-vs-express-jwt: ${ratio.toFixed(2)}x (goal <= ${goal.toFixed(1)}) ${ratio <= goal ? 'met' : 'missed'}`);
  }
  targets.push(...versus);
  const header = [
    '# bench/jwt results',
    '',
    `Command: \`flock /tmp/epk-bench.lock npx tsx bench/jwt/run.ts --ms ${roundMs} --rounds ${rounds}\``,
    '',
    `Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end (shared machine); ` +
      `one process, ${rounds} rounds of ${roundMs} ms per candidate, order alternating; verifications run one at a time (await each).`,
    '',
    'How to read it: "CPU µs/op" is process CPU time (user + system, all threads, so WebCrypto thread-pool work counts) per verification. ' +
      'Wall-clock ops/s swings with other load on a shared machine, so the targets are judged on CPU cost, as the median over rounds of the ratio to raw jose measured in the same round. ' +
      'Middlewares are called directly with a minimal req object (no HTTP). express-jwt gets KeyObject keys (with a string secret, jsonwebtoken 9 builds an exception per HS256 verification, ~0.5 ms); ' +
      'it verifies synchronously with node:crypto, and express-oauth2-jwt-bearer bundles jose 4, whose Node build also used node:crypto; jose 6 (raw jose here) verifies through WebCrypto, which hops to the libuv thread pool and costs more per HS256 verification. The kit checks signatures with node:crypto (fast path) and asks jose only when a token does not verify there. ' +
      'express-oauth2-jwt-bearer verifies RS256 and ES256 through a local JWKS server on 127.0.0.1 (its key set cached after the first fetch).',
  ];
  const report = [...header, ...lines, ...targets, ''].join('\n');
  process.stdout.write(`${report}\n`);
  if (values.out) writeFileSync(values.out, report);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
