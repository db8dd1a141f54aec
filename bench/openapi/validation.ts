/**
 * Overhead of a createApiRouter route (JSON parse + zod validation of params, query and body
 * + typed handler) against the same work written by hand (express.json() + zod safeParse in
 * the handler, on an express.Router mounted the same way). Both servers run in this process, on loopback, alternating for `rounds`
 * rounds; the median ratio is printed (the machine is shared, single runs are noisy).
 *
 *   flock /tmp/epk-bench.lock npx tsx bench/openapi/validation.ts [seconds=3] [rounds=3]
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import express from 'express';
import { z } from 'zod';
import { errorHandler } from '../../lib/errors/index.js';
import { createApiRouter, jsonResponse } from '../../lib/openapi/index.js';

const seconds = Number(process.argv[2] ?? 3);
const rounds = Number(process.argv[3] ?? 3);
const Params = z.object({ id: z.string().min(1).max(36) });
const Query = z.object({ dryRun: z.enum(['true', 'false']).default('false') });
const Body = z.object({ name: z.string().min(1).max(100), nodes: z.array(z.object({ id: z.string(), type: z.enum(['input', 'llm', 'output']) })).max(50) });
const body = JSON.stringify({ name: 'bench', nodes: [{ id: 'a', type: 'input' }, { id: 'b', type: 'llm' }, { id: 'c', type: 'output' }] });

function kitApp(responseValidation: 'strip' | 'off') {
  const api = createApiRouter({ responseValidation });
  api.route({
    method: 'post', path: '/graphs/:id', summary: 'Bench', tags: ['bench'],
    request: { params: Params, query: Query, body: Body },
    responses: { 200: jsonResponse(z.object({ id: z.string(), nodes: z.number() }), 'OK') },
    handler: (req, res) => res.json({ id: req.params.id, nodes: req.body.nodes.length }),
  });
  const app = express();
  app.use(api);
  app.use(errorHandler());
  return app;
}

function handWrittenApp() {
  const app = express();
  const router = express.Router(); // mounted like the API router, so only the route itself differs
  app.use(router);
  app.use(errorHandler());
  router.post('/graphs/:id', express.json(), (req, res) => {
    const params = Params.safeParse(req.params);
    const query = Query.safeParse(req.query);
    const parsed = Body.safeParse(req.body);
    if (!params.success || !query.success || !parsed.success) return res.status(400).json({ detail: 'invalid' });
    res.json({ id: params.data.id, nodes: parsed.data.nodes.length });
  });
  return app;
}

async function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphs/g-1?dryRun=true` };
}

async function measure(name: string, url: string, duration: number): Promise<number> {
  const result = await autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: 10, duration });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  if (duration > 1) console.log(`${name.padEnd(28)} ${result.requests.average.toFixed(0).padStart(7)} req/s  p99 ${result.latency.p99} ms`);
  return result.requests.average;
}

// The kit's route with response validation (the default, 'strip') and without ('off'), and the hand-written one.
const kit = await listen(kitApp('strip'));
const kitOff = await listen(kitApp('off'));
const hand = await listen(handWrittenApp());
await measure('warm-up kit', kit.url, 1);
await measure('warm-up kit (off)', kitOff.url, 1);
await measure('warm-up hand-written', hand.url, 1);
const ratios: number[] = [];
const responseRatios: number[] = [];
for (let round = 1; round <= rounds; round += 1) {
  console.log(`round ${round}`);
  // Alternate the order each round so drift on a noisy machine does not favour one side.
  const first = round % 2 === 1;
  const off = first ? await measure('route, responseValidation off', kitOff.url, seconds) : 0;
  const ours = await measure('route (response strip)', kit.url, seconds);
  const offAfter = first ? off : await measure('route, responseValidation off', kitOff.url, seconds);
  const theirs = await measure('hand-written zod + express', hand.url, seconds);
  ratios.push(ours / theirs);
  responseRatios.push(ours / offAfter);
}
kit.server.close();
kitOff.server.close();
hand.server.close();
const median = (list: number[]): string => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!.toFixed(2);
console.log(`ratios kit/hand-written: ${ratios.map((r) => r.toFixed(2)).join(' ')}; median ${median(ratios)} (1.00 = no overhead)`);
console.log(`ratios strip/off: ${responseRatios.map((r) => r.toFixed(2)).join(' ')}; median ${median(responseRatios)} (1.00 = response validation costs nothing)`);
